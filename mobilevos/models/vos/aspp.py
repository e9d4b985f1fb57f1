"""ASPP neck on the stride-16 key feature (DeepLabV3 style, reusing mmseg's ASPP branches)."""
from typing import Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.models.decode_heads.sep_aspp_head import DepthwiseSeparableASPPModule

from mobilevos.registry import MODELS
from mobilevos.utils.typing_utils import ConfigType


@MODELS.register_module()
class ASPPNeck(nn.Module):
    """Atrous spatial pyramid pooling: parallel dilated convs plus a global-pool branch, then a 1x1 merge.

    mmseg's ``ASPPHead`` is a full decode head (with a classifier); only its
    branch module (``ASPPModule`` / ``DepthwiseSeparableASPPModule``) fits
    here. The global-pool branch has no normalisation, so it also trains with
    a batch of one frame.

    Args:
        in_channels: channels of the input map (given by the network from its
            key encoder; a config need not set it).
        channels: channels of each branch and of the output.
        dilations: one branch per rate; rate 1 is a 1x1 conv.
        separable: depthwise-separable dilated branches (mobile-friendly).
        norm_cfg: normalisation of the branches and the merge conv.
        act_cfg: activation.

    Attributes:
        out_channels (int): ``channels``.

    Shapes: ``(B, in_channels, h, w) -> (B, channels, h, w)``.
    """

    def __init__(self,
                 in_channels: int,
                 channels: int = 128,
                 dilations: Sequence[int] = (1, 6, 12, 18),
                 separable: bool = True,
                 norm_cfg: ConfigType = dict(type='BN'),
                 act_cfg: ConfigType = dict(type='ReLU')):
        super().__init__()
        branch_type = DepthwiseSeparableASPPModule if separable else ASPPModule
        self.image_pool = ConvModule(in_channels, channels, 1, norm_cfg=None, act_cfg=act_cfg)
        self.branches = branch_type(dilations=tuple(dilations),
                                    in_channels=in_channels,
                                    channels=channels,
                                    conv_cfg=None,
                                    norm_cfg=norm_cfg,
                                    act_cfg=act_cfg)
        self.merge = ConvModule((len(dilations) + 1) * channels,
                                channels,
                                1,
                                norm_cfg=norm_cfg,
                                act_cfg=act_cfg)
        self.out_channels = channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branch_outs = self.branches(x)  # list of (B, channels, h, w)
        pooled = self.image_pool(x.mean(dim=(2, 3), keepdim=True))  # (B, channels, 1, 1)
        # broadcast over h*w on one flattened axis, not with expand_as: litert-torch 0.10 moves its NHWC
        # transpose through a 4-D broadcast wrongly (the TFLite graph fails or gives wrong values); same values
        pooled = pooled.flatten(2).expand(-1, -1, x.shape[2] * x.shape[3])  # (B, channels, h*w)
        branch_outs.append(pooled.unflatten(2, x.shape[2:]))  # (B, channels, h, w)
        return self.merge(torch.cat(branch_outs, dim=1))
