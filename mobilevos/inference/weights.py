"""Load trained weights into a network, from a plain or a distillation checkpoint."""
from collections.abc import Mapping
from pathlib import Path
from typing import List, Tuple, Union

import torch.nn as nn

from mobilevos.engine import load_checkpoint_file


class CheckpointMismatchError(RuntimeError):
    """A checkpoint's keys do not match the network (strict loading)."""


#: Prefix of the student's weights in a distillation checkpoint.
STUDENT_PREFIX = 'student.'


def _strip(state: Mapping, prefix: str) -> dict:
    return {key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)}


def extract_state_dict(checkpoint, path: Union[str, Path] = 'checkpoint') -> dict:
    """The network weights held by a loaded checkpoint.

    Accepts an mmengine checkpoint (``{'state_dict': ..., 'meta': ...}``) or a
    bare state dict; drops a ``module.`` (DDP) prefix present on every key;
    when keys start with ``student.`` (a distillation checkpoint) keeps only
    those, without the prefix.

    Raises:
        ValueError: no state dict is found (the message names ``path``).
    """
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, Mapping) else checkpoint
    if not isinstance(state, Mapping) or not state:
        raise ValueError(f'{path} holds no state dict (found {type(state).__name__})')
    if all(key.startswith('module.') for key in state):
        state = _strip(state, 'module.')
    if any(key.startswith(STUDENT_PREFIX) for key in state):
        state = _strip(state, STUDENT_PREFIX)
    return dict(state)


def _listing(keys: List[str], limit: int = 20) -> str:
    shown = ', '.join(keys[:limit])
    return shown + (f', ... ({len(keys) - limit} more)' if len(keys) > limit else '')


def load_model_weights(model: nn.Module,
                       path: Union[str, Path],
                       strict: bool = True,
                       weights_only: bool = True) -> Tuple[List[str], List[str]]:
    """Load a checkpoint's network weights into ``model``.

    The file is read with :func:`mobilevos.engine.load_checkpoint_file`
    (``weights_only=True`` by default). See :func:`extract_state_dict` for the
    accepted layouts.

    Args:
        model: the network.
        path: ``.pth`` file.
        strict: raise when keys are missing or unexpected.
        weights_only: safe unpickling (only turn off for files you trust).

    Returns:
        ``(missing_keys, unexpected_keys)``.

    Raises:
        FileNotFoundError / UnsafeCheckpointError: from ``load_checkpoint_file``.
        ValueError: the file holds no state dict, or a tensor's shape differs
            from the model's (listed).
        CheckpointMismatchError: ``strict`` and keys are missing or unexpected (listed).
    """
    state = extract_state_dict(load_checkpoint_file(path, map_location='cpu', weights_only=weights_only),
                               path)
    own = model.state_dict()
    mismatched = [
        f'{key} {tuple(value.shape)} vs model {tuple(own[key].shape)}' for key, value in state.items()
        if key in own and hasattr(value, 'shape') and tuple(value.shape) != tuple(own[key].shape)
    ]
    if mismatched:
        raise ValueError(f'{path} does not fit {type(model).__name__}: {len(mismatched)} tensors have other '
                         f'shapes: {_listing(mismatched)}')
    result = model.load_state_dict(state, strict=False)
    missing, unexpected = list(result.missing_keys), list(result.unexpected_keys)
    if strict and (missing or unexpected):
        raise CheckpointMismatchError(f'{path} does not match {type(model).__name__}: '
                                      f'{len(missing)} missing keys [{_listing(missing)}]; '
                                      f'{len(unexpected)} unexpected keys [{_listing(unexpected)}]')
    return missing, unexpected
