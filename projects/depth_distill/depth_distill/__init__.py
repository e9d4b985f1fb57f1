"""Monocular depth as a mobilevos plugin: data, model, metric and a feature-distillation baseline.

Importing this package (``custom_imports``) registers ``SyntheticDepthDataset``
(``DATASETS``), ``DepthRegressor`` and ``FeatureMSELoss`` (``MODELS``) and
``DepthErrorMetric`` (``METRICS``).
"""
from .depth_metric import DepthErrorMetric, depth_errors
from .depth_regressor import DepthRegressor, FPNDepthDecoder
from .feature_mse_loss import FeatureMSELoss
from .scene_renderer import render_scene
from .synthetic_depth_dataset import SyntheticDepthDataset

__all__ = [
    'DepthErrorMetric', 'DepthRegressor', 'FeatureMSELoss', 'FPNDepthDecoder', 'SyntheticDepthDataset',
    'depth_errors', 'render_scene'
]
