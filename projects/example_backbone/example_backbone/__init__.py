"""An example plugin: importing this package registers ``TinyConvBackbone``."""
from .tiny_backbone import TinyConvBackbone

__all__ = ['TinyConvBackbone']
