"""Fuse the value encoder's feature with the frame's key feature (STCN's FeatureFusionBlock)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mobilevos.registry import MODELS

from .blocks import CBAM, ResBlock


def _conv_part(conv: nn.Conv2d, x: torch.Tensor, start: int, stop: int, bias: bool) -> torch.Tensor:
    """``conv`` restricted to its input channels ``start:stop`` (the bias added only if ``bias``)."""
    return F.conv2d(x, conv.weight[:, start:stop], conv.bias if bias else None, conv.stride, conv.padding,
                    conv.dilation, conv.groups)


def _repeat_objects(frame_part: torch.Tensor, num: int) -> torch.Tensor:
    """``(B, C, h, w) -> (num, C, h, w)``, each frame's map repeated for its ``num // B`` objects.

    Broadcast on one flattened axis (flatten -> expand -> unflatten), the form LiteRT converts correctly
    (docs/deploy.md, LiteRT).
    """
    batch = frame_part.shape[0]
    if batch == num:
        return frame_part
    flat = frame_part.flatten(1).unsqueeze(1).expand(-1, num // batch, -1)  # (B, K, C*h*w)
    return flat.flatten(0, 1).unflatten(1, frame_part.shape[1:])  # (B*K, C, h, w)


@MODELS.register_module()
class ValueFuser(nn.Module):
    """``block2(x + attention(x))`` with ``x = block1(cat(value_feat, key_feat))``.

    ``block1``'s two convolutions are linear in their input channels, so their key-feature half is computed
    once per frame and added to each object's value half: the same function as the concatenation (the
    parameters are those of ``block1``), without repeating the key feature's share of ``block1`` for every
    object.

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
        self.in_channels = in_channels
        self.block1 = ResBlock(in_channels + key_channels, out_channels, shortcut_kernel)
        self.attention = CBAM(out_channels) if with_attention else None
        self.block2 = ResBlock(out_channels, out_channels)

    def forward(self, value_feat: torch.Tensor, key_feat: torch.Tensor) -> torch.Tensor:
        num, split, total = value_feat.shape[0], self.in_channels, self.block1.conv1.in_channels
        if num % key_feat.shape[0]:
            raise ValueError(f'ValueFuser: {num} value maps is not a multiple of {key_feat.shape[0]} key maps')
        # block1 = shortcut(x) + conv2(relu(conv1(relu(x)))) with x = cat(value, key), split by input channel
        inner = _conv_part(self.block1.conv1, F.relu(value_feat), 0, split, True) + _repeat_objects(
            _conv_part(self.block1.conv1, F.relu(key_feat), split, total, False), num)  # (B*K, Cv, h, w)
        x = self.block1.conv2(F.relu(inner))
        if isinstance(self.block1.shortcut, nn.Conv2d):
            shortcut = self.block1.shortcut
            x = x + _conv_part(shortcut, value_feat, 0, split, True) + _repeat_objects(
                _conv_part(shortcut, key_feat, split, total, False), num)
        else:  # identity shortcut (in_channels + key_channels == out_channels)
            x = x + torch.cat([value_feat, _repeat_objects(key_feat, num)], dim=1)
        if self.attention is not None:
            x = x + self.attention(x)
        return self.block2(x)
