"""MobileNetV2 with a configurable number of input channels and stages.

mmseg's ``MobileNetV2`` always builds all seven stages and a 3-channel stem.
The value encoder needs a 5-channel stem (RGB + object mask + other objects),
and the small students stop at stride 16 without paying for the stages they
do not use, so this subclass adds ``in_channels`` and ``num_stages``.
"""
from typing import Tuple

import torch
from mmcv.cnn import ConvModule
from mmseg.models.backbones import MobileNetV2
from mmseg.models.utils import make_divisible

from mobilevos.registry import MODELS

from .imagenet_init import init_weights_imagenet_last


@MODELS.register_module()
class MobileNetV2Encoder(MobileNetV2):
    """mmseg's MobileNetV2, with ``in_channels`` and truncation after ``num_stages``.

    Args:
        in_channels: channels of the input (3 for frames, 5 for the value
            encoder's frame + mask + other-objects input).
        num_stages: keep stages ``layer1 .. layer{num_stages}`` (1..7); later
            stages are not built, so they hold no parameters.
        **kwargs: mmseg ``MobileNetV2`` arguments (``widen_factor``,
            ``strides`` and ``dilations`` of length 7, ``out_indices`` all
            ``< num_stages``, ``norm_cfg``, ``init_cfg`` ...).

    Forward:
        ``(B, in_channels, H, W)`` -> tuple of the maps at ``out_indices``
        (always a tuple, even for one index).
    """

    def __init__(self, in_channels: int = 3, num_stages: int = 7, **kwargs):
        if not 1 <= num_stages <= 7:
            raise ValueError(f'num_stages must be in 1..7, got {num_stages}')
        out_indices = tuple(kwargs.get('out_indices', (1, 2, 4, 6)))
        if max(out_indices) >= num_stages:
            raise ValueError(f'out_indices {out_indices} name stages beyond num_stages={num_stages}')
        if kwargs.get('frozen_stages', -1) > num_stages:
            raise ValueError(f'frozen_stages={kwargs["frozen_stages"]} exceeds num_stages={num_stages}')
        super().__init__(**kwargs)
        self.input_channels = in_channels
        self.num_stages = num_stages
        if in_channels != 3:
            self.conv1 = ConvModule(in_channels=in_channels,
                                    out_channels=make_divisible(32 * self.widen_factor, 8),
                                    kernel_size=3,
                                    stride=2,
                                    padding=1,
                                    conv_cfg=self.conv_cfg,
                                    norm_cfg=self.norm_cfg,
                                    act_cfg=self.act_cfg)
        for layer_name in self.layers[num_stages:]:
            delattr(self, layer_name)
        self.layers = self.layers[:num_stages]

    def init_weights(self) -> None:
        """mmseg's init; an ``ImageNetPretrained`` init_cfg is applied last (after the stem's own init)."""
        init_weights_imagenet_last(self, super().init_weights)

    def train(self, mode: bool = True) -> 'MobileNetV2Encoder':
        """As mmseg's (freezes stages, ``norm_eval``), but returns ``self`` like ``nn.Module.train``."""
        super().train(mode)
        return self

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.conv1(x)  # (B, 32 * widen, H / 2, W / 2)
        outs = []
        for i, layer_name in enumerate(self.layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)
