"""A small encoder for object masks alone: strided convolutions down to one stride-``2**n`` map.

An option of the students (issue 13; never the default of the paper's networks): the value encoder
sees only an object's mask and the other objects' mask, not the RGB frame, and the frame's
appearance enters the value through the key encoder's stride-16 feature, which the
:class:`~mobilevos.models.vos.ValueFuser` concatenates anyway. The per-object work then shrinks
from a MobileNetV2 on a full-resolution 5-channel input to a few convolutions on 2 channels.
"""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule

from mobilevos.registry import MODELS
from mobilevos.utils.typing_utils import ConfigType, OptMultiConfig


@MODELS.register_module()
class MaskEncoder(BaseModule):
    """Strided 3x3 convolutions from masks to one map at stride ``2 ** len(channels)``.

    Stage 0 is a dense 3x3 stride-2 conv (its input has only ``in_channels``
    channels); every later stage is a depthwise-separable 3x3 stride-2 conv;
    each conv is followed by ``norm_cfg`` and ``act_cfg``.

    Args:
        in_channels: input channels (2 for the value encoder: the object's mask and the
            other objects' mask; the network probes with its ``value_inputs``' channels).
        channels: output channels of each stage; four stages give stride 16.
        norm_cfg: normalisation after each conv.
        act_cfg: activation after each conv.
        init_cfg: mmengine init config.

    Forward:
        ``(N, in_channels, H, W) -> ((N, channels[-1], H / 2**n, W / 2**n), )`` with
        ``n = len(channels)`` (a 1-tuple, like the other backbones' outputs).
    """

    def __init__(self,
                 in_channels: int = 2,
                 channels: Sequence[int] = (16, 32, 64, 64),
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='ReLU'),
                 init_cfg: OptMultiConfig = None):
        super().__init__(init_cfg=init_cfg)
        if not channels:
            raise ValueError('MaskEncoder: channels must name at least one stage, got ()')
        stages = [
            ConvModule(in_channels, channels[0], 3, stride=2, padding=1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        ]
        for in_ch, out_ch in zip(channels[:-1], channels[1:]):
            stages.append(
                DepthwiseSeparableConvModule(in_ch,
                                             out_ch,
                                             3,
                                             stride=2,
                                             padding=1,
                                             norm_cfg=norm_cfg,
                                             act_cfg=act_cfg))
        self.stages = nn.Sequential(*stages)
        self.in_channels = in_channels
        self.out_channels = int(channels[-1])

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor]:
        return (self.stages(x), )  # (N, C, H / 2**n, W / 2**n)
