"""J&F evaluation and metrics."""
