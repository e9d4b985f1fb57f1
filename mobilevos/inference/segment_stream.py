"""Segment a frame source (video file, live stream, folder) and write masks, an overlay and a matte video.

The loop is :meth:`VideoInferencer.propagate`; this module only feeds it a source and writes each
result as it comes: palette PNGs (:func:`mobilevos.utils.io.write_mask`), an overlay MP4
(:func:`mobilevos.visualization.overlay_mask`) and an alpha-matte MP4 (white on every object).
"""
import os
import os.path as osp
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Union

import numpy as np

from mobilevos.utils.io import write_mask
from mobilevos.visualization import overlay_mask
from mobilevos.visualization.video_writer import VideoWriter

from .object_ids import ObjectIdMap
from .video_inferencer import VideoInferencer
from .video_io import InferenceInputError

PathLike = Union[str, os.PathLike]


@dataclass
class StreamSummary:
    """What :func:`segment_stream` wrote and how fast it ran."""
    num_frames: int = 0
    seconds: float = 0.0
    dropped: int = 0
    object_ids: List[int] = field(default_factory=list)
    mask_files: List[str] = field(default_factory=list)
    overlay_video: Optional[str] = None
    alpha_video: Optional[str] = None

    @property
    def fps(self) -> float:
        """Frames segmented per second (wall clock, decoding and writing included)."""
        return self.num_frames / self.seconds if self.seconds > 0 else 0.0


def check_first_mask(ids: np.ndarray, size, name: str = 'the first-frame mask') -> None:
    """Check an annotation against the frames before any frame is segmented.

    Raises:
        InferenceInputError: the mask's size differs from the frames', or it holds no object.
    """
    if tuple(ids.shape[:2]) != tuple(size):
        raise InferenceInputError(f'{name} is {ids.shape[1]}x{ids.shape[0]} (WxH) but the video is {size[1]}x'
                                  f'{size[0]}; the mask must have the first frame\'s size')
    if not np.any((ids != 0) & (ids != 255)):
        raise InferenceInputError(f'{name} contains no object: every pixel is background (0) or void (255); '
                                  'mark at least one object')


def segment_stream(inferencer: VideoInferencer,
                   source,
                   annotation: np.ndarray,
                   palette: np.ndarray,
                   out_dir: Optional[PathLike] = None,
                   overlay_video: Optional[PathLike] = None,
                   alpha_video: Optional[PathLike] = None,
                   on_frame: Optional[Callable[[int, Optional[int]], None]] = None) -> StreamSummary:
    """Segment ``source`` from the first frame's ``annotation`` and write the outputs frame by frame.

    Args:
        inferencer: the network and memory policy.
        source: a frame source of :mod:`.video_source` (``size``, ``num_frames``, ``fps``, iterable).
        annotation: ``(H, W)`` uint8 ids of frame 0 (0 background; void 255 is background).
        palette: ``(256, 3)`` uint8 colours of the ids (masks and overlay).
        out_dir: ``<index:05d>.png`` palette masks are written here (``None``: none).
        overlay_video: MP4 of the frames with the masks blended in (``None``: none).
        alpha_video: MP4 matte, white on every object, black elsewhere (``None``: none).
        on_frame: called with ``(frames done, total or None)`` after each frame (progress bars).

    Returns:
        What was written and the achieved frame rate.

    Raises:
        InferenceInputError: a bad annotation (see :func:`check_first_mask`) or an unreadable source.
    """
    annotation = np.where(annotation == 255, 0, annotation).astype(np.uint8)
    check_first_mask(annotation, source.size)
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
    summary = StreamSummary(overlay_video=None if overlay_video is None else str(overlay_video),
                            alpha_video=None if alpha_video is None else str(alpha_video))
    overlay_writer = VideoWriter(overlay_video, fps=source.fps) if overlay_video is not None else None
    alpha_writer = VideoWriter(alpha_video, fps=source.fps) if alpha_video is not None else None
    id_map = ObjectIdMap()
    start = time.perf_counter()
    try:
        for result in inferencer.propagate(source, {0: annotation}, source.num_frames, id_map):
            if out_dir is not None:
                mask_file = osp.join(str(out_dir), f'{result.index:05d}.png')
                write_mask(mask_file, result.ids, palette)
                summary.mask_files.append(mask_file)
            if overlay_writer is not None:
                overlay_writer.write(overlay_mask(result.frame, result.ids, palette))
            if alpha_writer is not None:
                alpha_writer.write(np.where(result.ids > 0, 255, 0).astype(np.uint8))
            summary.num_frames += 1
            if on_frame is not None:
                on_frame(summary.num_frames, source.num_frames)
    finally:
        for writer in (overlay_writer, alpha_writer):
            if writer is not None:
                writer.close()
    summary.seconds = time.perf_counter() - start
    summary.dropped = getattr(source, 'dropped', 0)
    summary.object_ids = list(id_map.original_ids)
    return summary
