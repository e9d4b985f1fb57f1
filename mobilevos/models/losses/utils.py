"""Shared helpers of the dense losses: bringing maps to a common size."""
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


def resize_labels(labels: torch.Tensor, size: Sequence[int], mode: str = 'nearest') -> torch.Tensor:
    """Resize ``(B, H, W)`` integer labels to ``size`` with nearest-neighbour sampling."""
    if tuple(labels.shape[-2:]) == tuple(size):
        return labels
    if mode not in ('nearest', 'nearest-exact'):
        raise ValueError(f'labels can only be resized with nearest or nearest-exact, got {mode!r}')
    resized = F.interpolate(labels[:, None].to(torch.float32), size=tuple(size), mode=mode)
    return resized[:, 0].round().to(labels.dtype)
