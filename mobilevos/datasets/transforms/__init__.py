"""Data transforms registered in TRANSFORMS."""
