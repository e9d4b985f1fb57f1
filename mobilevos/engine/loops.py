"""Validation and test loops that segment whole videos and score them with J&F.

A VOS evaluation is not a batch-of-images loop: each video is a stream with
state (the memory bank). These loops take the video records of the
dataloader's dataset (``DAVISDataset``, ``YouTubeVOSDataset``...), run a
:class:`~mobilevos.inference.VideoInferencer` over each video, optionally
write each video's DAVIS-format palette PNGs (``out_dir``: the one route that
writes an evaluation's mask folder, through
:func:`~mobilevos.evaluation.write_video_masks`, atomic files) and overlays,
and give the evaluator one sample per video. Speed (frames/s over the
segmentation loop) and peak memory are reported next to the scores.

Under distributed runs each process takes every ``world_size``-th video.
"""
import os.path as osp
import resource
import sys
import time
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dist import get_dist_info, is_main_process
from mmengine.evaluator import Evaluator
from mmengine.runner.loops import BaseLoop
from tqdm import tqdm

from mobilevos.evaluation import write_video_masks
from mobilevos.registry import LOOPS
from mobilevos.utils.eval_protocol import EVAL_PROTOCOL
from mobilevos.utils.io import (davis_palette, read_frame, read_mask, read_palette_mask, void_to_background,
                                write_image)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024.0 if sys.platform != 'darwin' else peak / 2**20


def unwrap_vos_network(model: torch.nn.Module) -> torch.nn.Module:
    """The STM network inside a DDP wrapper and/or a distiller (its student)."""
    model = getattr(model, 'module', model)
    student = getattr(model, 'student', None)
    return student if student is not None else model


def _input_annotations(record: dict) -> Dict[int, np.ndarray]:
    """The record's input masks as the inferencer takes them: ids, void (255) as background.

    Each annotation frame gives the masks of the objects that first appear there
    (``object_first_frame``) and nothing else: the ground-truth PNG of an object's
    first frame also holds the objects seen before it, whose masks the network
    must find itself (the YouTube-VOS protocol; with every object in frame 0, as
    in DAVIS, nothing is left out).
    """
    merge = bool(record.get('merge_objects', False))
    first_frame = record.get('object_first_frame') or {}
    annotations = {}
    for index, path in record['annotation_paths'].items():
        ids = void_to_background(read_mask(path, binary=merge))  # (H, W) uint8
        if first_frame and not merge:
            new = [obj for obj, frame in first_frame.items() if frame == int(index)]
            ids = np.where(np.isin(ids, new), ids, 0).astype(ids.dtype)
        annotations[int(index)] = ids
    return annotations


def _palette(record: dict) -> np.ndarray:
    if record.get('palette') is not None:
        return np.asarray(record['palette'], dtype=np.uint8).reshape(-1, 3)
    first = record['annotation_paths'][min(record['annotation_paths'])]
    palette = read_palette_mask(first)[1]
    return palette if palette is not None else davis_palette()


class _EvaluatedVideos:
    """The loop's dataloader as mmengine's hooks see it: ``len()`` is the number of videos this rank
    evaluates (``max_videos`` and the rank's share applied).

    ``LogProcessor`` (the ``[k/N]`` counter) and ``IterTimerHook`` (the ETA) read
    ``len(loop.dataloader)``; the loop itself reads videos with ``dataset.get_data_info``.
    """

    def __init__(self, dataloader, num_videos: int):
        self.dataloader = dataloader
        self.dataset = dataloader.dataset
        self.num_videos = num_videos

    def __len__(self) -> int:
        return self.num_videos


