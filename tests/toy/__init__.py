"""Tiny registered components for tests: a dense-prediction model and its data.

Tests load them the way a user loads a plugin, through
``custom_imports = dict(imports=['tests.toy'])`` in a config, so nothing in
``mobilevos/`` names them.
"""
from .toy_dense import ToyDenseDataset, ToyDenseModel

__all__ = ['ToyDenseDataset', 'ToyDenseModel']
