"""The common contract of pixel samplers."""
from typing import Optional

import torch

#: Index written where a frame holds fewer than ``num_samples`` pixels that may
#: be drawn. Consumers (the dense distillation losses) treat it as "no sample".
PAD_INDEX = -1


class BasePixelSampler:
    """Pick ``num_samples`` pixels per frame from a label map.

    Call: ``sampler(labels, generator=None) -> (B, N) long`` flat indices into
    ``H * W`` (row-major), ``N = num_samples``. Pixels labelled
    ``ignore_index`` are never drawn. Where a frame holds fewer drawable pixels
    than ``N``, the row is padded with :data:`PAD_INDEX` (``-1``); padding
    always comes after the real indices.

    Randomness: an explicit ``generator`` argument wins; otherwise a sampler
    built with ``seed`` draws from its own ``torch.Generator`` (seeded once, so
    two samplers with the same seed return the same sequence of samples);
    otherwise it draws from torch's global CPU generator, which mmengine's
    ``randomness=dict(seed=...)`` seeds. Random numbers are drawn on the CPU
    and moved to the labels' device, so results do not depend on the device.

    Args:
        num_samples: ``N``, pixels per frame (> 0).
        ignore_index: label value of pixels that are never drawn.
        seed: seed of the sampler's own generator, or ``None``.

    Raises:
        ValueError: ``num_samples`` < 1.
    """

    def __init__(self, num_samples: int, ignore_index: int = 255, seed: Optional[int] = None) -> None:
        if int(num_samples) < 1:
            raise ValueError(f'{type(self).__name__}: num_samples must be >= 1, got {num_samples}')
        self.num_samples = int(num_samples)
        self.ignore_index = ignore_index
        self.seed = seed
        self.generator = None if seed is None else torch.Generator().manual_seed(int(seed))

    def __call__(self, labels: torch.Tensor, generator: Optional[torch.Generator] = None) -> torch.Tensor:
        if labels.dim() != 3:
            raise ValueError(f'{type(self).__name__}: labels must be (B, H, W), got shape {tuple(labels.shape)}')
        if labels.dtype.is_floating_point or labels.dtype == torch.bool:
            raise ValueError(f'{type(self).__name__}: labels must be an integer tensor, got {labels.dtype}')
        return self.sample(labels, generator if generator is not None else self.generator)

    def sample(self, labels: torch.Tensor, generator: Optional[torch.Generator]) -> torch.Tensor:
        """Subclasses draw the indices here; ``labels`` is ``(B, H, W)`` integer."""
        raise NotImplementedError

    def _rand(self, shape, generator: Optional[torch.Generator], device: torch.device) -> torch.Tensor:
        """Uniform [0, 1) numbers drawn on the CPU, then moved to ``device``."""
        return torch.rand(shape, generator=generator).to(device)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_samples={self.num_samples}, ignore_index={self.ignore_index}, '
                f'seed={self.seed})')


def take_by_priority(priority: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """The ``N`` flat indices of lowest priority per row, padded where not kept.

    Args:
        priority: ``(B, HW)`` float; ``inf`` marks pixels that must not be drawn.
        keep: ``(B, N)`` bool, whether position ``k`` of the sorted selection is
            kept (positions that are not kept become :data:`PAD_INDEX`).

    Returns:
        ``(B, N)`` long indices, kept ones first in priority order.
    """
    n = keep.shape[1]
    hw = priority.shape[1]
    if n <= hw:
        values, index = torch.topk(priority, n, dim=1, largest=False, sorted=True)
    else:  # more samples asked for than pixels: every pixel, then padding
        values, index = torch.sort(priority, dim=1)
        pad = n - hw
        values = torch.cat([values, values.new_full((values.shape[0], pad), float('inf'))], 1)
        index = torch.cat([index, index.new_full((index.shape[0], pad), PAD_INDEX)], 1)
    keep = keep & torch.isfinite(values)
    return torch.where(keep, index, torch.full_like(index, PAD_INDEX))