class VideoEvaluationLoop(BaseLoop):
    """Segment every video of the dataset and evaluate (shared by val and test).

    Args:
        runner: the runner.
        dataloader: a dataloader (config) whose dataset yields video records.
        evaluator: an evaluator (config or list of metric configs), fed one
            sample per video: ``video, pred_masks (T,H,W) ids as on disk,
            gt_paths, frame_names, merge_objects, palette, output_frame_names``.
        out_dir: write ``<out_dir>/<video>/<frame>.png`` palette masks.
        show_dir: write ``<show_dir>/<video>/<frame>.jpg`` mask overlays.
        memory: memory bank for inference (shorthand or MEMORY config);
            ``None``: the network's ``test_memory``.
        size: resize frames to this shorter side before segmenting (``None``:
            original size). Masks are written at the original size.
        max_videos: evaluate only the first videos (quick checks).
    """

    def __init__(self,
                 runner,
                 dataloader,
                 evaluator: Union[Evaluator, dict, list],
                 out_dir: Optional[str] = None,
                 show_dir: Optional[str] = None,
                 memory: Union[None, str, dict] = None,
                 size: Optional[int] = None,
                 max_videos: Optional[int] = None):
        super().__init__(runner, dataloader)
        self.evaluator = runner.build_evaluator(evaluator) if isinstance(evaluator, (dict, list)) else evaluator
        self.out_dir = out_dir
        self.show_dir = show_dir
        self.memory = memory
        self.size = size
        self.max_videos = max_videos
        self.last_speed: Dict[str, float] = {}
        # exported graphs to segment with instead of the model (tools/test.py --backend onnxruntime)
        self.runtime = None
        self.dataloader = _EvaluatedVideos(self.dataloader, len(self._videos()))  # what the log's [k/N] counts

    def _num_videos(self) -> int:
        """Videos evaluated over all ranks: the dataset's, or the first ``max_videos``."""
        total = len(self.dataloader.dataset)
        return total if self.max_videos is None else min(total, self.max_videos)

    def _videos(self) -> List[int]:
        """This rank's share of the evaluated videos (every ``world_size``-th)."""
        rank, world_size = get_dist_info()
        return list(range(rank, self._num_videos(), world_size))

    def _segment_video(self, inferencer, record: dict) -> dict:
        from mobilevos.visualization import overlay_mask
        annotations = _input_annotations(record)
        palette = _palette(record)
        names = record.get('frame_names') or [osp.splitext(osp.basename(p))[0] for p in record['frame_paths']]
        frames = (read_frame(path) for path in record['frame_paths'])
        masks = []
        seconds = 0.0
        start = time.perf_counter()
        for result in inferencer.propagate(frames, annotations, num_frames=len(record['frame_paths'])):
            seconds += time.perf_counter() - start
            masks.append(result.ids)
            name = names[result.index]
            if self.show_dir:
                path = osp.join(self.show_dir, record['video'], f'{name}.jpg')
                write_image(path, overlay_mask(result.frame, result.ids, palette))
            start = time.perf_counter()
        sample = dict(video=record['video'], pred_masks=np.stack(masks), gt_paths=record.get('gt_paths'),
                      frame_names=list(names), merge_objects=bool(record.get('merge_objects', False)),
                      palette=palette, output_frame_names=record.get('output_frame_names'))
        if self.out_dir:
            write_video_masks(self.out_dir, record['video'], names, sample['pred_masks'], palette)
        return dict(sample=sample, frames=len(masks), seconds=seconds)

    def run(self) -> dict:
        from mobilevos.inference import VideoInferencer
        self.runner.call_hook(f'before_{self.stage}')
        self.runner.call_hook(f'before_{self.stage}_epoch')
        network = unwrap_vos_network(self.runner.model)
        was_training = network.training
        device = next(network.parameters()).device if self.runtime is None else torch.device('cpu')
        inferencer = VideoInferencer(network if self.runtime is None else self.runtime, memory=self.memory,
                                     device=device, size=self.size)
        dataset = self.dataloader.dataset
        total_frames, total_seconds = 0, 0.0
        videos = self._videos()
        for step, index in enumerate(tqdm(videos, desc=f'{self.stage} videos', unit='video',
                                          disable=not is_main_process())):
            record = dataset.get_data_info(index)
            self.runner.call_hook(f'before_{self.stage}_iter', batch_idx=step, data_batch=None)
            out = self._segment_video(inferencer, record)
            total_frames += out['frames']
            total_seconds += out['seconds']
            self.evaluator.process(data_samples=[out['sample']], data_batch=None)
            self.runner.call_hook(f'after_{self.stage}_iter', batch_idx=step, data_batch=None, outputs=None)
        metrics = self.evaluator.evaluate(self._num_videos())
        fps = total_frames / total_seconds if total_seconds > 0 else 0.0
        self.last_speed = dict(fps=fps, ms_per_frame=1000.0 / fps if fps else 0.0, peak_rss_mb=peak_rss_mb(),
                               frames=total_frames)
        metrics.update({f'speed/{k}': v for k, v in self.last_speed.items()})
        metrics['eval/protocol'] = EVAL_PROTOCOL
        if torch.cuda.is_available():
            metrics['speed/peak_cuda_mb'] = torch.cuda.max_memory_allocated() / 2**20
        self.runner.logger.info(
            f'{self.stage}: {total_frames} frames in {total_seconds:.1f} s ({fps:.1f} frames/s, '
            f'{self.last_speed["ms_per_frame"]:.1f} ms/frame on {device}), peak RSS {self.last_speed["peak_rss_mb"]:.0f} MiB'
            + (f'; masks in {self.out_dir}' if self.out_dir else '')
            + (f'; overlays in {self.show_dir}' if self.show_dir else ''))
        self.runner.call_hook(f'after_{self.stage}_epoch', metrics=metrics)
        self.runner.call_hook(f'after_{self.stage}')
        network.train(was_training)
        return metrics


@LOOPS.register_module()
class VOSValLoop(VideoEvaluationLoop):
    """Validation during training; see :class:`VideoEvaluationLoop`."""
    stage = 'val'

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False, **kwargs):
        super().__init__(runner, dataloader, evaluator, **kwargs)


@LOOPS.register_module()
class VOSTestLoop(VideoEvaluationLoop):
    """``tools/test.py``; see :class:`VideoEvaluationLoop`."""
    stage = 'test'

    def __init__(self, runner, dataloader, evaluator, fp16: bool = False, **kwargs):
        super().__init__(runner, dataloader, evaluator, **kwargs)
