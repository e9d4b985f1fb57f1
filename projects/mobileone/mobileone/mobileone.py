"""MobileOne (Vasu et al., CVPR 2023): a re-parameterisable mobile backbone, registered as ``MobileOne``.

Layout (paper Table 7, ImageNet at 224): a stem ``3x3`` stride-2 conv, then
stages of MobileOne blocks. A block is a ``3x3`` depthwise
:class:`~.reparam_conv.ReparamConv` (k branches + ``1x1`` scale branch +
BN identity) followed by a ``1x1`` pointwise ``ReparamConv`` (k branches + BN
identity), each followed by ReLU. The first block of a stage has stride 2.

=========  ==========  =======  =============  ==========================
stage      out stride  blocks   channels       out_indices
=========  ==========  =======  =============  ==========================
stem       2           1        min(64, 64a1)  -
0          4           2        64 a1          0
1          8           8        128 a2         1
2          16          10       256 a3         2
3          32          1        512 a4         3
=========  ==========  =======  =============  ==========================

(The paper lists stage 2 as 5 blocks at stride 2 plus 5 at stride 1: the same
layers.) The variants' width factors ``a1..a4`` and k are in :data:`ARCH_SETTINGS`;
S4's squeeze-excitation blocks are not implemented.

The backbone returns feature maps only (no pooling or classifier), so it
plugs into mobilevos as a key encoder (``out_indices=(0, 1, 2)``: strides 4,
8, 16) or a value encoder (``in_channels=5, out_indices=(2, )``).
``num_stages=3`` drops the stride-32 stage that these do not use.
"""
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from mobilevos.registry import MODELS

from .reparam_conv import ReparamConv

#: per variant: width factors (a1, a2, a3, a4) and the over-parameterisation factor k (paper Table 8).
ARCH_SETTINGS: Dict[str, dict] = {
    's0': dict(width_factors=(0.75, 1.0, 1.0, 2.0), num_branches=4),
    's1': dict(width_factors=(1.5, 1.5, 2.0, 2.5), num_branches=1),
    's2': dict(width_factors=(1.5, 2.0, 2.5, 4.0), num_branches=1),
    's3': dict(width_factors=(2.0, 2.5, 3.0, 4.0), num_branches=1),
}
BASE_CHANNELS = (64, 128, 256, 512)
NUM_BLOCKS = (2, 8, 10, 1)


class MobileOneBlock(nn.Sequential):
    """A ``3x3`` depthwise then ``1x1`` pointwise :class:`ReparamConv`, each with ReLU.

    Forward: ``(B, in_channels, H, W)`` -> ``(B, out_channels, H / stride, W / stride)``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, num_branches: int, norm_cfg: dict,
                 act_cfg: dict, deploy: bool) -> None:
        common = dict(num_branches=num_branches, norm_cfg=norm_cfg, act_cfg=act_cfg, deploy=deploy)
        super().__init__(
            ReparamConv(in_channels, in_channels, 3, stride=stride, groups=in_channels, **common),
            ReparamConv(in_channels, out_channels, 1, **common))


@MODELS.register_module()
class MobileOne(BaseModule):
    """MobileOne feature extractor with train-time branches that :meth:`switch_to_deploy` folds.

    Args:
        arch: a variant name in :data:`ARCH_SETTINGS` (``'s0'`` .. ``'s3'``) or a dict with
            ``width_factors`` (4 floats) and ``num_branches`` (k).
        in_channels: channels of the input (3 for frames, 5 for the value encoder's input).
        num_stages: build stages ``0 .. num_stages - 1`` (1..4); later ones hold no parameters.
        out_indices: which stages' outputs to return, all ``< num_stages``.
        num_branches: overrides the variant's k (e.g. 1 for a cheaper training run).
        norm_cfg: batch norm config of every branch.
        act_cfg: activation after each folded conv.
        deploy: build the folded network directly (to load weights saved after folding).
        init_cfg: mmengine initialisation config.

    Forward:
        ``(B, in_channels, H, W)`` -> tuple of ``(B, C_i, H / s_i, W / s_i)``, one per
        ``out_indices`` entry, with ``s_i = 2 ** (i + 2)``.

    Raises:
        ValueError: unknown ``arch``, ``num_stages`` outside 1..4, or ``out_indices`` beyond it.
    """

    def __init__(self,
                 arch: Union[str, dict] = 's0',
                 in_channels: int = 3,
                 num_stages: int = 4,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 num_branches: Optional[int] = None,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 deploy: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg)
        if isinstance(arch, str):
            if arch not in ARCH_SETTINGS:
                raise ValueError(f'MobileOne: unknown arch {arch!r}; choose one of {sorted(ARCH_SETTINGS)} '
                                 'or give dict(width_factors=(a1, a2, a3, a4), num_branches=k)')
            arch = ARCH_SETTINGS[arch]
        if not 1 <= num_stages <= 4:
            raise ValueError(f'MobileOne: num_stages must be in 1..4, got {num_stages}')
        self.out_indices = tuple(out_indices)
        if not self.out_indices or not all(0 <= i < num_stages for i in self.out_indices):
            raise ValueError(
                f'MobileOne: out_indices {self.out_indices} must name stages 0..{num_stages - 1}')
        k = num_branches if num_branches is not None else arch['num_branches']
        norm_cfg = norm_cfg or dict(type='BN')
        act_cfg = act_cfg or dict(type='ReLU')
        common = dict(num_branches=k, norm_cfg=norm_cfg, act_cfg=act_cfg, deploy=deploy)
        widths = [int(c * a) for c, a in zip(BASE_CHANNELS, arch['width_factors'])]
        channels = min(64, widths[0])
        self.stem = ReparamConv(in_channels, channels, 3, stride=2, **common)
        self.stages = nn.ModuleList()
        for width, blocks in zip(widths[:num_stages], NUM_BLOCKS):
            stage = []
            for j in range(blocks):
                stage.append(MobileOneBlock(channels, width, 2 if j == 0 else 1, **common))
                channels = width
            self.stages.append(nn.Sequential(*stage))

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        x = self.stem(x)  # (B, C_stem, H / 2, W / 2)
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)  # (B, C_i, H / 2 ** (i + 2), W / 2 ** (i + 2))
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def switch_to_deploy(self) -> 'MobileOne':
        """Fold every layer's branches into one conv (in place; see :class:`ReparamConv`)."""
        for module in self.modules():
            if isinstance(module, ReparamConv):
                module.switch_to_deploy()
        return self
