"""J&F of a folder of predicted PNGs against ground truth (what ``tools/analysis/eval_masks.py`` runs).

Both folders are DAVIS-style, ``<dir>/<sequence>/<frame>.png``; the ground
truth may also be a DAVIS root (``<root>/Annotations/<resolution>`` is used,
and ``ImageSets/<year>/<split>.txt`` when a split is given). The frames of a
sequence are its ground-truth PNGs; the prediction must hold a PNG of the
same name for each of them except the first and the last. Both are read by the
one rule of :mod:`mobilevos.utils.io`: a grayscale 0/255 mask (DAVIS 2016) is
object 1, so DAVIS 2016 ground truth needs no option.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

from .davis_measures import DEFAULT_BOUND_TH
from .sequence_evaluator import evaluate_sequence, summarize_results


def resolve_gt_root(gt_dir: str, resolution: str = '480p') -> str:
    """The folder holding the ground-truth sequence folders.

    Raises:
        FileNotFoundError: ``gt_dir`` does not exist.
    """
    if not osp.isdir(gt_dir):
        raise FileNotFoundError(f'ground-truth folder {gt_dir} does not exist')
    davis = osp.join(gt_dir, 'Annotations', resolution)
    return davis if osp.isdir(davis) else gt_dir


def list_sequences(gt_dir: str,
                   split: Optional[str] = None,
                   year: int = 2017,
                   resolution: str = '480p') -> List[str]:
    """Sequence names to evaluate: the split file's (DAVIS root) or every sequence folder.

    Raises:
        FileNotFoundError: a split file that does not exist.
        ValueError: no sequence folder.
    """
    if split is not None:
        path = osp.join(gt_dir, 'ImageSets', str(year), f'{split}.txt')
        if not osp.isfile(path):
            raise FileNotFoundError(f'split file {path} does not exist')
        with open(path, encoding='utf-8') as handle:
            return list(dict.fromkeys(line.strip() for line in handle if line.strip()))
    root = resolve_gt_root(gt_dir, resolution)
    names = sorted(n for n in os.listdir(root) if osp.isdir(osp.join(root, n)))
    if not names:
        raise ValueError(f'ground-truth folder {root} holds no sequence folder')
    return names


def evaluate_folders(gt_dir: str,
                     pred_dir: str,
                     sequences: Optional[Sequence[str]] = None,
                     split: Optional[str] = None,
                     year: int = 2017,
                     resolution: str = '480p',
                     objects: str = 'first_frame',
                     gt_binary: bool = False,
                     bound_th: float = DEFAULT_BOUND_TH,
                     progress: bool = False) -> Dict[str, object]:
    """Evaluate every sequence; returns :func:`summarize_results`' dict.

    Args:
        gt_dir: ground-truth sequence folders, or a DAVIS root.
        pred_dir: predicted sequence folders.
        sequences: evaluate only these (default: ``split``'s, else every
            ground-truth sequence folder).
        split, year: read the sequences from ``ImageSets/<year>/<split>.txt``
            of a DAVIS root.
        resolution: sub-folder of ``Annotations`` in a DAVIS root.
        objects, gt_binary, bound_th: see
            :func:`~mobilevos.evaluation.evaluate_sequence`.
        progress: show a tqdm bar over sequences.

    Raises:
        FileNotFoundError: a sequence or frame missing from the prediction or
            the ground truth (named).
        ValueError: see :func:`~mobilevos.evaluation.evaluate_sequence`.
    """
    gt_root = resolve_gt_root(gt_dir, resolution)
    if not osp.isdir(pred_dir):
        raise FileNotFoundError(f'prediction folder {pred_dir} does not exist')
    names = list(sequences) if sequences else list_sequences(gt_dir, split, year, resolution)
    iterator = names
    if progress:
        from tqdm import tqdm
        iterator = tqdm(names, desc='sequences', unit='seq')
    results = []
    for name in iterator:
        gt_seq = osp.join(gt_root, name)
        pred_seq = osp.join(pred_dir, name)
        if not osp.isdir(gt_seq):
            raise FileNotFoundError(f'sequence {name!r}: ground-truth folder {gt_seq} does not exist')
        if not osp.isdir(pred_seq):
            raise FileNotFoundError(f'sequence {name!r} has no prediction folder {pred_seq}')
        frames = sorted(osp.splitext(f)[0] for f in os.listdir(gt_seq) if f.endswith('.png'))
        if not frames:
            raise ValueError(f'ground-truth folder {gt_seq} holds no .png mask')
        gt_paths = [osp.join(gt_seq, f'{f}.png') for f in frames]
        pred_paths: List[Optional[str]] = [None] * len(frames)
        for index in range(1, len(frames) - 1):
            path = osp.join(pred_seq, f'{frames[index]}.png')
            if not osp.isfile(path):
                raise FileNotFoundError(f'sequence {name!r}: the prediction misses frame {frames[index]} '
                                        f'({path} does not exist)')
            pred_paths[index] = path
        results.append(
            evaluate_sequence(gt_paths,
                              pred_paths,
                              name=name,
                              objects=objects,
                              frame_names=frames,
                              gt_binary=gt_binary,
                              bound_th=bound_th))
    return summarize_results(results)
