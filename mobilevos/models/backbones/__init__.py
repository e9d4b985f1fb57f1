"""Backbones: our own where mmseg's do not fit, plus the probe that reads any backbone's output shapes."""
from .conv_with_bias import Conv2dWithBias
from .feature_spec import FeatureSpec, probe_feature_spec
from .imagenet_init import IMAGENET_URLS, KEY_MAPPINGS, ImageNetPretrainedInit
from .mask_encoder import MaskEncoder
from .mobilenet_v2 import MobileNetV2Encoder

__all__ = [
    'Conv2dWithBias', 'FeatureSpec', 'probe_feature_spec', 'MobileNetV2Encoder', 'IMAGENET_URLS',
    'KEY_MAPPINGS', 'ImageNetPretrainedInit', 'MaskEncoder'
]
