"""Checkpoint files: safe loading, atomic writing, state dicts, strict loading into a module.

This module imports nothing from the rest of mobilevos but :class:`~mobilevos.utils.cli.UserError` (the
base of its errors, which the tools report without a traceback), so every layer (models,
inference, deploy, engine, apis, tools) can use it.

Loading
    mmengine 0.10.7 calls ``torch.load(path)`` without ``weights_only``. Since
    torch 2.6 that means ``weights_only=True``, and the checkpoints mmengine
    itself writes then fail to load (they hold a ``HistoryBuffer`` and numpy
    arrays in ``message_hub``). We do not switch safe loading off. Instead
    :func:`load_checkpoint_file` loads with ``weights_only=True`` and allows
    exactly the extra types that an mmengine checkpoint contains
    (:data:`CHECKPOINT_SAFE_GLOBALS`). Anything else in a checkpoint (arbitrary
    pickled objects) is refused with an error naming the file.
    :mod:`mobilevos.engine.checkpoint` registers this loader in mmengine's
    ``CheckpointLoader``, so ``--resume`` and ``load_from`` use it too.

Writing
    :func:`atomic_write` writes to a temporary file in the target folder,
    flushes it to disk, then renames it over the target: a run killed mid-write
    leaves the previous file intact, never a truncated one.

State dicts
    :func:`extract_state_dict` finds the weights in a loaded checkpoint (an
    mmengine checkpoint, a bare state dict, a DDP one, the student of a
    distillation checkpoint); :func:`load_state_dict_strict` loads them and
    raises one :class:`CheckpointMismatchError` listing what does not fit.
"""
import collections
import io
import os
import os.path as osp
import re
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Union

import numpy as np
import torch
import torch.nn as nn

from .cli import UserError

PathLike = Union[str, Path]

#: Prefix of the student's weights in a distillation checkpoint (``SingleTeacherDistiller.student``).
STUDENT_PREFIX = 'student.'

#: Prefix that ``DistributedDataParallel`` puts on every key.
DDP_PREFIX = 'module.'


def _numpy_globals() -> List[Any]:
    """The numpy callables and classes a pickled array or scalar refers to."""
    found: List[Any] = [np.ndarray, np.dtype]
    for module_name in ('numpy._core.multiarray', 'numpy.core.multiarray'):
        try:
            module = __import__(module_name, fromlist=['_reconstruct', 'scalar'])
        except ImportError:
            continue
        found += [module._reconstruct, module.scalar]
        break
    # numpy >= 1.25 pickles dtypes as instances of per-type classes.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        found += [getattr(dtypes, name) for name in dir(dtypes) if name.endswith('DType')]
    return found


#: Types, beyond tensors and plain containers, that mmengine checkpoints hold:
#: numpy arrays and scalars (runtime info), ``Counter`` (MultiStepLR milestones).
#: ``HistoryBuffer`` objects are stored as plain lists by
#: :class:`~mobilevos.engine.hooks.WeightsOnlyCheckpointHook`, because
#: unpickling them needs the builtin ``getattr``, which is never safe.
CHECKPOINT_SAFE_GLOBALS: List[Any] = [collections.Counter, *_numpy_globals()]


class UnsafeCheckpointError(UserError, RuntimeError):
    """A checkpoint holds objects that safe loading refuses."""


class CheckpointReadError(UserError, RuntimeError):
    """A checkpoint file cannot be read: truncated, corrupt, or not a PyTorch checkpoint."""


class CheckpointMismatchError(UserError, ValueError):
    """A checkpoint's weights do not fit a module: keys missing or unexpected, or shapes differ."""


