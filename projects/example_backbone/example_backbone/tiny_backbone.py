"""A small strided-conv backbone, registered from outside the package."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn

from mobilevos.registry import MODELS


@MODELS.register_module()
class TinyConvBackbone(nn.Module):
    """Stacked 3x3 stride-2 convs; outputs the maps after each chosen stage.

    Args:
        in_channels: channels of the input image (3 for RGB; more for frames
            with mask channels).
        widths: output channels of the stages; stage ``i`` has stride ``2**(i+1)``.
        out_indices: which stages to return.

    Forward:
        ``(B, in_channels, H, W)`` -> tuple of ``(B, widths[i], H / 2**(i+1), W / 2**(i+1))`` for ``i`` in
        ``out_indices``. mobilevos reads these channels and strides from one probe forward at build time
        (``mobilevos.models.backbones.probe_feature_spec``): the backbone declares nothing else.
    """

    def __init__(self,
                 in_channels: int = 3,
                 widths: Sequence[int] = (8, 16, 24, 32),
                 out_indices: Sequence[int] = (1, 2, 3)):
        super().__init__()
        stages = []
        channels = in_channels
        for width in widths:
            stages.append(
                nn.Sequential(nn.Conv2d(channels, width, 3, stride=2, padding=1, bias=False),
                              nn.BatchNorm2d(width), nn.ReLU(inplace=True)))
            channels = width
        self.stages = nn.ModuleList(stages)
        self.out_indices = tuple(out_indices)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)  # (B, widths[i], H / 2**(i+1), W / 2**(i+1))
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
