"""mmengine hook-up of :mod:`mobilevos.utils.checkpoint`: safe loading and atomic writing for the runner.

Importing this module (``mobilevos.engine`` does)

- registers :func:`~mobilevos.utils.checkpoint.load_checkpoint_file` as the
  loader for local paths in mmengine's ``CheckpointLoader``, so ``--resume``
  and ``load_from`` load with ``weights_only=True`` and the allowed globals;
- registers :class:`AtomicLocalBackend` as the file backend ``'atomic_local'``,
  whose writes are atomic. Our runtime config points the ``CheckpointHook`` at
  it with ``backend_args=dict(backend='atomic_local')``.
"""
from pathlib import Path
from typing import Any, Optional, Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.runner.checkpoint import CheckpointLoader

from mobilevos.utils.checkpoint import atomic_write, load_checkpoint_file


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local(filename: str, map_location: Optional[str] = None) -> Any:
    """mmengine's loader for local paths, replaced by our safe one."""
    return load_checkpoint_file(filename, map_location=map_location, weights_only=True)


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """A local file backend whose writes are atomic (temporary file + rename)."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write(obj.encode(encoding), filepath)
