"""Fuse the value encoder's feature with the frame's key feature (STCN's FeatureFusionBlock)."""
import torch
import torch.nn as nn

from mobilevos.registry import MODELS

from .blocks import CBAM, ResBlock


@MODELS.register_module()
class ValueFuser(nn.Module):
    """``block2(x + attention(x))`` with ``x = block1(cat(value_feat, key_feat))``.

    The key feature is the frame's, common to its objects: ``block1`` takes it once per frame
    (:meth:`ResBlock.forward_shared`), with the same parameters and function as the concatenation.

    Args:
        in_channels: channels of the value encoder's stride-16 map (set by the network).
        key_channels: channels of the key encoder's stride-16 map (set by the network).
        out_channels: value channels ``Cv`` (set by the network from ``value_dim``).
        with_attention: use CBAM between the two residual blocks.
        shortcut_kernel: kernel of ``block1``'s shortcut projection (STCN: 3; 1 is
            much cheaper for slim students).

    Shapes: ``value_feat (B*K, in_channels, h, w)``, ``key_feat (B, key_channels, h, w)`` (one per frame;
    ``(B*K, ...)`` also works) ``-> (B*K, out_channels, h, w)``, objects of a frame adjacent (``b*K + k``).
    """

    def __init__(self,
                 in_channels: int,
                 key_channels: int,
                 out_channels: int,
                 with_attention: bool = True,
                 shortcut_kernel: int = 3):
        super().__init__()
        self.block1 = ResBlock(in_channels + key_channels, out_channels, shortcut_kernel)
        self.attention = CBAM(out_channels) if with_attention else None
        self.block2 = ResBlock(out_channels, out_channels)

    def forward(self, value_feat: torch.Tensor, key_feat: torch.Tensor) -> torch.Tensor:
        x = self.block1.forward_shared(value_feat, key_feat)  # (B*K, Cv, h, w)
        if self.attention is not None:
            x = x + self.attention(x)
        return self.block2(x)
