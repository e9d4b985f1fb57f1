"""Runner hooks registered in ``HOOKS``."""
from .curriculum_hook import MaxSkipCurriculumHook, iter_clip_datasets, max_skip_at
from .decoder_collapse_hook import DecoderCollapseError, DecoderCollapseHook
from .exact_resume_hook import ExactResumeHook
from .finite_loss_hook import FiniteLossHook, NonFiniteLossError
from .weights_only_checkpoint_hook import WeightsOnlyCheckpointHook

__all__ = [
    'DecoderCollapseError', 'DecoderCollapseHook', 'ExactResumeHook', 'FiniteLossHook',
    'MaxSkipCurriculumHook', 'NonFiniteLossError', 'WeightsOnlyCheckpointHook', 'iter_clip_datasets',
    'max_skip_at'
]
