"""Turn a config plus command-line choices into an mmengine ``Runner``.

``tools/train.py`` and ``tools/test.py`` are thin wrappers around these
functions, so that tests can drive exactly what the tools do.
"""
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mobilevos.registry import RUNNERS
from mobilevos.utils.cli import UserError

from .inference import network_config


def _set_work_dir(cfg: Config, config_path: str, work_dir: Optional[str]) -> None:
    # Priority: command line > config > work_dirs/<config file name>.
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config_path))[0])


def _set_launcher(cfg: Config, launcher: str) -> None:
    """Record the launcher; on a machine without GPUs, switch DDP to CPU processes.

    On CPU: the backend becomes gloo (NCCL needs GPUs), and the model wrapper
    becomes :class:`~mobilevos.engine.distributed.CPUDistributedDataParallel`
    (mmengine's default passes GPU ``device_ids``). ``sync_bn`` in the config
    (any value) asks it to synchronise batch norms across processes.
    """
    cfg.launcher = launcher
    if launcher == 'none' or torch.cuda.is_available():
        return
    env_cfg = cfg.setdefault('env_cfg', {})
    env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg', None) or {}
    if wrapper.get('type', 'MMDistributedDataParallel') == 'MMDistributedDataParallel':
        sync_bn = cfg.pop('sync_bn', None) is not None
        cfg.model_wrapper_cfg = dict(
            type='mobilevos.CPUDistributedDataParallel',  # scoped: mmengine looks it up in its root
            sync_bn=sync_bn,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))


def prepare_train_config(cfg: Config,
                         config_path: str,
                         work_dir: Optional[str] = None,
                         resume: Optional[str] = None,
                         amp: bool = False,
                         launcher: str = 'none',
                         cfg_options: Optional[dict] = None) -> Config:
    """Apply the ``tools/train.py`` options to a loaded config.

    Args:
        cfg: the config, as read by ``Config.fromfile``.
        config_path: its path (names the default work dir).
        work_dir: ``--work-dir``.
        resume: ``None`` (start fresh), ``'auto'`` (latest checkpoint in the
            work dir) or a checkpoint path.
        amp: ``--amp``: switch the optimizer wrapper to ``AmpOptimWrapper``.
        launcher: ``--launcher``.
        cfg_options: ``--cfg-options``, merged last.

    Returns:
        The same config object, changed in place.
    """
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    _set_work_dir(cfg, config_path, work_dir)
    _set_launcher(cfg, launcher)
    if amp:
        if not torch.cuda.is_available():
            raise UserError('--amp needs a CUDA device; this machine has none.')
        optim_wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_wrapper not in ('OptimWrapper', 'AmpOptimWrapper'):
            raise UserError(f'--amp works with OptimWrapper, but the config uses {optim_wrapper}.')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif resume is not None:
        if not osp.isfile(resume):
            raise UserError(f'--resume checkpoint not found: {resume}')
        cfg.resume = True
        cfg.load_from = resume
    else:
        cfg.resume = False
    return cfg


def prepare_test_config(cfg: Config,
                        config_path: str,
                        checkpoint: str,
                        work_dir: Optional[str] = None,
                        launcher: str = 'none',
                        cfg_options: Optional[dict] = None) -> Config:
    """Apply the ``tools/test.py`` options to a loaded config.

    A distillation config (its ``model`` has a ``student``) is tested as its
    student alone: the teacher is neither built nor loaded.
    """
    if not osp.isfile(checkpoint):
        raise UserError(f'checkpoint not found: {checkpoint}')
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.model = network_config(cfg, config_path)
    _set_work_dir(cfg, config_path, work_dir)
    _set_launcher(cfg, launcher)
    # tools/test.py loads the checkpoint itself, strictly, into the evaluated network
    # (mmengine's load_from is lenient and would load a distiller's teacher too).
    cfg.load_from = None
    cfg.resume = False
    return cfg


def build_runner(cfg: Config) -> Runner:
    """Build the runner a config asks for (``runner_type``, else ``Runner``).

    Importing :mod:`mobilevos.engine` makes mmengine load local checkpoints
    with our safe loader (``weights_only=True``); the runner also gets a
    :class:`~mobilevos.engine.WeightsOnlyCheckpointHook`, so that the
    checkpoints it writes stay loadable that way, and a
    :class:`~mobilevos.engine.FiniteLossHook`, which stops training on a NaN
    or infinite loss term.
    """
    from mobilevos.engine import FiniteLossHook, WeightsOnlyCheckpointHook  # also installs the safe loader
    from mobilevos.engine.distributed import init_cpu_process_group
    if cfg.get('launcher', 'none') == 'pytorch' and not torch.cuda.is_available():
        # mmengine's own initialisation calls torch.cuda.set_device, which fails on CPU.
        init_cpu_process_group(cfg.env_cfg.dist_cfg.get('backend', 'gloo'))
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
    for hook_type in (WeightsOnlyCheckpointHook, FiniteLossHook):
        if not any(isinstance(hook, hook_type) for hook in runner.hooks):
            runner.register_hook(hook_type())
    return runner
