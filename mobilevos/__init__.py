"""mobilevos: real-time video object segmentation by distillation."""
from .version import __version__

__all__ = ['__version__']
