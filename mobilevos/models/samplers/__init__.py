"""Pixel samplers (``PIXEL_SAMPLERS``): ``sampler(labels (B,H,W)) -> (B,N) long``.

They choose the pixels at which the dense distillation losses build their
``N x N`` correlation matrices.
"""
from .base import PAD_INDEX, BasePixelSampler
from .boundary_sampler import BoundaryPixelSampler, boundary_band
from .grid_sampler import UniformGridPixelSampler
from .random_sampler import RandomPixelSampler

__all__ = [
    'PAD_INDEX', 'BasePixelSampler', 'BoundaryPixelSampler', 'RandomPixelSampler', 'UniformGridPixelSampler',
    'boundary_band'
]
