"""mmengine metrics: DAVIS J&F, and a YouTube-VOS submission writer.

``DAVISMetric`` only scores: the DAVIS mask folder of an evaluation is written by
the loop (``test_cfg.out_dir``, ``tools/test.py --out``), the one route.

Both receive **one data sample per video** (the inferencer's output for a
whole sequence). A sample is a dict (``VOSDataSample.to_dict()``, which
mmengine's Evaluator makes) or a :class:`VOSDataSample`, with:

- ``video``: str, sequence name (metainfo).
- ``pred_masks``: ``(T, H, W)`` integer ids as on disk (0 = background),
  tensor or array, at the original frame size; or ``pred_paths``: ``T`` PNG
  paths.
- ``gt_paths``: ``T`` ground-truth PNG paths, None where a frame has none (the
  video record's ``gt_paths``; preferred, as frames are then read one at a
  time); or ``gt_masks``: ``(T, H, W)`` ids on disk (255 = void), every frame
  annotated. Only annotated frames are evaluated, minus the first and last.
- ``frame_names``: optional ``T`` names (default from ``frame_ids``, else
  ``00000``, ``00001``...), used in messages and written PNG names.
- ``merge_objects``: optional bool, merge every object of the ground-truth
  paths into id 1 (the video record's key); a grayscale 0/255 mask is id 1
  without it (:mod:`mobilevos.utils.io`).
- ``palette``: optional palette for written PNGs (YouTube-VOS).
- ``output_frame_names``: optional (YouTube-VOS), the frames a submission
  holds.

Ids must be the ones on disk: an inferencer that relabels objects ``1..K``
maps them back with the record's ``object_ids`` before returning.
"""
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmengine.structures import BaseDataElement

from mobilevos.registry import METRICS
from .davis_measures import DEFAULT_BOUND_TH
from .sequence_evaluator import GLOBAL_KEYS, evaluate_sequence, format_tables, summarize_results
from .writers import YouTubeVOSSubmissionWriter


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def _as_dict(sample: Any) -> dict:
    if isinstance(sample, BaseDataElement):
        return sample.to_dict()
    if not isinstance(sample, dict):
        raise TypeError(f'a data sample must be a dict or a VOSDataSample, got {type(sample).__name__}')
    return sample


def _frame_names(sample: dict, num_frames: int) -> List[str]:
    names = sample.get('frame_names')
    if names is None and sample.get('frame_ids') is not None:
        names = [f'{int(i):05d}' for i in sample['frame_ids']]
    if names is None:
        names = [f'{i:05d}' for i in range(num_frames)]
    if len(names) != num_frames:
        raise ValueError(f"video {sample.get('video')!r}: {len(names)} frame names for {num_frames} frames")
    return list(names)


def _predictions(sample: dict) -> Sequence:
    if sample.get('pred_masks') is not None:
        masks = _to_numpy(sample['pred_masks'])
        if masks.ndim != 3:
            raise ValueError(
                f"video {sample.get('video')!r}: pred_masks must be (T, H, W), got {masks.shape}")
        return masks
    if sample.get('pred_paths') is not None:
        return list(sample['pred_paths'])
    raise KeyError(f"video {sample.get('video')!r}: the data sample has neither pred_masks nor pred_paths")


