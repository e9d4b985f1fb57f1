"""Datasets of video records, the synthetic DAVIS-format generator, clip samplers and transforms.

The video-record format every reader produces is documented in
:mod:`mobilevos.datasets.base_vos_dataset` (and ``docs/datasets.md``).
"""
from .base_vos_dataset import BaseVOSDataset
from .clip_dataset import VOSClipDataset
from .davis import DAVISDataset
from .resumable_sampler import ResumableInfiniteSampler, SampleIndex, sample_random_state
from .static_images import StaticImageDataset
from .synthetic import ensure_synthetic_davis, generate_video, make_synthetic_davis
from .synthetic_davis_dataset import SyntheticDAVISDataset
from .youtube_vos import YouTubeVOSDataset

__all__ = [
    'BaseVOSDataset', 'DAVISDataset', 'SyntheticDAVISDataset', 'StaticImageDataset', 'YouTubeVOSDataset', 'VOSClipDataset',
    'ensure_synthetic_davis', 'generate_video', 'make_synthetic_davis', 'ResumableInfiniteSampler', 'SampleIndex',
    'sample_random_state'
]
