"""Per-object decoder: read-out + query feature at 1/16, skips at 1/8 and 1/4, one logit per pixel."""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

from mobilevos.registry import MODELS

from .blocks import ResBlock, UpsampleBlock


@MODELS.register_module()
class STMDecoder(nn.Module):
    """STCN-style decoder, with its widths as arguments.

    ``compress`` (ResBlock at 1/16) -> ``up_16_8`` (skip f8) -> ``up_8_4`` (skip
    f4) -> ``feature_out`` -> ``pred`` (3x3 conv to one logit) -> 4x bilinear
    upsampling to the input size.

    ``feature_out`` is an ``nn.Identity`` whose only job is to be hooked: its
    output, ``(B*K, channels[2], H/4, W/4)``, is the last feature map before
    the prediction conv (the pixel embedding used by distillation). Row
    ``b*K + k`` is object ``k+1`` of sample ``b``.

    Args:
        in_channels: channels of the read-out ``Cv`` plus the query feature ``Cq``
            (set by the network).
        skip_channels: channels of the stride-8 and stride-4 key-encoder maps
            (set by the network).
        channels: widths after the 1/16, 1/8 and 1/4 steps.
        shortcut_kernel: kernel of the residual blocks' shortcut projections
            (STCN: 3; 1 is much cheaper for slim students).
    """

    def __init__(self,
                 in_channels: int,
                 skip_channels: Sequence[int],
                 channels: Sequence[int] = (512, 256, 256),
                 shortcut_kernel: int = 3):
        super().__init__()
        if len(skip_channels) != 2 or len(channels) != 3:
            raise ValueError(
                f'STMDecoder needs 2 skip_channels and 3 channels, got {skip_channels}, {channels}')
        c16, c8, c4 = channels
        self.compress = ResBlock(in_channels, c16, shortcut_kernel)
        self.up_16_8 = UpsampleBlock(skip_channels[0], c16, c8, shortcut_kernel)
        self.up_8_4 = UpsampleBlock(skip_channels[1], c8, c4, shortcut_kernel)
        self.feature_out = nn.Identity()
        self.pred = nn.Conv2d(c4, 1, 3, padding=1)
        self.out_channels = c4

    def forward(self, readout: torch.Tensor, query: torch.Tensor, f8: torch.Tensor,
                f4: torch.Tensor) -> torch.Tensor:
        """Decode every object of every sample.

        ``compress`` sees each object's read-out concatenated with the frame's query feature; the query's
        share of it is computed once per frame (:meth:`ResBlock.forward_shared`).

        Args:
            readout: ``(B, K, Cv, h, w)`` per-object memory read-out.
            query: ``(B, Cq, h, w)`` the frame's query feature (``Cv + Cq == in_channels``).
            f8: ``(B, skip_channels[0], 2h, 2w)``.
            f4: ``(B, skip_channels[1], 4h, 4w)``.

        Returns:
            ``(B, K, 16h, 16w)`` per-object logits at the input size.
        """
        batch_objects = readout.shape[:2]
        y = self.compress.forward_shared(readout.flatten(0, 1), query)  # (B*K, c16, h, w)
        y = y.unflatten(0, batch_objects)  # (B, K, c16, h, w)
        y = self.up_16_8.fuse(self.up_16_8.project_skip(f8), y)  # (B, K, c8, 2h, 2w)
        y = self.up_8_4.fuse(self.up_8_4.project_skip(f4), y)  # (B, K, c4, 4h, 4w)
        y = self.feature_out(y.flatten(0, 1))  # (B*K, c4, 4h, 4w)
        logits = self.pred(F.relu(y))  # (B*K, 1, 4h, 4w)
        logits = F.interpolate(logits, scale_factor=4.0, mode='bilinear', align_corners=False)
        return logits.squeeze(1).unflatten(0, batch_objects)  # (B, K, 16h, 16w)
