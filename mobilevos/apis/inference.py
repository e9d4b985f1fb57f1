"""The network a config describes, with its weights, for torch or ONNX Runtime (mmseg's ``init_model``).

This is the one way the tools (``test``, ``infer``, ``deploy``, ``analysis/*``)
and Python users turn a config and a checkpoint into something that segments::

    from mobilevos.apis import build_segmenter, init_model
    from mobilevos.inference import VideoInferencer

    network = init_model('configs/distill_r50_to_mbv2.py', 'work_dirs/.../iter_150000.pth')
    runtime = build_segmenter(CONFIG, CKPT, backend='onnxruntime', deploy_dir='deploy/mbv2')
    VideoInferencer(runtime)('frames/', 'frames/00000.png', 'out/')

Configs are Python files and are executed: only use configs you trust.
Checkpoints are read with ``weights_only=True``.
"""
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Optional, Union

import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.utils import import_modules_from_strings

from mobilevos.deploy.runtime import ExportedNetwork, load_runtime
from mobilevos.registry import MODELS
from mobilevos.utils.checkpoint import STUDENT_PREFIX, load_weights
from mobilevos.utils.cli import config_keys_in_errors
from mobilevos.utils.config import check_device, read_config

if TYPE_CHECKING:
    from mobilevos.inference import VideoInferencer

ConfigLike = Union[str, os.PathLike, Config]

#: What :func:`build_segmenter` can run the network with.
BACKENDS = ('torch', 'onnxruntime', 'litert')


def _name(config: ConfigLike) -> str:
    """How errors name a config: its file."""
    return (config.filename or 'the config') if isinstance(config, Config) else str(config)


def network_config(cfg: Mapping, source: str = 'the config') -> Mapping:
    """The config of the network that ``tools/test.py``, ``infer.py`` and ``deploy.py`` run.

    ``cfg.model``; for a distillation config (``model`` holds a ``student``
    dict), the student's: the teacher is then neither built nor loaded.

    Raises:
        ValueError: ``cfg`` has no ``model`` dict (the message names ``source``).
    """
    model = cfg.get('model')
    if not isinstance(model, Mapping):
        raise ValueError(f'{source} has no model dict (model = dict(type=...))')
    student = model.get('student')
    return student if isinstance(student, Mapping) else model


def load_network_weights(network: nn.Module, checkpoint: Union[str, os.PathLike]) -> None:
    """Load a checkpoint into ``network`` strictly, safely (``weights_only=True``).

    The checkpoint may be a plain or mmengine one, a DDP one, or a distillation
    checkpoint (its ``student.`` weights are used).

    Raises:
        FileNotFoundError, UnsafeCheckpointError, CheckpointMismatchError (keys
        or shapes that do not fit, listed), ValueError (no state dict): see
        :func:`mobilevos.utils.checkpoint.load_weights`.
    """
    load_weights(network, checkpoint, prefix=STUDENT_PREFIX, prefix_optional=True)


def init_model(config: ConfigLike,
               checkpoint: Optional[Union[str, os.PathLike]] = None,
               device: Union[str, torch.device] = 'cpu') -> nn.Module:
    """The network a config describes, with the checkpoint's weights, in eval mode.

    Args:
        config: config file or ``Config``; its ``custom_imports`` (plugins) are
            imported. A distillation config gives its student (see
            :func:`network_config`).
        checkpoint: weights, loaded strictly (see :func:`load_network_weights`);
            ``None`` keeps the initial weights.
        device: torch device.

    Returns:
        The network (e.g. an :class:`~mobilevos.models.vos.STMNetwork`).

    Raises:
        FileNotFoundError: the config or the checkpoint does not exist.
        ValueError / CheckpointMismatchError / UnsafeCheckpointError: the
            config has no model, or the checkpoint does not fit it.
    """
    source = _name(config)
    if isinstance(config, Config):
        cfg = config
    else:
        cfg = read_config(source)
    if 'custom_imports' in cfg:
        import_modules_from_strings(**cfg['custom_imports'])
    with config_keys_in_errors(cfg):  # an unregistered type=: name the config
        network = MODELS.build(network_config(cfg, source))
    if checkpoint is not None:
        load_network_weights(network, checkpoint)
    network.to(device)
    network.eval()  # some modules' train() returns None (e.g. mmseg's ResNet), so no chaining
    return network