@METRICS.register_module()
class DAVISMetric(BaseMetric):
    """J&F as the official DAVIS 2017 semi-supervised evaluation computes it.

    ``process`` evaluates each video as it arrives and keeps only its
    per-object, per-frame J and F arrays; ``compute_metrics`` returns the
    global measures (fractions; mmengine prefixes them, e.g.
    ``davis/J&F-Mean``), logs the official global and per-sequence tables,
    keeps the whole summary in ``self.last_summary`` and can write it as JSON.

    Args:
        objects: ``'first_frame'`` (official: ids ``1..max`` of the first
            ground-truth frame) or ``'all'`` (``1..max`` over all ground truth).
        bound_th: boundary tolerance of F.
        gt_binary: merge the objects of every ground-truth path into id 1
            (else per sample ``merge_objects``).
        format_only: do not score (no ground truth, e.g. DAVIS test-dev); the
            predictions are written by the loop's ``out_dir``.
        json_file: write ``dict(global, per_sequence, per_video)`` there.
        return_per_sequence: also return the per-object table under
            ``per_sequence`` (a non-scalar; mmengine logs it as info).
        percent_in_log: print the logged tables in percent.
        collect_device, prefix: see :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = 'davis'

    def __init__(self,
                 objects: str = 'first_frame',
                 bound_th: float = DEFAULT_BOUND_TH,
                 gt_binary: bool = False,
                 format_only: bool = False,
                 json_file: Optional[str] = None,
                 return_per_sequence: bool = False,
                 percent_in_log: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if objects not in ('first_frame', 'all'):
            raise ValueError(f"DAVISMetric: objects must be 'first_frame' or 'all', got {objects!r}")
        self.objects = objects
        self.bound_th = bound_th
        self.gt_binary = gt_binary
        self.format_only = format_only
        self.json_file = json_file
        self.return_per_sequence = return_per_sequence
        self.percent_in_log = percent_in_log
        self.last_summary: Optional[dict] = None

    def process(self, data_batch: Any, data_samples: Sequence) -> None:
        """Evaluate each video of ``data_samples`` (see the module docstring)."""
        for raw in data_samples:
            sample = _as_dict(raw)
            video = str(sample.get('video', f'video{len(self.results)}'))
            if self.format_only:
                self.results.append({'name': video})
                continue
            preds = _predictions(sample)
            names = _frame_names(sample, len(preds))
            if sample.get('gt_paths') is not None:
                gt_paths = list(sample['gt_paths'])
                if len(gt_paths) != len(preds):
                    raise ValueError(
                        f'video {video!r}: {len(gt_paths)} ground-truth entries for {len(preds)} '
                        'predicted frames')
                annotated = [t for t, path in enumerate(gt_paths) if path is not None]
                gt = [gt_paths[t] for t in annotated]
            elif sample.get('gt_masks') is not None:
                gt = _to_numpy(sample['gt_masks'])
                if gt.shape[0] != len(preds):
                    raise ValueError(f'video {video!r}: {gt.shape[0]} ground-truth frames for {len(preds)} '
                                     'predicted frames')
                annotated = list(range(len(preds)))
            else:
                raise KeyError(f'video {video!r}: the data sample has neither gt_paths nor gt_masks')
            result = evaluate_sequence(gt, [preds[t] for t in annotated],
                                       name=video,
                                       objects=self.objects,
                                       frame_names=[names[t] for t in annotated],
                                       gt_binary=self.gt_binary or bool(sample.get('merge_objects', False)),
                                       bound_th=self.bound_th)
            self.results.append({
                'name': result.name,
                'object_ids': result.object_ids,
                'j': result.j,
                'f': result.f
            })

    def compute_metrics(self, results: List[dict]) -> Dict[str, Any]:
        """Global J&F measures (fractions) over every processed video."""
        if self.format_only:
            print_log(f'DAVISMetric: format_only, {len(results)} videos not scored', logger='current')
            return {}
        summary = summarize_results(results)
        self.last_summary = summary
        print_log('\n' + format_tables(summary, percent=self.percent_in_log), logger='current')
        if self.json_file:
            os.makedirs(osp.dirname(osp.abspath(self.json_file)), exist_ok=True)
            with open(self.json_file, 'w', encoding='utf-8') as handle:
                json.dump(summary, handle, indent=1)
        metrics: Dict[str, Any] = {key: summary['global'][key] for key in GLOBAL_KEYS}
        if self.return_per_sequence:
            metrics['per_sequence'] = summary['per_sequence']
        return metrics


@METRICS.register_module()
class YouTubeVOSSubmissionMetric(BaseMetric):
    """Writes predictions as a YouTube-VOS submission (no scores: the server computes them).

    Each video's masks go to ``<output_dir>/Annotations/<video>/<frame>.png``
    for the sample's ``output_frame_names`` (default every frame);
    ``compute_metrics`` zips them to ``zip_path`` (default
    ``<output_dir>/submission.zip``) and returns the number of videos.

    Args:
        output_dir: submission folder.
        zip: make the archive.
        zip_path: archive path.
        collect_device, prefix: see :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = 'youtube_vos'

    def __init__(self,
                 output_dir: str,
                 zip: bool = True,
                 zip_path: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.writer = YouTubeVOSSubmissionWriter(output_dir)
        self.make_zip = zip
        self.zip_path = zip_path

    def process(self, data_batch: Any, data_samples: Sequence) -> None:
        for raw in data_samples:
            sample = _as_dict(raw)
            video = str(sample['video'])
            masks = _to_numpy(sample['pred_masks'])
            names = _frame_names(sample, masks.shape[0])
            self.writer.add_video(video, names, masks, sample.get('palette'),
                                  sample.get('output_frame_names'))
            self.results.append({'video': video})

    def compute_metrics(self, results: List[dict]) -> Dict[str, Any]:
        if self.make_zip:
            path = self.writer.zip(self.zip_path)
            print_log(f'YouTube-VOS submission of {len(results)} videos zipped to {path}', logger='current')
        return {'num_videos': len(results)}
