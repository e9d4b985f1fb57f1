"""Finite memories: the first annotated frame plus the latest N frames, and a plain FIFO."""
from typing import Optional

from mobilevos.registry import MEMORY

from .base import BaseMemoryBank, MemoryEntry


@MEMORY.register_module()
class FirstLatestMemory(BaseMemoryBank):
    """A queue of the latest ``num_latest`` frames, plus (optionally) the first annotated frame.

    This covers the paper's queue-length ablation:

    =======================  ==============================================
    first only               ``keep_first=True,  num_latest=0``
    latest only              ``keep_first=False, num_latest=1``
    first + latest (paper)   ``keep_first=True,  num_latest=1`` (default)
    unbounded                ``keep_first=True,  num_latest=None``
    =======================  ==============================================

    The first annotated frame is held once: it is not also counted in the
    latest queue. At most ``keep_first + num_latest`` frames are held, so
    memory and read-out cost stay constant over a video. An object annotated
    after the first frame (YouTube-VOS) has no value in the first slot and
    reads only the latest frames.

    Args:
        keep_first: keep the first frame added with ``annotated=True`` for the whole video.
        num_latest: how many of the latest frames to keep (``None``: all).
        top_k: top-k read-out to use with this bank (``None``: the network's default).
    """

    def __init__(self, keep_first: bool = True, num_latest: Optional[int] = 1, top_k: Optional[int] = None):
        super().__init__(top_k=top_k)
        if num_latest is not None and num_latest < 0:
            raise ValueError(f'num_latest must be >= 0 or None, got {num_latest}')
        if not keep_first and num_latest == 0:
            raise ValueError('FirstLatestMemory with keep_first=False and num_latest=0 would keep nothing')
        self.keep_first = keep_first
        self.num_latest = num_latest

    @property
    def capacity(self) -> Optional[int]:
        """Most frames ever held (``None``: unbounded)."""
        return None if self.num_latest is None else int(self.keep_first) + self.num_latest

    def _has_first(self) -> bool:
        return any(e.permanent for e in self._entries)

    def should_add(self, frame_idx: int, annotated: bool = False) -> bool:
        if self.num_latest == 0:
            return self.keep_first and annotated and not self._has_first()
        return True

    def _keep(self, entry: MemoryEntry) -> None:
        entry.permanent = self.keep_first and entry.annotated and not self._has_first()
        first = [e for e in self._entries if e.permanent]
        latest = [e for e in self._entries if not e.permanent]
        if entry.permanent:
            first = [entry]
        else:
            latest.append(entry)
            if self.num_latest is not None:
                latest = latest[-self.num_latest:] if self.num_latest else []
        self._entries = first + latest


@MEMORY.register_module()
class FIFOMemory(FirstLatestMemory):
    """The latest ``size`` frames, first in first out (no frame is kept for good).

    Args:
        size: frames held.
        top_k: top-k read-out to use with this bank (``None``: the network's default).
    """

    def __init__(self, size: int = 2, top_k: Optional[int] = None):
        if size < 1:
            raise ValueError(f'FIFOMemory size must be >= 1, got {size}')
        super().__init__(keep_first=False, num_latest=size, top_k=top_k)
        self.size = size
