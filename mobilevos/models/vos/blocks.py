"""Small building blocks of the STM network (STCN's layout, written for this project).

None of these blocks uses batch normalisation: they run on batches that fold
objects into the batch dimension, and padded objects must not change the
statistics that real objects are normalised with.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


class ResBlock(nn.Module):
    """Pre-activation residual block: ``shortcut(x) + conv2(relu(conv1(relu(x))))``.

    Args:
        in_channels: input channels.
        out_channels: output channels; when they differ from ``in_channels`` the
            shortcut is a ``shortcut_kernel`` x ``shortcut_kernel`` conv (STCN uses 3).
        shortcut_kernel: kernel size of that projection.

    Shapes: ``(N, in_channels, h, w) -> (N, out_channels, h, w)``.
    """

    def __init__(self, in_channels: int, out_channels: int, shortcut_kernel: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        if in_channels == out_channels:
            self.shortcut = nn.Identity()
        else:
            self.shortcut = nn.Conv2d(in_channels,
                                      out_channels,
                                      shortcut_kernel,
                                      padding=shortcut_kernel // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = self.conv1(F.relu(x))  # (N, out, h, w)
        residual = self.conv2(F.relu(residual))
        return self.shortcut(x) + residual

    def forward_shared(self, own: torch.Tensor, shared: torch.Tensor) -> torch.Tensor:
        """``forward(cat(own, shared))`` where ``shared`` is one map per frame, common to its objects.

        ``conv1`` and the shortcut projection are linear in their input channels, so their ``shared`` share
        is computed once per frame and added to each object's ``own`` share: the same function and
        parameters as concatenating ``shared`` onto every object, without repeating its work ``K`` times.

        Shapes: ``own (B*K, Co, h, w)``, ``shared (B, Cs, h, w)`` with ``Co + Cs == in_channels``
        (``shared`` may also have ``B*K`` rows) ``-> (B*K, out_channels, h, w)``; objects of a frame are
        adjacent (row ``b*K + k``).
        """
        num, split = own.shape[0], own.shape[1]
        if num % shared.shape[0] or split + shared.shape[1] != self.conv1.in_channels:
            raise ValueError(f'ResBlock.forward_shared: own {tuple(own.shape)} and shared '
                             f'{tuple(shared.shape)} do not make {self.conv1.in_channels} channels with '
                             'whole frames of objects')
        inner = _conv_part(self.conv1, F.relu(own), 0, split, True) + repeat_per_object(
            _conv_part(self.conv1, F.relu(shared), split, None, False), num)  # (B*K, out, h, w)
        residual = self.conv2(F.relu(inner))
        if isinstance(self.shortcut, nn.Conv2d):
            return residual + _conv_part(self.shortcut, own, 0, split, True) + repeat_per_object(
                _conv_part(self.shortcut, shared, split, None, False), num)
        return residual + torch.cat([own, repeat_per_object(shared, num)], dim=1)  # identity shortcut


def _conv_part(conv: nn.Conv2d, x: torch.Tensor, start: int, stop, bias: bool) -> torch.Tensor:
    """``conv`` restricted to its input channels ``start:stop``, its bias added only if ``bias``."""
    return F.conv2d(x, conv.weight[:, start:stop], conv.bias if bias else None, conv.stride, conv.padding,
                    conv.dilation, conv.groups)


def repeat_per_object(frame_map: torch.Tensor, num: int) -> torch.Tensor:
    """``(B, C, h, w) -> (num, C, h, w)``: each frame's map repeated for its ``num // B`` objects.

    A broadcast on one flattened axis (flatten -> expand -> unflatten), the form LiteRT converts correctly
    (docs/deploy.md, LiteRT).
    """
    batch = frame_map.shape[0]
    if batch == num:
        return frame_map
    flat = frame_map.flatten(1).unsqueeze(1).expand(-1, num // batch, -1)  # (B, K, C*h*w)
    return flat.flatten(0, 1).unflatten(1, frame_map.shape[1:])  # (B*K, C, h, w)


class ChannelGate(nn.Module):
    """Channel attention (CBAM): scale channels by an MLP over avg- and max-pooled features.

    Shapes: ``(N, C, h, w) -> (N, C, h, w)``.
    """

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        hidden = max(channels // reduction, 1)
        self.mlp = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(inplace=True),
                                 nn.Linear(hidden, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        attention = self.mlp(x.mean(dim=(2, 3))) + self.mlp(x.amax(dim=(2, 3)))  # (N, C)
        return x * torch.sigmoid(attention)[:, :, None, None]


class SpatialGate(nn.Module):
    """Spatial attention (CBAM): scale positions by a 7x7 conv over channel max and mean.

    Shapes: ``(N, C, h, w) -> (N, C, h, w)``.
    """

    def __init__(self, kernel_size: int = 7):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.cat([x.amax(dim=1, keepdim=True), x.mean(dim=1, keepdim=True)], dim=1)  # (N, 2, h, w)
        return x * torch.sigmoid(self.conv(pooled))


class CBAM(nn.Module):
    """Channel then spatial attention (Woo et al. 2018), as used in STCN's value fuser."""

    def __init__(self, channels: int, reduction: int = 16):
        super().__init__()
        self.channel_gate = ChannelGate(channels, reduction)
        self.spatial_gate = SpatialGate()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.spatial_gate(self.channel_gate(x))


class UpsampleBlock(nn.Module):
    """Decoder step: 2x-upsample the coarse map, add the projected skip map, refine.

    ``out = refine(skip_conv(skip) + upsample2x(up))``. The skip projection is
    linear and per frame, so the decoder applies it once per frame and
    broadcasts it over objects (see :meth:`project_skip` and :meth:`fuse`).

    Args:
        skip_channels: channels of the skip map (backbone feature at the finer stride).
        up_channels: channels of the coarse map coming from the previous step.
        out_channels: output channels.
        shortcut_kernel: kernel of the refining block's shortcut projection.
    """

    def __init__(self, skip_channels: int, up_channels: int, out_channels: int, shortcut_kernel: int = 3):
        super().__init__()
        self.skip_conv = nn.Conv2d(skip_channels, up_channels, 3, padding=1)
        self.refine = ResBlock(up_channels, out_channels, shortcut_kernel)

    def project_skip(self, skip: torch.Tensor) -> torch.Tensor:
        """``(B, skip_channels, 2h, 2w) -> (B, up_channels, 2h, 2w)``."""
        return self.skip_conv(skip)

    def fuse(self, projected_skip: torch.Tensor, up: torch.Tensor) -> torch.Tensor:
        """Combine a projected skip map with the coarse per-object maps.

        Args:
            projected_skip: ``(B, up_channels, 2h, 2w)`` from :meth:`project_skip`.
            up: ``(B, K, up_channels, h, w)`` per-object coarse maps.

        Returns:
            ``(B, K, out_channels, 2h, 2w)``.
        """
        upsampled = F.interpolate(up.flatten(0, 1), scale_factor=2.0, mode='bilinear', align_corners=False)
        x = upsampled.unflatten(0, (up.shape[0], -1)) + projected_skip.unsqueeze(1)  # (B, K, up, 2h, 2w)
        return self.refine(x.flatten(0, 1)).unflatten(0, (up.shape[0], -1))
