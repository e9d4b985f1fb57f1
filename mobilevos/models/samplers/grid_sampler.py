"""Pixels on a regular grid."""
import math
from typing import Optional

import torch

from mobilevos.registry import PIXEL_SAMPLERS
from .base import PAD_INDEX, BasePixelSampler


@PIXEL_SAMPLERS.register_module()
class UniformGridPixelSampler(BasePixelSampler):
    """Pixels on a regular ``gh x gw`` grid that covers the frame evenly.

    The grid has about ``N`` points with the frame's aspect ratio: ``gh =
    round(sqrt(N * H / W))`` rows (clamped to ``[1, H]``) and ``gw = ceil(N /
    gh)`` columns (clamped to ``[1, W]``); points sit at cell centres, or at a
    random position inside the cell (the same offset for the whole frame) when
    ``random_offset`` is set. If the grid has more than ``N`` points, ``N`` are
    kept evenly along the grid's row-major order. Grid points on ignored pixels
    become padding (``-1``, placed after the real indices), so a frame with
    ignored regions yields fewer than ``N`` samples; the sampler never moves a
    point to another pixel.

    Args:
        num_samples: ``N``.
        ignore_index: label value never sampled.
        random_offset: jitter the grid (reproducible under ``seed``).
        seed: seed of the sampler's own generator.
    """

    def __init__(self,
                 num_samples: int,
                 ignore_index: int = 255,
                 random_offset: bool = False,
                 seed: Optional[int] = None) -> None:
        super().__init__(num_samples, ignore_index=ignore_index, seed=seed)
        self.random_offset = random_offset

    def _grid(self, h: int, w: int, offset: torch.Tensor) -> torch.Tensor:
        """Flat indices of the grid points, ``offset`` ``(2,)`` in [0, 1) of a cell."""
        n = self.num_samples
        gh = min(h, max(1, round(math.sqrt(n * h / w))))
        gw = min(w, max(1, math.ceil(n / gh)))
        ys = ((torch.arange(gh, dtype=torch.float64) + offset[0]) * h / gh).floor().long().clamp_(0, h - 1)
        xs = ((torch.arange(gw, dtype=torch.float64) + offset[1]) * w / gw).floor().long().clamp_(0, w - 1)
        flat = (ys[:, None] * w + xs[None, :]).flatten()  # (gh * gw,)
        if flat.numel() > n:
            pick = torch.linspace(0, flat.numel() - 1, n, dtype=torch.float64).round().long()
            flat = flat[pick]
        return flat

    def sample(self, labels: torch.Tensor, generator: Optional[torch.Generator]) -> torch.Tensor:
        b, h, w = labels.shape
        n = self.num_samples
        rows = []
        for i in range(b):
            if self.random_offset:
                offset = torch.rand(2, generator=generator, dtype=torch.float64)
            else:
                offset = torch.full((2, ), 0.5, dtype=torch.float64)
            flat = self._grid(h, w, offset).to(labels.device)
            flat = flat[labels[i].flatten()[flat] != self.ignore_index]  # drop ignored grid points
            row = flat.new_full((n, ), PAD_INDEX)
            row[:flat.numel()] = flat
            rows.append(row)
        return torch.stack(rows)  # (B, N)