def load_checkpoint_file(filename: PathLike,
                         map_location: Union[str, torch.device, Callable, None] = 'cpu',
                         weights_only: bool = True,
                         mmap: bool = False) -> Any:
    """Load a checkpoint file, safely by default.

    Args:
        filename: path of a ``.pth`` file.
        map_location: as in :func:`torch.load`.
        weights_only: ``True`` (default) unpickles only tensors, plain
            containers and :data:`CHECKPOINT_SAFE_GLOBALS`. ``False`` runs
            arbitrary pickled code: pass it only for files you trust.
        mmap: map the file's tensors instead of reading them (cheap when only
            the keys are looked at).

    Returns:
        Whatever was saved, usually a dict with ``state_dict`` and ``meta``.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafeCheckpointError: the file holds other objects; the message names
            the file and the refused global.
        CheckpointReadError: the file is not a readable checkpoint (e.g. a
            copy cut short); the message names it.
    """
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    if not weights_only:
        return torch.load(filename, map_location=map_location, weights_only=False, mmap=mmap)
    try:
        with torch.serialization.safe_globals(CHECKPOINT_SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location, weights_only=True, mmap=mmap)
    except Exception as err:  # torch raises pickle.UnpicklingError with a long text
        # every failure of the safe unpickler mentions weights_only (random bytes too): only a refused
        # global means a readable file with objects that safe loading will not build
        if 'Unsupported global' not in str(err):
            unpickler = re.search(r'WeightsUnpickler error:\s*(\S[^\n]*)', str(err))
            first = (str(err).splitlines() or [''])[0].split('. ')[0]
            detail = unpickler.group(1) if unpickler else f'{type(err).__name__}: {first}'.rstrip(': ')
            raise CheckpointReadError(
                f'cannot read checkpoint {filename}: it is truncated, corrupt or not a PyTorch checkpoint '
                f'({detail[:160]}). Copy or download it again.') from err
        refused = re.search(r'Unsupported global: GLOBAL (\S+)', str(err))
        what = f'the global {refused.group(1)}' if refused else str(err).strip().splitlines()[-1]
        raise UnsafeCheckpointError(
            f'{filename} holds objects that safe loading (weights_only=True) refuses: {what}. '
            'If you trust this file, load it with weights_only=False.') from err


def check_resumable(filename: PathLike) -> None:
    """Raise a :class:`UserError` when ``filename`` lacks the optimizer state that ``--resume`` restores.

    mmengine saves ``best_*.pth`` without the optimizer and the lr schedulers; resuming from one would
    silently go on with fresh Adam moments and a schedule counted from the resumed iteration (an lr
    milestone would come that many iterations late), so it is refused with what to do instead.
    """
    checkpoint = load_checkpoint_file(filename, mmap=zipfile.is_zipfile(filename))  # legacy files: no mmap
    if not isinstance(checkpoint, dict) or 'optimizer' not in checkpoint:
        raise UserError(
            f'--resume {filename}: this checkpoint holds weights but no optimizer or lr-scheduler state '
            '(mmengine saves best_*.pth that way), so training would not continue as the run did: fresh '
            'Adam moments, and the lr milestones counted again from the resumed iteration. Resume from '
            "an iter_*.pth of the run (raise default_hooks.checkpoint.max_keep_ckpts to keep them), or "
            f'start a new run from these weights with --cfg-options load_from={filename}')


def atomic_write(data: bytes, filepath: PathLike) -> None:
    """Write ``data`` to ``filepath`` so that readers see all of it or none (temporary file + rename)."""
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=f'.{osp.basename(filepath)}.', suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_path, filepath)
    except BaseException:
        if osp.exists(tmp_path):
            os.remove(tmp_path)
        raise


def save_checkpoint_atomic(checkpoint: Any, filename: PathLike) -> None:
    """``torch.save`` a checkpoint atomically (see :func:`atomic_write`)."""
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    atomic_write(buffer.getvalue(), filename)


def _strip(state: Mapping, prefix: str) -> Dict[str, Any]:
    return {key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)}


def _listing(keys: List[str], limit: int = 20) -> str:
    shown = ', '.join(keys[:limit])
    return shown + (f', ... ({len(keys) - limit} more)' if len(keys) > limit else '')


