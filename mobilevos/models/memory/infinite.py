"""Infinite memory (STCN): keep every ``mem_every``-th frame, and the latest frame while it is the latest."""
from typing import Optional

from mobilevos.registry import MEMORY

from .base import BaseMemoryBank, MemoryEntry


@MEMORY.register_module()
class InfiniteMemory(BaseMemoryBank):
    """Unbounded memory.

    A frame is kept for good when it is annotated, is the first frame added,
    or comes at least ``mem_every`` frames after the last frame kept for good.
    Any other frame is readable only until the next frame is added (the
    "latest" slot). After adding frames ``0..n`` with ``mem_every = m`` (only
    frame 0 annotated) the memory holds ``0, m, 2m, ...`` plus ``n``.

    Args:
        mem_every: spacing of the frames kept for good (1 keeps every frame).
        top_k: top-k read-out to use with this bank (``None``: the network's default).
    """

    def __init__(self, mem_every: int = 5, top_k: Optional[int] = None):
        super().__init__(top_k=top_k)
        if mem_every < 1:
            raise ValueError(f'mem_every must be >= 1, got {mem_every}')
        self.mem_every = mem_every
        self._last_permanent: Optional[int] = None

    def reset(self) -> None:
        super().reset()
        self._last_permanent = None

    def _keep(self, entry: MemoryEntry) -> None:
        entry.permanent = (entry.annotated or self._last_permanent is None
                           or entry.frame_idx - self._last_permanent >= self.mem_every)
        if entry.permanent:
            self._last_permanent = entry.frame_idx
        self._entries = [e for e in self._entries if e.permanent] + [entry]

    @property
    def num_permanent(self) -> int:
        """Frames kept for good (the readable frames minus a temporary latest one)."""
        return sum(e.permanent for e in self._entries)
