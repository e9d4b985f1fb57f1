"""Read a config file and check a device name, with errors naming the file or option (tool error policy)."""
import os.path as osp

import torch
from mmengine.config import Config

from .cli import ConfigError, UserError


def read_config(path: str, what: str = 'config file') -> Config:
    """Read an mmengine config file.

    Args:
        path: the ``.py`` config (its ``_base_`` files are read too).
        what: how messages call the file, e.g. ``'deploy config'``.

    Returns:
        The :class:`mmengine.config.Config`.

    Raises:
        FileNotFoundError: ``path`` does not exist (named).
        ConfigError: the file (or one of its ``_base_`` files) cannot be read:
            a syntax error, a missing base, a bad import. The message names the
            file, and for a syntax error the line.
    """
    path = str(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path} does not exist')
    try:
        return Config.fromfile(path)
    except SyntaxError as err:
        where = f'{err.filename or path}, line {err.lineno}'
        raise ConfigError(f'{what} {path} cannot be read: syntax error at {where}: {err.msg}') from err
    except Exception as err:  # mmengine raises many types (KeyError, ImportError, FileNotFoundError...)
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise ConfigError(f'{what} {path} cannot be read: {type(err).__name__}: {first}') from err


def merge_options(cfg: Config, options: dict, path: str) -> Config:
    """Merge ``--cfg-options`` into ``cfg`` (read from ``path``), in place; return ``cfg``.

    Raises:
        ConfigError: an option that cannot be merged (for example a dict set where the config
            holds ``None``); the message names the config file and says how to replace the value.
    """
    try:
        cfg.merge_from_dict(options)
    except (TypeError, KeyError) as err:
        first = (str(err).strip().strip('"').splitlines() or [type(err).__name__])[0]
        raise ConfigError(f'--cfg-options cannot be applied to {path}: {first} (to replace a whole value, '
                          'write a small config with `_base_ = [...]` and `_delete_=True`)') from err
    return cfg


def check_device(device: str, option: str = '--device') -> torch.device:
    """The :class:`torch.device` named by ``device``, or a :class:`UserError` naming ``option``.

    Refused: a name torch does not parse (``'gpu'``), a type other than cpu,
    cuda and mps, a CUDA device where CUDA is not available or the index is out
    of range, and mps where MPS is not available.
    """
    try:
        parsed = torch.device(device)
    except RuntimeError as err:
        raise UserError(f'{option} {device}: not a torch device name (e.g. cpu, cuda, cuda:0)') from err
    if parsed.type == 'cuda':
        if not torch.cuda.is_available():
            raise UserError(f'{option} {device}: CUDA is not available on this machine; use {option} cpu')
        if parsed.index is not None and parsed.index >= torch.cuda.device_count():
            raise UserError(f'{option} {device}: this machine has {torch.cuda.device_count()} CUDA device(s)')
    elif parsed.type == 'mps':
        if not torch.backends.mps.is_available():
            raise UserError(f'{option} {device}: MPS is not available on this machine; use {option} cpu')
    elif parsed.type != 'cpu':
        raise UserError(f'{option} {device}: only cpu, cuda and mps devices are supported')
    return parsed
