"""Runner parts: safe checkpoint I/O, hooks and loops."""
from .checkpoint import (CHECKPOINT_SAFE_GLOBALS, AtomicLocalBackend, UnsafeCheckpointError,
                         load_checkpoint_file, save_checkpoint_atomic)
from .hooks import WeightsOnlyCheckpointHook

__all__ = [
    'CHECKPOINT_SAFE_GLOBALS', 'AtomicLocalBackend', 'UnsafeCheckpointError', 'load_checkpoint_file',
    'save_checkpoint_atomic', 'WeightsOnlyCheckpointHook'
]
