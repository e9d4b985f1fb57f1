"""Datasets, clip samplers and transforms."""
