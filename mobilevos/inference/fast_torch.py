"""A copy of a network for eager CPU inference: batch norms folded into their convs, weights channels-last.

Both rewrites compute the same function (up to float rounding): a batch norm in eval mode is an affine map
per channel, which folds into the preceding convolution's weight and bias, and channels-last only changes
how tensors are laid out in memory (oneDNN's convolutions, depthwise ones especially, run much faster on
it). The copy is for inference only: it has no batch norms left to train.
"""
import copy

import torch
import torch.nn as nn
from torch.fx.experimental.optimization import fuse as fuse_conv_bn


def fold_batch_norms(module: nn.Module, name: str = 'module') -> nn.Module:
    """``module`` traced with ``torch.fx``, every conv followed only by a batch norm folded into one conv.

    Args:
        module: a module in eval mode whose ``forward`` ``torch.fx`` can trace.
        name: names the module in errors.

    Returns:
        A ``torch.fx.GraphModule`` computing the same outputs (a new module; ``module`` is unchanged).

    Raises:
        ValueError: ``module`` is in training mode (its batch norms use batch statistics) or cannot be traced.
    """
    if module.training:
        raise ValueError(f'fold_batch_norms: {name} is in training mode; call .eval() first (batch norms '
                         'only fold with their running statistics)')
    try:
        return fuse_conv_bn(module)
    except Exception as err:  # noqa: BLE001 - re-raised naming the module
        raise ValueError(f'fold_batch_norms: torch.fx cannot trace {name} ({type(module).__name__}): '
                         f'{type(err).__name__}: {err}') from err


def optimize_for_inference(network: nn.Module, channels_last: bool = True) -> nn.Module:
    """An eval-mode copy of ``network`` with its batch norms folded and (optionally) channels-last weights.

    Every direct child module that holds a ``BatchNorm2d`` (the encoders, an ASPP neck) is replaced by its
    :func:`fold_batch_norms` trace; the other children are copied as they are. The copy keeps the network's
    step methods and attributes, so :class:`~mobilevos.inference.VideoInferencer` and
    :func:`~mobilevos.models.vos.segment_frame` run it unchanged.

    Args:
        network: an STM network (any ``nn.Module`` whose BN-holding children are traceable).
        channels_last: also convert 4-D weights to ``torch.channels_last``.

    Returns:
        The new network, in eval mode.
    """
    network = copy.deepcopy(network).eval()
    for child_name, child in list(network.named_children()):
        if any(isinstance(m, nn.BatchNorm2d) for m in child.modules()):
            setattr(network, child_name, fold_batch_norms(child, f'{type(network).__name__}.{child_name}'))
    if channels_last:
        network = network.to(memory_format=torch.channels_last)
    return network
