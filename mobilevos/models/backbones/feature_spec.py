"""What a backbone outputs: channels and strides, found by one probe forward.

mmseg's backbones do not declare their output channels, and their ``strides``
attribute holds per-stage strides, not output strides. Rather than trust
attributes whose meaning differs between libraries, the network runs each
backbone once on a small zero input at build time and reads the shapes. Any
backbone that maps ``(1, C, S, S)`` to a tensor or a tuple of tensors
therefore plugs in, including ones registered from outside ``mobilevos``.
"""
from typing import NamedTuple, Tuple

import torch
import torch.nn as nn


class FeatureSpec(NamedTuple):
    """Channels and output strides of each map a backbone returns, in order."""
    channels: Tuple[int, ...]
    strides: Tuple[int, ...]

    def index_of_stride(self, stride: int, name: str = 'backbone') -> int:
        """Index of the last output with this stride.

        Raises:
            ValueError: no output has that stride; the message names ``name``.
        """
        for i in reversed(range(len(self.strides))):
            if self.strides[i] == stride:
                return i
        raise ValueError(f'{name} has no output with stride {stride}: its outputs have strides '
                         f'{self.strides} and channels {self.channels}')


def as_tuple(feats) -> Tuple[torch.Tensor, ...]:
    """A backbone's output as a tuple (single-tensor outputs become 1-tuples)."""
    if isinstance(feats, torch.Tensor):
        return (feats, )
    return tuple(feats)


def probe_feature_spec(backbone: nn.Module,
                       in_channels: int = 3,
                       size: int = 64,
                       name: str = 'backbone') -> FeatureSpec:
    """Run ``backbone`` once on a ``(1, in_channels, size, size)`` zero input.

    The backbone is put in eval mode for the probe (so batch-norm statistics are
    untouched) and then back in its previous mode. No gradient is recorded.

    Args:
        backbone: a module mapping an image batch to a tensor or a sequence of
            tensors ``(1, C_i, size / s_i, size / s_i)``.
        in_channels: input channels the backbone must accept.
        size: side of the probe input; must be a multiple of every output stride.
        name: how errors name the backbone (e.g. ``'value_encoder (mmseg.ResNet)'``).

    Returns:
        The channels and output strides of each returned map.

    Raises:
        ValueError: the probe forward fails (for example, the backbone does not
            take ``in_channels`` channels) or a map's size does not divide ``size``.
    """
    was_training = backbone.training
    param = next(iter(backbone.parameters()), None)
    device = param.device if param is not None else torch.device('cpu')
    dtype = param.dtype if param is not None else torch.float32
    backbone.eval()
    try:
        with torch.no_grad():
            feats = as_tuple(backbone(torch.zeros(1, in_channels, size, size, device=device, dtype=dtype)))
    except Exception as err:
        raise ValueError(
            f'{name}: a probe input of shape (1, {in_channels}, {size}, {size}) failed '
            f'({type(err).__name__}: {err}). Does it accept {in_channels} input channels?') from err
    finally:
        backbone.train(was_training)
    channels, strides = [], []
    for feat in feats:
        if feat.dim() != 4 or size % feat.shape[-1] or size % feat.shape[-2]:
            raise ValueError(f'{name}: output of shape {tuple(feat.shape)} for a {size}x{size} input '
                             'is not a 4-D map whose size divides the input')
        channels.append(int(feat.shape[1]))
        strides.append(size // int(feat.shape[-1]))
    return FeatureSpec(tuple(channels), tuple(strides))
