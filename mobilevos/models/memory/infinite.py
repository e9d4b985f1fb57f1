"""Infinite memory (STCN): keep every ``mem_every``-th frame, and (optionally) the latest frame."""
from typing import Optional

from mobilevos.registry import MEMORY

from .base import BaseMemoryBank, MemoryEntry


@MEMORY.register_module()
class InfiniteMemory(BaseMemoryBank):
    """Unbounded memory.

    A frame is kept for good when it is annotated, is the first frame added,
    or comes at least ``mem_every`` frames after the last frame kept for good.
    With ``include_last``, any other frame is readable only until the next
    frame is added (the "latest" slot): after adding frames ``0..n`` with
    ``mem_every = m`` (only frame 0 annotated) the memory holds
    ``0, m, 2m, ...`` plus ``n``. Without it, only the frames kept for good
    are readable (``0, m, 2m, ...``), and :meth:`should_add` is ``False`` for
    the others, so the caller skips encoding their values: STCN's evaluation
    default (``eval_davis.py`` without ``--include_last``).

    Args:
        mem_every: spacing of the frames kept for good (1 keeps every frame).
        top_k: top-k read-out to use with this bank (``None``: the network's default).
        include_last: also keep the latest frame until the next one is added.
    """

    def __init__(self, mem_every: int = 5, top_k: Optional[int] = None, include_last: bool = True):
        super().__init__(top_k=top_k)
        if mem_every < 1:
            raise ValueError(f'mem_every must be >= 1, got {mem_every}')
        self.mem_every = mem_every
        self.include_last = include_last
        self._last_permanent: Optional[int] = None

    def reset(self) -> None:
        super().reset()
        self._last_permanent = None

    def _is_permanent(self, frame_idx: int, annotated: bool) -> bool:
        return (annotated or self._last_permanent is None
                or frame_idx - self._last_permanent >= self.mem_every)

    def should_add(self, frame_idx: int, annotated: bool = False) -> bool:
        return self.include_last or self._is_permanent(frame_idx, annotated)

    def _keep(self, entry: MemoryEntry) -> None:
        entry.permanent = self._is_permanent(entry.frame_idx, entry.annotated)
        if entry.permanent:
            self._last_permanent = entry.frame_idx
        self._entries = [e for e in self._entries if e.permanent] + [entry]

    @property
    def num_permanent(self) -> int:
        """Frames kept for good (the readable frames minus a temporary latest one)."""
        return sum(e.permanent for e in self._entries)
