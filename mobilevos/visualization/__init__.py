"""Visualisers: mask overlays and plots."""
