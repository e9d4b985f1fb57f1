"""A re-parameterisable conv layer: several conv-BN branches at train time, one conv at inference.

MobileOne (Vasu et al., CVPR 2023, §3.1) trains each conv layer as a sum of
branches and folds them into a single conv for inference:

- ``num_branches`` (the over-parameterisation factor k) ``KxK`` conv + BN branches;
- a ``1x1`` conv + BN "scale" branch when ``K > 1``;
- a BN-only identity branch when the layer keeps the channels and the resolution.

Every branch is linear in the input in eval mode (BN uses its running
statistics), and all branches see the same input with the same stride, so the
sum is one ``KxK`` conv with a bias:

- a conv-BN branch with kernel ``W`` is ``(gamma / s) W`` with bias ``beta - gamma mu / s``,
  where ``s = sqrt(running_var + eps)``;
- the ``1x1`` kernel is zero-padded to ``KxK`` (its single tap at the centre);
- the identity is the ``KxK`` kernel with a 1 at the centre tap from each output
  channel to the same channel (within its group), followed by its BN.
"""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer, build_norm_layer
from torch.nn.modules.batchnorm import _BatchNorm


def batch_norm(norm_cfg: dict, channels: int) -> _BatchNorm:
    """Build ``norm_cfg`` over ``channels``; it must be a batch norm (folding needs running statistics).

    Raises:
        ValueError: ``norm_cfg`` builds another kind of normalisation (e.g. ``GN``).
    """
    norm = build_norm_layer(norm_cfg, channels)[1]
    if not isinstance(norm, _BatchNorm):
        raise ValueError(f'MobileOne: norm_cfg {norm_cfg} builds {type(norm).__name__}, not a batch norm; '
                         'folding the branches needs running statistics (use BN or SyncBN)')
    return norm


