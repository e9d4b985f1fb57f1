"""Memory banks (registered in ``MEMORY``): they own a video's keys and values and decide what to keep."""
from .base import BaseMemoryBank, MemoryEntry
from .first_latest import FIFOMemory, FirstLatestMemory
from .infinite import InfiniteMemory

__all__ = ['BaseMemoryBank', 'MemoryEntry', 'InfiniteMemory', 'FirstLatestMemory', 'FIFOMemory']
