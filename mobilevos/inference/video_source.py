"""Frame sources for the inferencer: a frame folder, a video file decoded as a stream, a live source.

Every source is an iterable of ``(H, W, 3)`` uint8 RGB frames that holds at most a few decoded
frames at a time, and knows its frame size before the first frame is segmented (the annotation is
checked against it). Video files and streams are decoded with PyAV (``av``, ffmpeg in its wheel).

- :class:`FolderSource`: the frames of a folder, read one by one.
- :class:`VideoFileSource`: an MP4/MKV/AVI/... file (anything ffmpeg reads), decoded frame by frame;
  never read whole into memory.
- :class:`LiveSource`: a camera (``/dev/videoN``) or a stream URL (RTSP, HTTP, ...). A reader thread
  decodes continuously and keeps only the newest frame; when the consumer falls behind, older frames
  are dropped rather than queued, so the latency stays bounded (at most one frame waits).
"""
import os
import os.path as osp
import threading
import time
from typing import Iterator, List, Optional, Tuple, Union

import numpy as np

from .video_io import InferenceInputError, frame_size, list_frames, load_frame

PathLike = Union[str, os.PathLike]


def _open_container(url: str, what: str, options: Optional[dict] = None, fmt: Optional[str] = None):
    """``(container, first video stream)`` of ``av.open``, errors as :class:`InferenceInputError`.

    Raises:
        InferenceInputError: ffmpeg cannot open ``url``, or it holds no video stream.
    """
    import av  # optional dependency (requirements/demo.txt): imported only when a video is read
    try:
        container = av.open(url, format=fmt, options=options or {}, timeout=(10.0, 10.0))
    except (av.FFmpegError, OSError, ValueError) as err:
        raise InferenceInputError(f'{what} cannot be opened as a video: {err}') from err
    if not container.streams.video:
        container.close()
        raise InferenceInputError(f'{what} holds no video stream (is it an audio file or an image?)')
    stream = container.streams.video[0]
    stream.thread_type = 'AUTO'
    return container, stream


class FolderSource:
    """The frames of a folder (natural order), read one at a time.

    Args:
        folder: folder of ``*.jpg``/``*.png`` frames.

    Raises:
        InferenceInputError: see :func:`list_frames` and :func:`load_frame`.
    """

    def __init__(self, folder: PathLike):
        self.paths: List[str] = list_frames(folder)
        self.size: Tuple[int, int] = frame_size(self.paths[0])
        self.num_frames: Optional[int] = len(self.paths)
        self.fps: float = 24.0
        self.name = str(folder)

    def __iter__(self) -> Iterator[np.ndarray]:
        for path in self.paths:
            yield load_frame(path, self.size)


class VideoFileSource:
    """A video file decoded as a stream (PyAV): one RGB frame at a time.

    Attributes:
        size: ``(H, W)`` of the frames.
        num_frames: frame count from the container header, or ``None`` when it does not say
            (then the count is only known at the end).
        fps: average frame rate (24 when the header does not say).

    Args:
        path: the video file.
        max_frames: refuse a video with more frames than this (by its header); ``None``: no limit.

    Raises:
        InferenceInputError: the file is missing, not a video, or longer than ``max_frames``.
    """

    def __init__(self, path: PathLike, max_frames: Optional[int] = None):
        self.path = self.name = str(path)
        if not osp.isfile(self.path):
            raise InferenceInputError(f'video {self.path} does not exist')
        container, stream = _open_container(self.path, f'video {self.path}')
        try:
            self.size = (stream.codec_context.height, stream.codec_context.width)
            self.num_frames = int(stream.frames) or None
            if self.num_frames is None and stream.duration and stream.average_rate:
                self.num_frames = round(float(
                    stream.duration * stream.time_base * stream.average_rate)) or None
            self.fps = float(stream.average_rate) if stream.average_rate else 24.0
            if self.size[0] <= 0 or self.size[1] <= 0:
                raise InferenceInputError(
                    f'video {self.path} has no frame size in its header (corrupt file?)')
        finally:
            container.close()
        if max_frames is not None and self.num_frames is not None and self.num_frames > max_frames:
            raise InferenceInputError(
                f'video {self.path} has {self.num_frames} frames, more than the limit of {max_frames}: '
                'cut it shorter (e.g. ffmpeg -i IN -frames:v N OUT.mp4) or raise the limit')
        self.max_frames = max_frames

    def __iter__(self) -> Iterator[np.ndarray]:
        import av
        container, stream = _open_container(self.path, f'video {self.path}')
        count = 0
        try:
            for frame in container.decode(stream):
                count += 1
                if self.max_frames is not None and count > self.max_frames:
                    raise InferenceInputError(f'video {self.path} has more than {self.max_frames} frames '
                                              '(the limit)')
                yield frame.to_ndarray(format='rgb24')  # (H, W, 3) uint8
        except av.FFmpegError as err:
            raise InferenceInputError(
                f'video {self.path} cannot be decoded after frame {count}: {err}') from err
        finally:
            container.close()


