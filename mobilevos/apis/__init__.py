"""Entry-point helpers shared by ``tools/*.py``: a network (or runtime) from a config, a runner."""
from .inference import (BACKENDS, build_inferencer, build_segmenter, check_backend_args, init_model, load_network_weights,
                        network_config)
from .runner import build_runner, prepare_test_config, prepare_train_config

__all__ = [
    'BACKENDS', 'build_inferencer', 'build_segmenter', 'check_backend_args', 'init_model', 'load_network_weights',
    'network_config', 'build_runner', 'prepare_test_config', 'prepare_train_config'
]