class ConvBN(nn.Module):
    """``conv`` (no bias) followed by a batch norm: one branch of :class:`ReparamConv`."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int, groups: int,
                 norm_cfg: dict) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels,
                              out_channels,
                              kernel_size,
                              stride=stride,
                              padding=kernel_size // 2,
                              groups=groups,
                              bias=False)
        self.bn = batch_norm(norm_cfg, out_channels)
        # a 1x1 depthwise conv is a per-channel scale: computed as one, it is several times faster on
        # CPU than the grouped conv (same weights, same result)
        self.per_channel = kernel_size == 1 and groups == in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.per_channel:
            stride = self.conv.stride[0]
            return self.bn(x[:, :, ::stride, ::stride] * self.conv.weight.view(1, -1, 1, 1))
        return self.bn(self.conv(x))


def fold_batch_norm(kernel: torch.Tensor, bn: _BatchNorm) -> Tuple[torch.Tensor, torch.Tensor]:
    """The kernel and bias of ``bn(conv(x, kernel))`` as one conv, with ``bn`` in eval mode.

    Args:
        kernel: conv weight ``(C_out, C_in / groups, K, K)``.
        bn: the batch norm over ``C_out`` channels (its running statistics are used).

    Returns:
        ``(kernel (C_out, C_in / groups, K, K), bias (C_out,))`` in float64.
    """
    std = (bn.running_var.double() + bn.eps).sqrt()  # (C_out,)
    gamma = bn.weight.double() if bn.weight is not None else torch.ones_like(std)
    beta = bn.bias.double() if bn.bias is not None else torch.zeros_like(std)
    scale = gamma / std
    return kernel.double() * scale.view(-1, 1, 1, 1), beta - bn.running_mean.double() * scale


class ReparamConv(nn.Module):
    """``act(sum of branches)``; :meth:`switch_to_deploy` folds the branches into ``fused``.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: ``K`` of the main branches (odd; padding ``K // 2``).
        stride: stride of every branch.
        groups: conv groups (``in_channels`` for a depthwise layer).
        num_branches: ``k``, the number of ``KxK`` conv-BN branches.
        norm_cfg: a batch norm config (``BN`` or ``SyncBN``): folding needs running statistics.
        act_cfg: activation after the sum (``None``: none).
        deploy: build the folded layer directly (a single conv with bias), e.g. to load folded weights.

    Forward:
        ``(B, in_channels, H, W)`` -> ``(B, out_channels, ceil(H / stride), ceil(W / stride))``.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 kernel_size: int = 3,
                 stride: int = 1,
                 groups: int = 1,
                 num_branches: int = 1,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 deploy: bool = False) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f'ReparamConv: kernel_size must be odd, got {kernel_size}')
        if num_branches < 1:
            raise ValueError(f'ReparamConv: num_branches (k) must be >= 1, got {num_branches}')
        norm_cfg = norm_cfg or dict(type='BN')
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.groups = kernel_size, stride, groups
        self.deploy = deploy
        if deploy:
            self.fused = nn.Conv2d(in_channels,
                                   out_channels,
                                   kernel_size,
                                   stride=stride,
                                   padding=kernel_size // 2,
                                   groups=groups,
                                   bias=True)
        else:
            self.branches = nn.ModuleList(
                ConvBN(in_channels, out_channels, kernel_size, stride, groups, norm_cfg)
                for _ in range(num_branches))
            self.scale = (ConvBN(in_channels, out_channels, 1, stride, groups, norm_cfg)
                          if kernel_size > 1 else None)
            self.identity = (batch_norm(norm_cfg, out_channels)
                             if in_channels == out_channels and stride == 1 else None)
        self.act = build_activation_layer(act_cfg) if act_cfg else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.deploy:
            return self.act(self.fused(x))
        out = sum(branch(x) for branch in self.branches)  # (B, C_out, H / stride, W / stride)
        if self.scale is not None:
            out = out + self.scale(x)
        if self.identity is not None:
            out = out + self.identity(x)
        return self.act(out)

    def folded_kernel(self) -> Tuple[torch.Tensor, torch.Tensor]:
        """The single conv equal to the branches in eval mode, in float64.

        Returns:
            ``(kernel (C_out, C_in / groups, K, K), bias (C_out,))``.
        """
        if self.deploy:
            return self.fused.weight.double(), self.fused.bias.double()
        pad = self.kernel_size // 2
        kernel = torch.zeros(self.out_channels,
                             self.in_channels // self.groups,
                             self.kernel_size,
                             self.kernel_size,
                             dtype=torch.float64,
                             device=self.branches[0].conv.weight.device)
        bias = kernel.new_zeros(self.out_channels)
        parts = [fold_batch_norm(b.conv.weight, b.bn) for b in self.branches]
        if self.scale is not None:
            k, b = fold_batch_norm(self.scale.conv.weight, self.scale.bn)
            parts.append((F.pad(k, [pad, pad, pad, pad]), b))
        if self.identity is not None:
            eye = torch.zeros_like(kernel)
            per_group = self.in_channels // self.groups
            channels = torch.arange(self.out_channels, device=kernel.device)
            eye[channels, channels % per_group, pad, pad] = 1.0
            parts.append(fold_batch_norm(eye, self.identity))
        for k, b in parts:
            kernel = kernel + k
            bias = bias + b
        return kernel, bias

    @torch.no_grad()
    def switch_to_deploy(self) -> None:
        """Replace the branches by one conv with the same eval-mode output (in place, irreversible).

        Calling it again does nothing. Afterwards the layer has no batch norm:
        training it no longer updates statistics.
        """
        if self.deploy:
            return
        kernel, bias = self.folded_kernel()
        weight = self.branches[0].conv.weight
        self.fused = nn.Conv2d(self.in_channels,
                               self.out_channels,
                               self.kernel_size,
                               stride=self.stride,
                               padding=self.kernel_size // 2,
                               groups=self.groups,
                               bias=True).to(device=weight.device, dtype=weight.dtype)
        self.fused.weight.copy_(kernel.to(weight.dtype))
        self.fused.bias.copy_(bias.to(weight.dtype))
        del self.branches, self.scale, self.identity
        self.deploy = True
