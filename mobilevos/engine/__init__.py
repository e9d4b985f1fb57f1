"""Runner parts: safe checkpoint I/O, hooks and loops."""
from .checkpoint import (CHECKPOINT_SAFE_GLOBALS, AtomicLocalBackend, UnsafeCheckpointError,
                         load_checkpoint_file, save_checkpoint_atomic)
from .distributed import AllReduceBatchNorm2d, CPUDistributedDataParallel, convert_to_allreduce_bn
from .hooks import FiniteLossHook, MaxSkipCurriculumHook, WeightsOnlyCheckpointHook
from .loops import VOSTestLoop, VOSValLoop

__all__ = [
    'CHECKPOINT_SAFE_GLOBALS', 'AtomicLocalBackend', 'UnsafeCheckpointError', 'load_checkpoint_file',
    'save_checkpoint_atomic', 'WeightsOnlyCheckpointHook', 'FiniteLossHook', 'MaxSkipCurriculumHook',
    'AllReduceBatchNorm2d', 'CPUDistributedDataParallel', 'convert_to_allreduce_bn', 'VOSTestLoop',
    'VOSValLoop'
]
