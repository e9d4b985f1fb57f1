"""Semantic segmentation with mmseg's own models, distilled by mobilevos' SingleTeacherDistiller.

Importing this package (``custom_imports``) registers ``SyntheticShapesDataset``
in ``DATASETS``. The models (``mmseg.EncoderDecoder``), the losses and the
metric (``mmseg.IoUMetric``) are mmseg's, unchanged.
"""
from .shapes_renderer import CLASSES, PALETTE, render_shapes
from .synthetic_shapes_dataset import SyntheticShapesDataset

__all__ = ['CLASSES', 'PALETTE', 'SyntheticShapesDataset', 'render_shapes']
