"""Pixels near label boundaries."""
from typing import Optional

import torch
import torch.nn.functional as F

from mobilevos.registry import PIXEL_SAMPLERS
from .base import BasePixelSampler, take_by_priority


def boundary_band(labels: torch.Tensor, kernel_size: int = 3, ignore_index: int = 255) -> torch.Tensor:
    """The band around label boundaries: dilation minus erosion of the labels.

    A pixel is in the band when the ``kernel_size x kernel_size`` window centred
    on it holds two different (non-ignored) labels, i.e. where the grey-level
    dilation (window max) and erosion (window min) of the label map differ. For
    a binary mask this is ``dilate(mask) XOR erode(mask)``; for several objects
    it also marks object/object boundaries. Ignored pixels are never in the
    band, and they do not create boundaries (a valid pixel next to an ignored
    region is not a boundary pixel because of it). Windows are clipped at the
    frame border (the border is not a boundary).

    Args:
        labels: ``(B, H, W)`` integer labels.
        kernel_size: odd window size ``k`` >= 1 (``1`` gives an empty band).
        ignore_index: label value that is ignored.

    Returns:
        ``(B, H, W)`` bool band.

    Raises:
        ValueError: ``kernel_size`` is even or < 1, or ``labels`` is not 3-D.
    """
    if kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError(f'boundary_band: kernel_size must be odd and >= 1, got {kernel_size}')
    if labels.dim() != 3:
        raise ValueError(f'boundary_band: labels must be (B, H, W), got shape {tuple(labels.shape)}')
    valid = labels != ignore_index
    x = labels.to(torch.float32)[:, None]  # (B, 1, H, W)
    low = torch.finfo(torch.float32).min
    pad = kernel_size // 2
    # Ignored pixels neither raise the max nor lower the min.
    dilated = F.max_pool2d(x.masked_fill(~valid[:, None], low), kernel_size, stride=1, padding=pad)
    eroded = -F.max_pool2d((-x).masked_fill(~valid[:, None], low), kernel_size, stride=1, padding=pad)
    return (dilated != eroded)[:, 0] & valid


@PIXEL_SAMPLERS.register_module()
class BoundaryPixelSampler(BasePixelSampler):
    """``N`` pixels from the boundary band, topped up from elsewhere if short.

    The band is :func:`boundary_band` of the labels with ``kernel_size``;
    give the sampler labels at feature resolution (the dense losses resize the
    labels before sampling), so ``k`` is in feature pixels.

    - The band holds ``n_b >= N`` pixels: ``N`` distinct band pixels, uniformly
      at random. No pixel outside the band is returned.
    - The band holds ``n_b < N`` pixels: all ``n_b`` band pixels, then
      ``round(topup_ratio * (N - n_b))`` distinct pixels drawn uniformly from
      the valid pixels outside the band (fewer if not that many exist), then
      padding (``-1``). ``topup_ratio=1`` always fills the row when the frame
      has ``N`` valid pixels; ``topup_ratio=0`` returns band pixels only.

    Band pixels come first in each row, then top-up pixels, then padding.

    Args:
        num_samples: ``N``.
        kernel_size: odd dilation/erosion window ``k`` (default 3).
        topup_ratio: share in ``[0, 1]`` of the shortfall ``N - n_b`` that is
            filled from outside the band (default 1.0).
        ignore_index: label value never sampled.
        seed: seed of the sampler's own generator.

    Raises:
        ValueError: ``topup_ratio`` outside ``[0, 1]`` or a bad ``kernel_size``.
    """

    def __init__(self,
                 num_samples: int,
                 kernel_size: int = 3,
                 topup_ratio: float = 1.0,
                 ignore_index: int = 255,
                 seed: Optional[int] = None) -> None:
        super().__init__(num_samples, ignore_index=ignore_index, seed=seed)
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'BoundaryPixelSampler: kernel_size must be odd and >= 1, got {kernel_size}')
        if not 0.0 <= float(topup_ratio) <= 1.0:
            raise ValueError(f'BoundaryPixelSampler: topup_ratio must be in [0, 1], got {topup_ratio}')
        self.kernel_size = kernel_size
        self.topup_ratio = float(topup_ratio)

    def sample(self, labels: torch.Tensor, generator: Optional[torch.Generator]) -> torch.Tensor:
        b, h, w = labels.shape
        n = self.num_samples
        band = boundary_band(labels, self.kernel_size, self.ignore_index).flatten(1)  # (B, HW)
        valid = (labels != self.ignore_index).flatten(1)  # (B, HW)
        # Band pixels rank in [0, 1), other valid pixels in [1, 2), ignored never.
        priority = self._rand((b, h * w), generator, labels.device)
        priority = priority + (~band).to(priority.dtype)
        priority = priority.masked_fill(~valid, float('inf'))
        n_band = band.sum(1, keepdim=True)  # (B, 1)
        shortfall = (n - n_band).clamp_min(0)
        n_topup = torch.round(shortfall.to(torch.float64) * self.topup_ratio).long()
        position = torch.arange(n, device=labels.device)[None]  # (1, N)
        keep = position < n_band + n_topup  # (B, N)
        return take_by_priority(priority, keep)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_samples={self.num_samples}, kernel_size={self.kernel_size}, '
                f'topup_ratio={self.topup_ratio}, ignore_index={self.ignore_index}, seed={self.seed})')
