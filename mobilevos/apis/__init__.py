"""Entry-point helpers shared by ``tools/*.py``."""
from .runner import build_runner, prepare_test_config, prepare_train_config

__all__ = ['build_runner', 'prepare_test_config', 'prepare_train_config']
