"""Safe checkpoint loading and atomic checkpoint writing.

Loading
    mmengine 0.10.7 calls ``torch.load(path)`` without ``weights_only``. Since
    torch 2.6 that means ``weights_only=True``, and the checkpoints mmengine
    itself writes then fail to load (they hold a ``HistoryBuffer`` and numpy
    arrays in ``message_hub``). We do not switch safe loading off. Instead we
    load with ``weights_only=True`` and allow exactly the extra types that an
    mmengine checkpoint contains (:data:`CHECKPOINT_SAFE_GLOBALS`), and we
    register that loader for local paths in mmengine's ``CheckpointLoader``, so
    ``--resume`` and ``load_from`` use it too. Anything else in a checkpoint
    (arbitrary pickled objects) is refused with an error naming the file.

Writing
    ``AtomicLocalBackend`` (registered as the file backend ``'atomic_local'``)
    writes to a temporary file in the target folder, flushes it to disk, then
    renames it over the target. A run killed mid-write leaves the previous
    checkpoint intact, never a truncated one. Our runtime config points the
    ``CheckpointHook`` at it with ``backend_args=dict(backend='atomic_local')``.
"""
import collections
import os
import os.path as osp
import re
import tempfile
from pathlib import Path
from typing import Any, Callable, List, Optional, Union

import numpy as np
import torch
from mmengine.fileio import LocalBackend, register_backend
from mmengine.runner.checkpoint import CheckpointLoader


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


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint holds objects that safe loading refuses."""


def load_checkpoint_file(filename: Union[str, Path],
                         map_location: Union[str, torch.device, Callable, None] = 'cpu',
                         weights_only: bool = True) -> Any:
    """Load a checkpoint file, safely by default.

    Args:
        filename: path of a ``.pth`` file.
        map_location: as in :func:`torch.load`.
        weights_only: ``True`` (default) unpickles only tensors, plain
            containers and :data:`CHECKPOINT_SAFE_GLOBALS`. ``False`` runs
            arbitrary pickled code: pass it only for files you trust.

    Returns:
        Whatever was saved, usually a dict with ``state_dict`` and ``meta``.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafeCheckpointError: the file holds other objects; the message names
            the file and the refused global.
    """
    filename = osp.expanduser(str(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    if not weights_only:
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(CHECKPOINT_SAFE_GLOBALS):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except Exception as err:  # torch raises pickle.UnpicklingError with a long text
        if 'weights_only' not in str(err) and 'Unsupported global' not in str(err):
            raise RuntimeError(f'cannot read checkpoint {filename}: {err}') from err
        refused = re.search(r'Unsupported global: GLOBAL (\S+)', str(err))
        what = f'the global {refused.group(1)}' if refused else str(err).strip().splitlines()[-1]
        raise UnsafeCheckpointError(
            f'{filename} holds objects that safe loading (weights_only=True) refuses: {what}. '
            'If you trust this file, load it with weights_only=False.') from err


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename: str, map_location: Optional[str] = None) -> Any:
    """mmengine's loader for local paths, replaced by our safe one."""
    return load_checkpoint_file(filename, map_location=map_location, weights_only=True)


def _atomic_write(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` so that readers see all of it or none."""
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


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """A local file backend whose writes are atomic (temporary file + rename)."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        _atomic_write(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        _atomic_write(obj.encode(encoding), filepath)


def save_checkpoint_atomic(checkpoint: Any, filename: Union[str, Path]) -> None:
    """``torch.save`` a checkpoint atomically."""
    import io
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    _atomic_write(buffer.getvalue(), filename)
