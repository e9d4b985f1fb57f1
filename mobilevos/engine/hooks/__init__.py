"""Runner hooks registered in ``HOOKS``."""
from .curriculum_hook import MaxSkipCurriculumHook, iter_clip_datasets, max_skip_at
from .exact_resume_hook import ExactResumeHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = [
    'ExactResumeHook', 'FiniteLossHook', 'MaxSkipCurriculumHook', 'NonFiniteLossError', 'WeightsOnlyCheckpointHook',
    'iter_clip_datasets', 'max_skip_at'
]
