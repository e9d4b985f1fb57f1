"""Datasets (video records), the synthetic DAVIS-format generator, clip samplers and transforms."""
from .base_vos_dataset import BaseVOSDataset
from .davis import DAVISDataset
from .static_images import StaticImageDataset
from .synthetic import ensure_synthetic_davis, generate_video, make_synthetic_davis
from .youtube_vos import YouTubeVOSDataset

__all__ = [
    'BaseVOSDataset', 'DAVISDataset', 'StaticImageDataset', 'YouTubeVOSDataset', 'ensure_synthetic_davis',
    'generate_video', 'make_synthetic_davis'
]
