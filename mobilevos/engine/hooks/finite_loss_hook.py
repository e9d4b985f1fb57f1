"""Stop training as soon as a loss term is NaN or infinite."""
import math

import torch
from mmengine.hooks import Hook

from mobilevos.registry import HOOKS
from mobilevos.utils.cli import UserError


class NonFiniteLossError(UserError, RuntimeError):
    """A loss term became NaN or infinite (a user error: ``tools/train.py`` prints one ``error:`` line)."""


@HOOKS.register_module()
class FiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` naming the loss term and the iteration.

    It runs after each iteration and before the checkpoint hook, so the last
    checkpoint on disk is always one written before the loss went bad:
    ``--resume`` continues from it.
    """

    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        for name, value in (outputs or {}).items():
            number = float(value.detach().float().mean()) if isinstance(value, torch.Tensor) else value
            if isinstance(number, float) and not math.isfinite(number):
                raise NonFiniteLossError(
                    f'loss term "{name}" is {number} at iteration {runner.iter + 1}; training stopped. '
                    f'The last checkpoint in {runner.work_dir} was written before this iteration.')