def check_backend_args(backend: str = 'torch',
                       deploy_dir: Optional[str] = None,
                       precision: Optional[str] = None,
                       device: Union[str, torch.device] = 'cpu') -> None:
    """Check the choice of backend and its options (``--backend``, ``--deploy-dir``, ``--precision``).

    Raises:
        ValueError: an unknown backend; ``onnxruntime`` or ``litert`` without ``deploy_dir``
            or on a non-CPU device; ``deploy_dir`` or ``precision`` with ``torch``.
        UserError: a device that is not a torch device name, or not on this machine.
    """
    if backend not in BACKENDS:
        raise ValueError(f'backend {backend!r} is not one of {list(BACKENDS)}')
    if backend != 'torch':
        if not deploy_dir:
            raise ValueError(f'backend {backend} needs --deploy-dir (deploy_dir: a folder written by '
                             'tools/deploy.py)')
        if str(device).split(':')[0] != 'cpu':
            raise ValueError(f'backend {backend} runs on the CPU; got device {device}')
    elif deploy_dir is not None or precision is not None:
        raise ValueError('--deploy-dir and --precision (deploy_dir, precision) need --backend onnxruntime '
                         'or litert')
    check_device(device)


def build_segmenter(config: ConfigLike,
                    checkpoint: Optional[Union[str, os.PathLike]] = None,
                    backend: str = 'torch',
                    deploy_dir: Optional[str] = None,
                    precision: Optional[str] = None,
                    device: Union[str, torch.device] = 'cpu',
                    num_threads: Optional[int] = None,
                    network: Optional[nn.Module] = None) -> Union[nn.Module, ExportedNetwork]:
    """What segments frames for ``VideoInferencer``: the network, or its exported graphs (ORT, LiteRT).

    Args:
        config / checkpoint / device: see :func:`init_model`.
        backend: ``'torch'`` (eager PyTorch), ``'onnxruntime'`` or ``'litert'`` (the graphs in
            ``deploy_dir``; litert needs the environment of ``tools/install_litert.sh``).
        deploy_dir: a folder written by ``tools/deploy.py`` from ``config`` and
            ``checkpoint`` (checked by a digest of the weights); onnxruntime and litert only.
        precision: variant of the exported graphs (``'fp32'``, ``'int8'``); onnxruntime only.
        num_threads: the runtime's intra-op threads.
        network: the network ``config`` describes, already built (e.g. by the
            runner of ``tools/test.py``): ``checkpoint`` is loaded into it
            (strictly) instead of building another.

    Raises:
        ValueError: bad backend options (:func:`check_backend_args`), or see :func:`init_model`.
        DeployError / RuntimeInputError: ``deploy_dir`` is not a usable export of these weights.
    """
    check_backend_args(backend, deploy_dir, precision, device)
    if network is None:
        network = init_model(config, checkpoint, device=device)
    elif checkpoint is not None:
        load_network_weights(network, checkpoint)
    if backend == 'torch':
        return network
    source = f'{checkpoint} with {_name(config)}' if checkpoint else f'the initial weights of {_name(config)}'
    return load_runtime(deploy_dir,
                        network=network,
                        precision=precision,
                        num_threads=num_threads,
                        source=source,
                        backend=backend)


def build_inferencer(config: ConfigLike,
                     checkpoint: Optional[Union[str, os.PathLike]] = None,
                     memory: Optional[str] = None,
                     size: Optional[int] = None,
                     backend: str = 'torch',
                     deploy_dir: Optional[str] = None,
                     precision: Optional[str] = None,
                     device: Union[str, torch.device] = 'cpu',
                     optimize: bool = False) -> 'VideoInferencer':
    """A ``VideoInferencer`` around :func:`build_segmenter` (what ``tools/infer.py`` and the demo run).

    Args:
        config / checkpoint / backend / deploy_dir / precision / device: see :func:`build_segmenter`.
        memory: a ``--memory`` text (see :func:`mobilevos.inference.parse_memory`), read before
            the model is built; ``None`` for the network's ``test_memory``.
        size: process frames at this shorter side; ``None`` keeps their size.
        optimize: torch backend only: batch norms folded, channels-last weights (the same masks,
            faster on CPU; see ``VideoInferencer``).

    Raises:
        ValueError: a bad ``memory`` text, ``optimize`` with another backend, or see
            :func:`build_segmenter`.
    """
    from mobilevos.inference import VideoInferencer, parse_memory  # only this function needs them
    if optimize and backend != 'torch':
        raise ValueError(f'--optimize folds the batch norms of a torch network; it does not apply to '
                         f'--backend {backend} (the exported graphs have them folded already)')
    memory_cfg = parse_memory(memory) if memory is not None else None
    segmenter = build_segmenter(config,
                                checkpoint,
                                backend=backend,
                                deploy_dir=deploy_dir,
                                precision=precision,
                                device=device)
    return VideoInferencer(segmenter, memory=memory_cfg, device=device, size=size, optimize=optimize)
