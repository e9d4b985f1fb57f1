"""Runner parts: the mmengine hook-up of safe checkpoint I/O, hooks and loops.

Checkpoint functions live in :mod:`mobilevos.utils.checkpoint`; importing this
package registers them with mmengine (see :mod:`.checkpoint`).
"""
from .checkpoint import AtomicLocalBackend
from .distributed import AllReduceBatchNorm2d, CPUDistributedDataParallel, convert_to_allreduce_bn
from .hooks import DecoderCollapseHook, FiniteLossHook, MaxSkipCurriculumHook, WeightsOnlyCheckpointHook
from .loops import VOSTestLoop, VOSValLoop

__all__ = [
    'AtomicLocalBackend', 'WeightsOnlyCheckpointHook', 'DecoderCollapseHook', 'FiniteLossHook',
    'MaxSkipCurriculumHook', 'AllReduceBatchNorm2d', 'CPUDistributedDataParallel', 'convert_to_allreduce_bn',
    'VOSTestLoop', 'VOSValLoop'
]
