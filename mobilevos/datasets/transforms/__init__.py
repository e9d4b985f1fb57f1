"""Data transforms registered in ``TRANSFORMS``."""
from .clip_transforms import (ClipColorJitter, ClipRandomFlip, ClipRandomGrayscale, ClipRandomResizedCrop,
                              ClipResize, FrameRandomAffine, random_affine_matrix)
from .formatting import PackVOSInputs

__all__ = [
    'ClipColorJitter', 'ClipRandomFlip', 'ClipRandomGrayscale', 'ClipRandomResizedCrop', 'ClipResize',
    'FrameRandomAffine', 'random_affine_matrix', 'PackVOSInputs'
]
