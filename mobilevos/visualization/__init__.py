"""Visualisers: mask overlays and plots."""
from .overlay import mask_boundary, overlay_mask, palette_array

__all__ = ['mask_boundary', 'overlay_mask', 'palette_array']
