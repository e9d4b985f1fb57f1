"""MobileOne as a mobilevos plugin: importing this package registers ``MobileOne`` in ``MODELS``."""
from .mobileone import ARCH_SETTINGS, MobileOne, MobileOneBlock
from .reparam_conv import ReparamConv

__all__ = ['ARCH_SETTINGS', 'MobileOne', 'MobileOneBlock', 'ReparamConv']
