"""J&F of whole sequences and of a set of sequences, as the official DAVIS 2017 semi-supervised evaluation.

Protocol (``davis2017/evaluation.py`` of ``davisvideochallenge/davis2017-evaluation``):

- The ground truth of a sequence is its annotated frames, in order, read by the
  one rule of :mod:`mobilevos.utils.io` (a grayscale 0/255 mask is object 1, as
  the official DAVIS 2016 evaluation binarises). Void pixels (255) count as
  background.
- The objects are ids ``1..N`` with ``N`` the largest id of the *first*
  ground-truth frame (``objects='first_frame'``, the official rule; an id in
  that range that is absent counts as an empty object). ``objects='all'``
  takes ``N`` over every ground-truth frame instead, for data whose objects
  appear later (YouTube-VOS style); both agree whenever the largest id is in
  the first frame.
- The first and the last annotated frames are not evaluated; the prediction
  must exist for every frame in between.
- A predicted id above ``N`` is an error (the official tool stops too);
  missing predicted ids are empty masks.
- Per object: J and F per frame, then Mean / Recall / Decay
  (:func:`~mobilevos.evaluation.davis_measures.db_statistics`).
- Global: each of J-Mean, J-Recall, J-Decay, F-... is the mean over all
  objects of all sequences; ``J&F-Mean = (J-Mean + F-Mean) / 2``.

All values are fractions in [0, 1] (Decay in [-1, 1]).
"""
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

from mobilevos.utils.io import VOID_ID, read_mask, void_to_background
from .davis_measures import DEFAULT_BOUND_TH, boundary_f_measure, db_statistics

MaskLike = Union[np.ndarray, str, os.PathLike, None]

#: Names of the global measures, in the order of the official table.
GLOBAL_KEYS = ('J&F-Mean', 'J-Mean', 'J-Recall', 'J-Decay', 'F-Mean', 'F-Recall', 'F-Decay')

_NUM_IDS = 256


@dataclass
class SequenceResult:
    """Per-frame scores of one sequence.

    Attributes:
        name: sequence name.
        object_ids: evaluated ids ``[1, ..., N]``.
        j: ``(N, T - 2)`` float64 region similarity per object and evaluated frame.
        f: ``(N, T - 2)`` float64 boundary F-measure, same layout.
        frame_names: names of the evaluated frames (may be empty).
    """
    name: str
    object_ids: List[int]
    j: np.ndarray
    f: np.ndarray
    frame_names: List[str] = field(default_factory=list)


def _load(mask: MaskLike, what: str, binary: bool = False) -> np.ndarray:
    if mask is None:
        raise ValueError(f'{what} is missing')
    if isinstance(mask, (str, os.PathLike)):
        return read_mask(mask, binary=binary)
    array = np.asarray(mask)
    if array.ndim != 2:
        raise ValueError(f'{what} must be an (H, W) id mask, got shape {array.shape}')
    if array.dtype.kind not in 'uib':
        raise ValueError(f'{what} must hold integer ids, got dtype {array.dtype}')
    if array.size and (array.min() < 0 or array.max() > 255):
        raise ValueError(f'{what} holds ids outside [0, 255]')
    return array.astype(np.uint8, copy=False)


def _describe(mask: MaskLike, name: str, index: int, frame_names: Optional[Sequence[str]], kind: str) -> str:
    if isinstance(mask, (str, os.PathLike)):
        return f'{kind} {os.fspath(mask)}'
    frame = frame_names[index] if frame_names else str(index)
    return f'{kind} of sequence {name!r} frame {frame}'


class _FrameScorer:
    """J and F of every id of one frame; ids absent from both masks score 1."""

    def __init__(self, bound_th: float):
        self.bound_th = bound_th

    def __call__(self, gt: np.ndarray, pred: np.ndarray):
        j = np.ones(_NUM_IDS)
        f = np.ones(_NUM_IDS)
        joint = np.bincount(gt.ravel().astype(np.int64) * _NUM_IDS + pred.ravel(),
                            minlength=_NUM_IDS * _NUM_IDS).reshape(_NUM_IDS, _NUM_IDS)
        inter = np.diag(joint).astype(np.float64)
        union = joint.sum(axis=1) + joint.sum(axis=0) - inter
        present = np.flatnonzero(union > 0)
        present = present[present > 0]
        j[present] = inter[present] / union[present]
        for obj_id in present:
            f[obj_id] = boundary_f_measure(gt == obj_id, pred == obj_id, self.bound_th)
        return j, f


