"""Turn a config plus command-line choices into an mmengine ``Runner``.

``tools/train.py`` and ``tools/test.py`` are thin wrappers around these
functions, so that tests can drive exactly what the tools do.
"""
import logging
import os.path as osp
import re
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger
from mmengine.runner import Runner

from mobilevos.registry import RUNNERS
from mobilevos.utils.cli import UserError
from mobilevos.utils.checkpoint import check_resumable
from mobilevos.utils.config import merge_options

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
        merge_options(cfg, cfg_options, config_path)
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
        check_resumable(resume)
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
        merge_options(cfg, cfg_options, config_path)
    cfg.model = network_config(cfg, config_path)
    _set_work_dir(cfg, config_path, work_dir)
    _set_launcher(cfg, launcher)
    # tools/test.py loads the checkpoint itself, strictly, into the evaluated network
    # (mmengine's load_from is lenient and would load a distiller's teacher too).
    cfg.load_from = None
    cfg.resume = False
    return cfg


#: Log messages that go to the log file but not to the terminal (``--verbose`` shows them):
#: mmengine's environment and config dumps, its hook table, its weight-initialisation report
#: ('\n<parameter> - torch.Size([...]): \n<KaimingInit: ...>', printed when the logger has no
#: file), its note that SyncBN is reverted without DDP, and two deprecation notes about its internals.
FILE_ONLY_MESSAGES = re.compile('|'.join([
    r'\n-{60}\nSystem environment:',
    r'Config:\n',
    r'Hooks will be executed in the following order',
    r'Distributed training is not used, all SyncBatchNorm',
    r'\n\S+ - torch\.Size\(',
    r'"FileClient" will be deprecated',
    r'"HardDiskBackend" is the alias of "LocalBackend"',
]))


class _FileOnlyFilter(logging.Filter):
    """Drop :data:`FILE_ONLY_MESSAGES` (set on the terminal handler only)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return FILE_ONLY_MESSAGES.match(record.getMessage()) is None


def quiet_console(logger: logging.Logger) -> None:
    """Keep :data:`FILE_ONLY_MESSAGES` off ``logger``'s terminal; its log file keeps everything."""
    for handler in logger.handlers:
        if type(handler) is logging.StreamHandler and not any(  # a FileHandler is a StreamHandler too
                isinstance(f, _FileOnlyFilter) for f in handler.filters):
            handler.addFilter(_FileOnlyFilter())


class _QuietConsoleRunner(Runner):
    """mmengine's ``Runner``, with :func:`quiet_console` applied to its logger as soon as it exists."""

    def build_logger(self, *args, **kwargs) -> MMLogger:
        logger = super().build_logger(*args, **kwargs)
        quiet_console(logger)
        return logger


#: The default hooks that mmengine itself adds; ``None`` in the config removes one of them.
_MMENGINE_DEFAULT_HOOKS = ('runtime_info', 'timer', 'sampler_seed', 'logger', 'param_scheduler', 'checkpoint')


def _drop_switched_off_hooks(cfg: Config) -> None:
    """Remove ``default_hooks`` entries set to ``None`` that mmengine would reject (e.g. ``exact_resume``)."""
    hooks = cfg.get('default_hooks') or {}
    for name in [n for n, hook in hooks.items() if hook is None and n not in _MMENGINE_DEFAULT_HOOKS]:
        hooks.pop(name)


def build_runner(cfg: Config, verbose: bool = False) -> Runner:
    """Build the runner a config asks for (``runner_type``, else ``Runner``).

    Importing :mod:`mobilevos.engine` makes mmengine load local checkpoints
    with our safe loader (``weights_only=True``); the runner also gets a
    :class:`~mobilevos.engine.WeightsOnlyCheckpointHook`, so that the
    checkpoints it writes stay loadable that way, and a
    :class:`~mobilevos.engine.FiniteLossHook`, which stops training on a NaN
    or infinite loss term.

    A ``default_hooks`` entry set to ``None`` switches that hook off, our own
    ones (``exact_resume``) included.

    Args:
        cfg: the prepared config.
        verbose: also print to the terminal what only the log file gets by
            default (:data:`FILE_ONLY_MESSAGES`: environment, config, hooks,
            weight initialisation). A ``runner_type`` runner always prints them.
    """
    from mobilevos.engine import FiniteLossHook, WeightsOnlyCheckpointHook  # also installs the safe loader
    from mobilevos.engine.distributed import init_cpu_process_group
    if cfg.get('launcher', 'none') == 'pytorch' and not torch.cuda.is_available():
        # mmengine's own initialisation calls torch.cuda.set_device, which fails on CPU.
        init_cpu_process_group(cfg.env_cfg.dist_cfg.get('backend', 'gloo'))
    _drop_switched_off_hooks(cfg)
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = (Runner if verbose else _QuietConsoleRunner).from_cfg(cfg)
    for hook_type in (WeightsOnlyCheckpointHook, FiniteLossHook):
        if not any(isinstance(hook, hook_type) for hook in runner.hooks):
            runner.register_hook(hook_type())
    return runner