def extract_state_dict(checkpoint: Any,
                       prefix: Optional[str] = None,
                       source: str = 'checkpoint',
                       prefix_optional: bool = False) -> Dict[str, Any]:
    """The weights held by a loaded checkpoint.

    Accepts an mmengine checkpoint (``{'state_dict': ..., 'meta': ...}``) or a
    bare state dict, and drops a ``module.`` (DDP) prefix present on every key.

    Args:
        checkpoint: what :func:`load_checkpoint_file` returned.
        prefix: keep only the keys that start with it, without it (e.g.
            :data:`STUDENT_PREFIX`: the student of a distillation checkpoint);
            ``None`` keeps every key.
        source: names the checkpoint in errors (its path).
        prefix_optional: when no key starts with ``prefix``, return every key
            instead of raising (a student-only or plain checkpoint).

    Returns:
        ``{key: tensor}``.

    Raises:
        ValueError: no state dict is found, or no key starts with ``prefix``
            (the message names ``source`` and shows the first keys).
    """
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, Mapping) else checkpoint
    if not isinstance(state, Mapping) or not state:
        raise ValueError(f'{source} holds no state dict (found {type(state).__name__})')
    if all(key.startswith(DDP_PREFIX) for key in state):
        state = _strip(state, DDP_PREFIX)
    if prefix is not None:
        kept = _strip(state, prefix)
        if kept:
            return kept
        if not prefix_optional:
            raise ValueError(f'{source}: no key starts with {prefix!r} (first keys: {list(state)[:5]})')
    return dict(state)


def load_state_dict_strict(module: nn.Module, state_dict: Mapping, source: str = 'checkpoint') -> None:
    """Load ``state_dict`` into ``module``; every key must match, with the same shape.

    Raises:
        CheckpointMismatchError: tensors with other shapes, missing keys or
            unexpected keys; the message names ``source`` and the module and
            lists the keys.
    """
    own = module.state_dict()
    mismatched = [
        f'{key} {tuple(value.shape)} vs model {tuple(own[key].shape)}' for key, value in state_dict.items()
        if key in own and hasattr(value, 'shape') and tuple(value.shape) != tuple(own[key].shape)
    ]
    if mismatched:
        raise CheckpointMismatchError(f'{source} does not fit {type(module).__name__}: {len(mismatched)} '
                                      f'tensors have other shapes: {_listing(mismatched)}')
    result = module.load_state_dict(state_dict, strict=False)
    missing, unexpected = list(result.missing_keys), list(result.unexpected_keys)
    if missing or unexpected:
        raise CheckpointMismatchError(f'{source} does not match {type(module).__name__}: '
                                      f'{len(missing)} missing keys [{_listing(missing)}]; '
                                      f'{len(unexpected)} unexpected keys [{_listing(unexpected)}]')


def load_weights(module: nn.Module,
                 filename: PathLike,
                 prefix: Optional[str] = None,
                 prefix_optional: bool = False,
                 source: Optional[str] = None) -> None:
    """Read a checkpoint file safely and load its weights into ``module`` strictly.

    Args:
        module: the network.
        filename: ``.pth`` file, read with :func:`load_checkpoint_file` (``weights_only=True``).
        prefix / prefix_optional: which keys, see :func:`extract_state_dict`.
        source: names the file in errors (default: its path).

    Raises:
        FileNotFoundError / UnsafeCheckpointError: from :func:`load_checkpoint_file`.
        ValueError: no state dict, or no key under ``prefix``.
        CheckpointMismatchError: see :func:`load_state_dict_strict`.
    """
    source = source or str(filename)
    checkpoint = load_checkpoint_file(filename, map_location='cpu')
    state = extract_state_dict(checkpoint, prefix, source=source, prefix_optional=prefix_optional)
    load_state_dict_strict(module, state, source=source)