def evaluate_sequence(gt_masks: Sequence[MaskLike],
                      pred_masks: Sequence[MaskLike],
                      name: str = '',
                      objects: str = 'first_frame',
                      frame_names: Optional[Sequence[str]] = None,
                      gt_binary: bool = False,
                      bound_th: float = DEFAULT_BOUND_TH) -> SequenceResult:
    """J and F per object and evaluated frame of one sequence.

    Frames are read one at a time, so paths keep memory to a frame or two.

    Args:
        gt_masks: the ``T >= 3`` annotated frames in order: ``(H, W)`` id
            arrays (uint8-compatible; 255 = void) or PNG paths.
        pred_masks: ``T`` predictions aligned with ``gt_masks`` (arrays or
            paths); the first and last entries are not used and may be None.
        name: sequence name, used in errors and results.
        objects: ``'first_frame'`` (official) or ``'all'``; see the module doc.
        frame_names: names of the ``T`` frames, for messages and the result.
        gt_binary: merge every object of the ground-truth paths into id 1
            (a grayscale 0/255 mask is id 1 without it).
        bound_th: boundary tolerance (fraction of the diagonal, or pixels if >= 1).

    Returns:
        A :class:`SequenceResult` with ``(N, T - 2)`` J and F arrays.

    Raises:
        ValueError: fewer than 3 annotated frames, lengths or shapes that
            differ, no object to evaluate, a predicted id above ``N``, an
            unknown ``objects``, or a missing prediction (named).
        FileNotFoundError: a path that does not exist (named).
    """
    if objects not in ('first_frame', 'all'):
        raise ValueError(f"objects must be 'first_frame' or 'all', got {objects!r}")
    num_frames = len(gt_masks)
    if num_frames < 3:
        raise ValueError(f'sequence {name!r} has {num_frames} annotated frames; the DAVIS evaluation '
                         'excludes the first and the last, so it needs at least 3')
    if len(pred_masks) != num_frames:
        raise ValueError(f'sequence {name!r}: {len(pred_masks)} predicted frames for {num_frames} '
                         'annotated frames')
    if frame_names is not None and len(frame_names) != num_frames:
        raise ValueError(f'sequence {name!r}: {len(frame_names)} frame names for {num_frames} frames')

    first_gt = _load(gt_masks[0], _describe(gt_masks[0], name, 0, frame_names, 'ground truth'), gt_binary)
    shape = first_gt.shape
    first_ids = first_gt[first_gt != VOID_ID]
    num_objects = int(first_ids.max()) if first_ids.size else 0
    scorer = _FrameScorer(bound_th)
    j_rows, f_rows = [], []
    max_pred, max_pred_where = 0, ''
    for index in range(1, num_frames - 1):
        gt_what = _describe(gt_masks[index], name, index, frame_names, 'ground truth')
        pred_what = _describe(pred_masks[index], name, index, frame_names, 'prediction')
        if pred_masks[index] is None:
            raise ValueError(f'{pred_what} is missing')
        gt = _load(gt_masks[index], gt_what, gt_binary)
        pred = _load(pred_masks[index], pred_what)
        if gt.shape != shape:
            raise ValueError(f'{gt_what} is {gt.shape[1]}x{gt.shape[0]} but the first ground-truth frame '
                             f'is {shape[1]}x{shape[0]} (WxH)')
        if pred.shape != shape:
            raise ValueError(f'{pred_what} is {pred.shape[1]}x{pred.shape[0]} but the ground truth is '
                             f'{shape[1]}x{shape[0]} (WxH)')
        gt = void_to_background(gt)
        if objects == 'all' and gt.size:
            num_objects = max(num_objects, int(gt.max()))
        frame_max = int(pred.max()) if pred.size else 0
        if frame_max > max_pred:
            max_pred, max_pred_where = frame_max, pred_what
        j, f = scorer(gt, pred)
        j_rows.append(j)
        f_rows.append(f)
    if objects == 'all':
        last_gt = _load(gt_masks[-1],
                        _describe(gt_masks[-1], name, num_frames - 1, frame_names, 'ground truth'), gt_binary)
        last_ids = last_gt[last_gt != VOID_ID]
        num_objects = max(num_objects, int(last_ids.max()) if last_ids.size else 0)
    if num_objects == 0:
        where = 'first ground-truth frame' if objects == 'first_frame' else 'ground truth'
        raise ValueError(f'sequence {name!r}: the {where} has no object (every pixel is background 0 '
                         'or void 255)')
    if max_pred > num_objects:
        raise ValueError(f'{max_pred_where} has object id {max_pred} but sequence {name!r} has '
                         f'{num_objects} objects in its ground truth ({objects} rule); the official '
                         'evaluation refuses such predictions')
    ids = np.arange(1, num_objects + 1)
    evaluated_names = list(frame_names[1:-1]) if frame_names is not None else []
    return SequenceResult(name=name,
                          object_ids=ids.tolist(),
                          j=np.stack(j_rows, axis=1)[ids],
                          f=np.stack(f_rows, axis=1)[ids],
                          frame_names=evaluated_names)


