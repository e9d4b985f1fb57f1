"""Data containers passed between datasets, models, metrics and visualisers."""
from .vos_data_sample import VOSDataSample

__all__ = ['VOSDataSample']
