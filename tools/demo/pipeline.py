"""What the web demo does, without the web page: samples, first-frame masks, a run, the outputs.

Every step raises :class:`mobilevos.inference.InferenceInputError` (a ``UserError``) for bad input,
with a message the page shows as it is. The segmentation loop is
:meth:`mobilevos.inference.VideoInferencer.propagate`, through
:func:`mobilevos.inference.segment_stream.segment_stream`.
"""
import os
import os.path as osp
import zipfile
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

import numpy as np

from mobilevos.inference import InferenceInputError, VideoInferencer, read_annotation
from mobilevos.inference.segment_stream import check_first_mask, segment_stream
from mobilevos.inference.video_source import VideoFileSource
from mobilevos.utils.io import davis_palette, read_mask, write_mask
from mobilevos.visualization import overlay_mask
from mobilevos.visualization.video_writer import VideoWriter

#: Objects a user can draw: brush colour ``i`` (DAVIS palette) is object ``i + 1``.
MAX_DRAWN_OBJECTS = 6


def brush_colours() -> List[str]:
    """``#rrggbb`` of objects ``1..MAX_DRAWN_OBJECTS`` in the DAVIS palette."""
    return [
        '#%02x%02x%02x' % tuple(int(c) for c in davis_palette()[i]) for i in range(1, MAX_DRAWN_OBJECTS + 1)
    ]


def make_sample(out_dir: str, num_frames: int = 24, size=(96, 128), seed: int = 0, index: int = 0):
    """A synthetic video (MP4) and its first-frame palette mask, made by :mod:`mobilevos.datasets.synthetic`.

    Returns:
        ``(video path, mask path)``.
    """
    from mobilevos.datasets.synthetic import generate_video
    frames, masks, _ = generate_video(seed, 'val', index, num_frames, tuple(size))
    os.makedirs(out_dir, exist_ok=True)
    video, mask = osp.join(out_dir, f'sample_{index}.mp4'), osp.join(out_dir, f'sample_{index}_00000.png')
    with VideoWriter(video, fps=12) as writer:
        for frame in frames:
            writer.write(frame)
    write_mask(mask, masks[0])
    return video, mask


def first_frame(video: str, max_frames: Optional[int] = None) -> np.ndarray:
    """``(H, W, 3)`` uint8 RGB first frame of a video file (checks that it opens and its length)."""
    for frame in VideoFileSource(video, max_frames=max_frames):
        return frame
    raise InferenceInputError(f'video {video} holds no frame')


def mask_from_drawing(layers: Sequence[np.ndarray], size) -> np.ndarray:
    """``(H, W)`` uint8 ids from brush strokes: each brush colour is one object (see :func:`brush_colours`).

    Args:
        layers: ``(H, W, 4)`` RGBA drawing layers (transparent where nothing was drawn).
        size: ``(H, W)`` of the video.
    """
    ids = np.zeros(tuple(size), dtype=np.uint8)
    colours = davis_palette()[1:MAX_DRAWN_OBJECTS + 1].astype(np.int32)  # (K, 3)
    for layer in layers or ():
        layer = np.asarray(layer)
        if layer.ndim != 3 or layer.shape[2] != 4:
            continue
        if layer.shape[:2] != tuple(size):
            raise InferenceInputError(
                f'the drawing is {layer.shape[1]}x{layer.shape[0]} (WxH) but the video is '
                f'{size[1]}x{size[0]}: draw on the first frame shown after the upload')
        drawn = layer[..., 3] > 127
        rgb = layer[drawn][:, :3].astype(np.int32)  # (N, 3)
        nearest = np.argmin(((rgb[:, None, :] - colours[None])**2).sum(-1), axis=1)  # (N, )
        ids[drawn] = (nearest + 1).astype(np.uint8)
    return ids


def first_mask(video: str, mask_file: Optional[str], layers, size) -> tuple:
    """``(ids, palette)`` of frame 0: the uploaded palette PNG if any, else the drawing."""
    if mask_file:
        annotation = read_annotation(mask_file, size, f'the first frame of {osp.basename(video)}')
        ids, palette = annotation.ids, annotation.palette
    else:
        ids, palette = mask_from_drawing(layers, size), davis_palette()
    check_first_mask(ids, size,
                     'the first-frame mask' + (f' {osp.basename(mask_file)}' if mask_file else ' (drawn)'))
    return ids, palette


@dataclass
class DemoResult:
    """What one run wrote."""
    masks_dir: str
    zip_path: str
    overlay_video: str
    object_ids: List[int]
    num_frames: int
    fps: float


def zip_masks(masks_dir: str, zip_path: str) -> str:
    """Zip the ``*.png`` masks of a folder, DAVIS layout (``00000.png``, ...) at the top of the archive."""
    with zipfile.ZipFile(zip_path, 'w', compression=zipfile.ZIP_STORED) as archive:
        for name in sorted(os.listdir(masks_dir)):
            if name.endswith('.png'):
                archive.write(osp.join(masks_dir, name), name)
    return zip_path


def run_demo(inferencer: VideoInferencer,
             video: str,
             ids: np.ndarray,
             palette: np.ndarray,
             out_dir: str,
             max_frames: Optional[int] = None,
             on_frame: Optional[Callable[[int, Optional[int]], None]] = None) -> DemoResult:
    """Segment ``video`` from the first-frame ``ids``; write masks, their zip and the overlay MP4."""
    source = VideoFileSource(video, max_frames=max_frames)
    masks_dir = osp.join(out_dir, 'masks')
    overlay = osp.join(out_dir, 'overlay.mp4')
    summary = segment_stream(inferencer,
                             source,
                             ids,
                             palette,
                             masks_dir,
                             overlay_video=overlay,
                             on_frame=on_frame)
    zip_path = zip_masks(masks_dir, osp.join(out_dir, 'masks.zip'))
    return DemoResult(masks_dir, zip_path, overlay, summary.object_ids, summary.num_frames, summary.fps)


def render_overlay(video: str, masks_dir: str, palette: np.ndarray, visible: Sequence[int], out: str) -> str:
    """Re-draw the overlay MP4 with only the ``visible`` object ids coloured (the page's toggles)."""
    source = VideoFileSource(video)
    keep = np.zeros(256, dtype=bool)
    keep[[int(v) for v in visible]] = True
    names = sorted(n for n in os.listdir(masks_dir) if n.endswith('.png'))
    with VideoWriter(out, fps=source.fps) as writer:
        for frame, name in zip(source, names):
            ids = read_mask(osp.join(masks_dir, name))
            writer.write(overlay_mask(frame, np.where(keep[ids], ids, 0), palette))
    return out
