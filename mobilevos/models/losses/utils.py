"""Shared helpers of the dense losses: bringing maps to a common size, binning continuous labels."""
import math
from typing import Sequence, Tuple

import torch
import torch.nn.functional as F

RESIZE_MODES = ('student', 'teacher', 'labels')


def check_dense(name: str, arg: str, tensor: torch.Tensor, dims: int) -> None:
    """Raise ``ValueError`` naming ``name`` and ``arg`` unless ``tensor`` has ``dims`` dimensions."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f'{name}: {arg} must be a tensor, got {type(tensor).__name__}')
    if tensor.dim() != dims:
        raise ValueError(f'{name}: {arg} must have {dims} dimensions, got shape {tuple(tensor.shape)}')


def target_size(mode: str, student: torch.Tensor, teacher: torch.Tensor, labels: torch.Tensor) -> Tuple[int, int]:
    """The common ``(H, W)`` a resize policy picks: the student's, teacher's or labels' size."""
    if mode == 'student':
        return tuple(student.shape[-2:])
    if mode == 'teacher':
        return tuple(teacher.shape[-2:])
    if mode == 'labels':
        return tuple(labels.shape[-2:])
    raise ValueError(f'unknown resize mode {mode!r}; expected one of {RESIZE_MODES}')


def resize_map(x: torch.Tensor, size: Sequence[int], mode: str = 'bilinear',
               align_corners: bool = False) -> torch.Tensor:
    """Resize a ``(B, C, H, W)`` float map to ``size``; a no-op when it already has that size."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    if mode in ('nearest', 'nearest-exact', 'area'):
        return F.interpolate(x, size=tuple(size), mode=mode)
    return F.interpolate(x, size=tuple(size), mode=mode, align_corners=align_corners)


def resize_labels(labels: torch.Tensor, size: Sequence[int], mode: str = 'nearest-exact') -> torch.Tensor:
    """Resize ``(B, H, W)`` integer labels to ``size`` with nearest-neighbour sampling.

    ``'nearest-exact'`` (the default) takes the pixel nearest to each output
    cell's centre, the same alignment as :func:`resize_map`'s bilinear resize
    with ``align_corners=False``, so labels and features stay on one grid.
    ``'nearest'`` takes each cell's top-left pixel (half a cell off: 1.5 pixels
    at stride 4); until 2026-11-28 the distillation losses used it.
    """
    if tuple(labels.shape[-2:]) == tuple(size):
        return labels
    if mode not in ('nearest', 'nearest-exact'):
        raise ValueError(f'labels can only be resized with nearest or nearest-exact, got {mode!r}')
    resized = F.interpolate(labels[:, None].to(torch.float32), size=tuple(size), mode=mode)
    return resized[:, 0].round().to(labels.dtype)


#: Keys of a ``label_bins`` dict: how continuous targets (e.g. depth) become class labels.
LABEL_BIN_KEYS = ('num_bins', 'min', 'max', 'log')


def check_label_bins(name: str, label_bins: dict) -> dict:
    """Validate a ``label_bins`` dict and fill in its default (``log=False``).

    Args:
        name: the caller, for error messages (e.g. ``'ContrastiveKDLoss'``).
        label_bins: ``dict(num_bins=int >= 1, min=float, max=float > min, log=bool)``;
            with ``log=True``, ``min`` must be > 0.

    Returns:
        A new dict with all four keys.

    Raises:
        ValueError: unknown or missing keys, or values out of range.
    """
    if not isinstance(label_bins, dict):
        raise ValueError(f'{name}: label_bins must be a dict like dict(num_bins=16, min=0.5, max=10.0, '
                         f'log=True), got {label_bins!r}')
    unknown = sorted(set(label_bins) - set(LABEL_BIN_KEYS))
    missing = [k for k in ('num_bins', 'min', 'max') if k not in label_bins]
    if unknown or missing:
        raise ValueError(f'{name}: label_bins has unknown keys {unknown} / lacks {missing}; '
                         f'allowed keys: {list(LABEL_BIN_KEYS)}')
    bins = dict(num_bins=int(label_bins['num_bins']), min=float(label_bins['min']),
                max=float(label_bins['max']), log=bool(label_bins.get('log', False)))
    if bins['num_bins'] < 1:
        raise ValueError(f'{name}: label_bins.num_bins must be >= 1, got {bins["num_bins"]}')
    if not bins['max'] > bins['min']:
        raise ValueError(f'{name}: label_bins needs max > min, got min={bins["min"]}, max={bins["max"]}')
    if bins['log'] and bins['min'] <= 0:
        raise ValueError(f'{name}: label_bins with log=True needs min > 0, got min={bins["min"]}')
    return bins


def bin_continuous_labels(values: torch.Tensor, num_bins: int, min: float, max: float, log: bool = False,
                          ignore_index: int = 255) -> torch.Tensor:
    """Turn continuous targets into bin indices: equal-width bins on ``[min, max]`` (or on its log).

    Bin ``k`` holds ``min + k * step <= v < min + (k + 1) * step`` with
    ``step = (max - min) / num_bins`` (in ``log`` space when ``log=True``).
    Values below ``min`` go to bin 0 and values at or above ``max`` to bin
    ``num_bins - 1``. Non-finite values, and values ``<= 0`` when ``log=True``
    (no valid depth), become ``ignore_index``.

    Args:
        values: ``(...)`` any real tensor, e.g. depth ``(B, H, W)``.
        num_bins, min, max, log: the bins (see :func:`check_label_bins`).
        ignore_index: label of invalid values; must not be in ``0 .. num_bins - 1``.

    Returns:
        ``(...)`` int64 labels in ``0 .. num_bins - 1`` or ``ignore_index``.
    """
    if 0 <= ignore_index < num_bins:
        raise ValueError(f'bin_continuous_labels: ignore_index={ignore_index} is one of the {num_bins} bins; '
                         'pick an ignore_index outside 0 .. num_bins - 1')
    v = values.detach().to(torch.float64)
    valid = torch.isfinite(v)
    lo, hi = float(min), float(max)
    if log:
        valid &= v > 0
        v = torch.log(v.clamp_min(torch.finfo(torch.float64).tiny))
        lo, hi = math.log(lo), math.log(hi)
    index = torch.floor((v - lo) * (num_bins / (hi - lo)))
    index = torch.nan_to_num(index, nan=0.0).clamp(0, num_bins - 1).to(torch.int64)
    return index.masked_fill(~valid, ignore_index)