def camera_url(index: int) -> Tuple[str, Optional[str]]:
    """``(url, ffmpeg input format)`` of camera ``index`` (Linux V4L2: ``/dev/video<index>``)."""
    return f'/dev/video{index}', 'v4l2'


class LiveSource:
    """A live source (camera or stream URL) that drops frames rather than queueing them.

    A reader thread decodes frames as they arrive and keeps only the newest. Iterating waits for a
    frame newer than the last one handed out; frames decoded in between are counted in
    :attr:`dropped`. So the delay between capture and segmentation stays under one frame's
    processing time, whatever the consumer's speed.

    Args:
        url: stream URL (``rtsp://...``, ``http://...``), a camera device or a file (tests).
        fmt: ffmpeg input format (``'v4l2'`` for cameras), or ``None`` to probe.
        max_frames: stop after handing out this many frames (``None``: until the stream ends).
        realtime: for files: decode at the file's frame rate, as a camera would deliver them.

    Raises:
        InferenceInputError: the source cannot be opened or its first frame does not arrive in 10 s.
    """

    def __init__(self,
                 url: str,
                 fmt: Optional[str] = None,
                 max_frames: Optional[int] = None,
                 realtime: bool = False):
        self.url = self.name = str(url)
        options = {'rtsp_transport': 'tcp'} if self.url.startswith('rtsp') else {}
        self._container, stream = _open_container(self.url, f'live source {self.url}', options, fmt)
        self.fps = float(stream.average_rate) if stream.average_rate else 30.0
        self.num_frames: Optional[int] = None  # unknown: a live source has no length
        self.max_frames = max_frames
        self.realtime = realtime
        self.decoded = 0  # frames decoded by the reader
        self.delivered = 0  # frames handed to the consumer
        self._latest: Optional[np.ndarray] = None
        self._latest_number = 0
        self._skipped = 0
        self._finished = False
        self._error: Optional[BaseException] = None
        self._stop = threading.Event()
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(stream, ), daemon=True, name='live-source')
        self._thread.start()
        with self._ready:
            self._ready.wait_for(lambda: self._latest is not None or self._finished, timeout=10.0)
        if self._latest is None:
            self.close()
            raise InferenceInputError(f'live source {self.url} delivered no frame within 10 s' +
                                      (f': {self._error}' if self._error else ''))
        self.size: Tuple[int, int] = tuple(self._latest.shape[:2])

    @property
    def dropped(self) -> int:
        """Frames decoded but never handed out because the consumer was busy with an earlier one."""
        return self._skipped

    def _read(self, stream) -> None:
        start = time.monotonic()
        try:
            for frame in self._container.decode(stream):
                if self._stop.is_set():
                    break
                image = frame.to_ndarray(format='rgb24')
                if self.realtime:
                    time.sleep(max(0.0, start + self.decoded / self.fps - time.monotonic()))
                with self._ready:
                    self.decoded += 1
                    self._latest, self._latest_number = image, self.decoded  # older frame is dropped
                    self._ready.notify_all()
        except Exception as err:  # noqa: BLE001 - handed to the consumer below
            self._error = err
        finally:
            with self._ready:
                self._finished = True
                self._ready.notify_all()

    def __iter__(self) -> Iterator[np.ndarray]:
        last = 0
        try:
            while self.max_frames is None or self.delivered < self.max_frames:
                with self._ready:
                    self._ready.wait_for(lambda: self._latest_number > last or self._finished)
                    if self._latest_number <= last:  # finished, nothing new
                        break
                    self._skipped += self._latest_number - last - 1
                    frame, last = self._latest, self._latest_number
                self.delivered += 1
                yield frame
            if self._error is not None and not self._stop.is_set():
                raise InferenceInputError(f'live source {self.url} failed: {self._error}')
        finally:
            self.close()

    def close(self) -> None:
        """Stop the reader thread and close the source."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=5.0)
        self._container.close()


def open_source(frames: Optional[PathLike] = None,
                video: Optional[PathLike] = None,
                live: Union[None, int, str] = None,
                max_frames: Optional[int] = None):
    """The one source named: a frames folder, a video file, or a live source (camera index or URL).

    Raises:
        InferenceInputError: not exactly one source given, or it cannot be opened.
    """
    given = [s for s in (frames, video, live) if s is not None]
    if len(given) != 1:
        raise InferenceInputError('give exactly one source: a frames folder, a video file, or a camera/URL')
    if frames is not None:
        return FolderSource(frames)
    if video is not None:
        return VideoFileSource(video, max_frames=max_frames)
    if isinstance(live, int) or str(live).isdigit():
        url, fmt = camera_url(int(live))
        return LiveSource(url, fmt, max_frames=max_frames)
    return LiveSource(str(live), max_frames=max_frames)
