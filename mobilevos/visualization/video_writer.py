"""Write frames to an H.264 MP4 as they come (PyAV): overlay videos and alpha mattes."""
import os
import os.path as osp
from typing import Optional, Union

import numpy as np

PathLike = Union[str, os.PathLike]


class VideoWriter:
    """Encode ``(H, W, 3)`` uint8 RGB frames (or ``(H, W)`` uint8 mattes) one by one into an MP4.

    H.264 (libx264, yuv420p) so that browsers play it; odd sizes are padded by one pixel (the
    encoder needs even sizes). The file is written to ``<path>.part`` and renamed on :meth:`close`,
    so a reader never sees half a video.

    Args:
        path: output ``.mp4``; parent folders are created.
        fps: frame rate.
        crf: x264 quality (lower is better; 23 is x264's default).

    Raises:
        ValueError: frames of different sizes, or not uint8 RGB / gray.
    """

    def __init__(self, path: PathLike, fps: float = 24.0, crf: int = 23):
        self.path = str(path)
        self.fps = fps
        self.crf = crf
        self.num_frames = 0
        self._container = None
        self._stream = None
        self._size: Optional[tuple] = None

    def _open(self, height: int, width: int) -> None:
        import av  # optional dependency (requirements/demo.txt)
        from fractions import Fraction
        os.makedirs(osp.dirname(osp.abspath(self.path)), exist_ok=True)
        self._container = av.open(self.path + '.part', mode='w', format='mp4')
        self._stream = self._container.add_stream('libx264', rate=Fraction(self.fps).limit_denominator(1001))
        self._stream.width, self._stream.height = width + width % 2, height + height % 2
        self._stream.pix_fmt = 'yuv420p'
        self._stream.options = {'crf': str(self.crf), 'preset': 'veryfast'}
        self._size = (height, width)

    def write(self, image: np.ndarray) -> None:
        """Append one ``(H, W, 3)`` uint8 RGB frame or ``(H, W)`` uint8 gray matte."""
        import av
        image = np.asarray(image)
        if image.dtype != np.uint8 or not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
            raise ValueError(
                f'VideoWriter({self.path}): expected (H, W, 3) or (H, W) uint8, got {image.shape} '
                f'{image.dtype}')
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        if self._container is None:
            self._open(*image.shape[:2])
        if tuple(image.shape[:2]) != self._size:
            raise ValueError(
                f'VideoWriter({self.path}): frame {self.num_frames} is {image.shape[:2]}, the first '
                f'{self._size}; all frames must have the same size')
        pad_h, pad_w = self._stream.height - image.shape[0], self._stream.width - image.shape[1]
        if pad_h or pad_w:
            image = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode='edge')
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format='rgb24')
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.num_frames += 1

    def close(self) -> None:
        """Flush the encoder and move the finished file into place (no file when nothing was written)."""
        if self._container is None:
            return
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self._container = None
        os.replace(self.path + '.part', self.path)

    def __enter__(self) -> 'VideoWriter':
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def count_video_frames(path: PathLike) -> int:
    """Decode a video and count its frames (what a player shows)."""
    import av
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))