def summarize_results(results: Sequence[Union[SequenceResult, dict]]) -> Dict[str, object]:
    """Global and per-object tables from per-sequence results.

    Args:
        results: :class:`SequenceResult` objects or dicts with the same keys
            (``name``, ``object_ids``, ``j``, ``f``).

    Returns:
        ``dict(global=dict(J&F-Mean, J-Mean, J-Recall, J-Decay, F-Mean,
        F-Recall, F-Decay), per_sequence=[dict(Sequence='<seq>_<id>',
        J-Mean, F-Mean), ...], per_video=[dict(Sequence='<seq>',
        num_objects, J-Mean, F-Mean, J&F-Mean), ...])`` with float values.
        ``per_sequence`` is the official per-object table. ``per_frame=[dict(frame=t, objects, J-Mean,
        F-Mean, J&F-Mean), ...]`` averages every object's score at frame ``t`` of its video (``t`` from 1:
        the first evaluated frame), over the videos long enough to have it: how accuracy changes with
        the distance from the first frame (J-Decay in finer steps).

    Raises:
        ValueError: no results.
    """
    if not results:
        raise ValueError('no sequence was evaluated')
    stats = {key: [] for key in ('JM', 'JR', 'JD', 'FM', 'FR', 'FD')}
    per_sequence, per_video = [], []
    frame_j: List[List[np.ndarray]] = []  # [t - 1] -> per-video (N,) J at evaluated frame t
    frame_f: List[List[np.ndarray]] = []
    for result in results:
        if isinstance(result, SequenceResult):
            result = result.__dict__
        jm, jr, jd = db_statistics(result['j'])
        fm, fr, fd = db_statistics(result['f'])
        for key, values in zip(stats, (jm, jr, jd, fm, fr, fd)):
            stats[key].extend(np.atleast_1d(values).tolist())
        for index, obj_id in enumerate(result['object_ids']):
            per_sequence.append({
                'Sequence': f"{result['name']}_{obj_id}",
                'J-Mean': float(jm[index]),
                'F-Mean': float(fm[index])
            })
        j_frames, f_frames = np.asarray(result['j']), np.asarray(result['f'])  # (N, T - 2)
        for column in range(j_frames.shape[1]):
            if column == len(frame_j):
                frame_j.append([])
                frame_f.append([])
            frame_j[column].append(j_frames[:, column])
            frame_f[column].append(f_frames[:, column])
        per_video.append({
            'Sequence': result['name'],
            'num_objects': len(result['object_ids']),
            'J-Mean': float(np.mean(jm)),
            'F-Mean': float(np.mean(fm)),
            'J&F-Mean': float((np.mean(jm) + np.mean(fm)) / 2),
        })
    means = {key: float(np.mean(values)) for key, values in stats.items()}
    global_table = {
        'J&F-Mean': (means['JM'] + means['FM']) / 2,
        'J-Mean': means['JM'],
        'J-Recall': means['JR'],
        'J-Decay': means['JD'],
        'F-Mean': means['FM'],
        'F-Recall': means['FR'],
        'F-Decay': means['FD'],
    }
    per_frame = []
    for column, (js, fs) in enumerate(zip(frame_j, frame_f)):
        j_mean, f_mean = float(np.mean(np.concatenate(js))), float(np.mean(np.concatenate(fs)))
        per_frame.append({
            'frame': column + 1,
            'objects': int(sum(len(j) for j in js)),
            'J-Mean': j_mean,
            'F-Mean': f_mean,
            'J&F-Mean': (j_mean + f_mean) / 2,
        })
    return {
        'global': global_table,
        'per_sequence': per_sequence,
        'per_video': per_video,
        'per_frame': per_frame
    }


def format_tables(summary: Dict[str, object], title: str = '', percent: bool = False) -> str:
    """The global and per-sequence tables as the official tool prints them.

    Args:
        summary: the output of :func:`summarize_results`.
        title: set name shown in the headers, e.g. ``'val'``.
        percent: print percentages instead of fractions.
    """
    scale, digits = (100.0, 1) if percent else (1.0, 3)

    def table(rows: List[Dict[str, object]], columns: Sequence[str]) -> List[str]:
        cells = [[row[c] if isinstance(row[c], str) else f'{row[c] * scale:.{digits}f}' for c in columns]
                 for row in rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
        lines = [' '.join(c.rjust(w) for c, w in zip(columns, widths))]
        lines += [' '.join(v.rjust(w) for v, w in zip(r, widths)) for r in cells]
        return lines

    suffix = f' for {title}' if title else ''
    lines = [f'--------------------------- Global results{suffix} ---------------------------']
    lines += table([summary['global']], GLOBAL_KEYS)
    lines += ['', f'---------- Per sequence results{suffix} ----------']
    lines += table(summary['per_sequence'], ('Sequence', 'J-Mean', 'F-Mean'))
    return '\n'.join(lines)
