"""Uniformly random pixels."""
from typing import Optional

import torch

from mobilevos.registry import PIXEL_SAMPLERS
from .base import BasePixelSampler, take_by_priority


@PIXEL_SAMPLERS.register_module()
class RandomPixelSampler(BasePixelSampler):
    """``N`` distinct pixels per frame, uniformly at random among non-ignored ones.

    See :class:`~mobilevos.models.samplers.base.BasePixelSampler` for the call
    contract, padding and seeding.
    """

    def sample(self, labels: torch.Tensor, generator: Optional[torch.Generator]) -> torch.Tensor:
        b, h, w = labels.shape
        valid = (labels != self.ignore_index).flatten(1)  # (B, HW)
        priority = self._rand((b, h * w), generator, labels.device)
        priority = priority.masked_fill(~valid, float('inf'))
        keep = torch.ones(b, self.num_samples, dtype=torch.bool, device=labels.device)
        return take_by_priority(priority, keep)
