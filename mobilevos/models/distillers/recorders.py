"""Recorders: capture what a model computes during an ordinary forward pass.

A recorder is named in a config by the module path (``'decoder.conv'``) or
method path (``'frame_labels'``, ``'decoder.frame_labels'``) of the model it
watches, relative to that model. It is attached to one model instance (never a
class or a global function), records only while its manager is active (a
``with`` block around the forward), and keeps every call's data in order, so a
module called once per frame yields one record per frame.

Registered in ``TASK_UTILS`` under a short name and the class name:

====================  ==============================  ============================
``type``              what one call records           how
====================  ==============================  ============================
``ModuleOutputs``     the module's forward output     a forward hook
``ModuleInputs``      the module's positional inputs  a forward pre-hook (a tuple)
``MethodOutputs``     a method's return value         a wrapper set on the instance
====================  ==============================  ============================
"""
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn

from mobilevos.registry import TASK_UTILS


#: What ``record_idx`` may be: an int, ``None``, a slice string ('1:') or a list of ints.
RecordIndex = Union[int, None, str, Sequence[int]]


def parse_record_slice(text: str) -> slice:
    """``'1:'`` -> ``slice(1, None)``; raise ``ValueError`` for anything but ``start:stop[:step]`` ints."""
    parts = text.split(':')
    if len(parts) not in (2, 3):
        raise ValueError(f"record_idx {text!r} is not a slice such as '1:' or '0:-1'")
    try:
        values = [int(p) if p.strip() else None for p in parts]
    except ValueError as err:
        raise ValueError(f"record_idx {text!r} is not a slice such as '1:' or '0:-1'") from err
    return slice(*values)


def _clone(data: Any) -> Any:
    if isinstance(data, torch.Tensor):
        return data.clone()
    if isinstance(data, (tuple, list)):
        return type(data)(_clone(d) for d in data)
    if isinstance(data, dict):
        return {k: _clone(v) for k, v in data.items()}
    return data


class BaseRecorder:
    """Common behaviour: a buffer of records, a source path, start/stop.

    Args:
        source: path of the watched module or method, relative to the model
            (``''`` for a module recorder means the model itself).
        clone: store a clone of each record, for outputs that later code
            changes in place (e.g. an in-place ReLU after the recorded conv).
    """

    kind = 'record'

    def __init__(self, source: str, clone: bool = False) -> None:
        if not isinstance(source, str):
            raise TypeError(f'{type(self).__name__}: source must be a str path, got {type(source).__name__}')
        self.source = source
        self.clone = clone
        self.data_buffer: List[Any] = []
        self.name = '?'
        self.owner = 'model'
        self._active = False

    def prepare(self, model: nn.Module, name: str = '?', owner: str = 'model') -> None:
        """Resolve ``source`` in ``model``; raise ``ValueError`` naming it when it does not exist."""
        self.name = name
        self.owner = owner
        self._prepare(model)

    def _prepare(self, model: nn.Module) -> None:
        raise NotImplementedError

    def start(self) -> None:
        """Empty the buffer and start recording."""
        self.data_buffer = []
        self._active = True
        self._attach()

    def stop(self) -> None:
        """Stop recording; the buffer is kept until the next ``start``."""
        self._active = False
        self._detach()

    def _attach(self) -> None:
        raise NotImplementedError

    def _detach(self) -> None:
        raise NotImplementedError

    def record(self, data: Any) -> None:
        if self._active:
            self.data_buffer.append(_clone(data) if self.clone else data)

    def _describe(self) -> str:
        return f"{self.owner} recorder {self.name!r} ({type(self).__name__} of {self.source!r})"

    def get_record_data(self, record_idx: RecordIndex = 0, data_idx: Union[int, str, None] = None) -> Any:
        """One recorded item, or several concatenated along dim 0.

        Args:
            record_idx: which call(s) of the module or method:

                - an int: that call (0-based; negative counts from the end);
                - ``None``: every call, concatenated along dim 0;
                - a slice string such as ``'1:'`` or ``':-1'`` (Python slice
                  syntax): those calls, concatenated;
                - a list of ints: those calls, concatenated.

                Concatenation needs tensors; a single selected call is returned
                as it is.
            data_idx: element of a tuple/list (or key of a dict) record, taken
                from each selected call; ``None`` takes the record as it is,
                except that a 1-tuple is unwrapped.

        Raises:
            RuntimeError: nothing was recorded, an index is out of range, or
                concatenation meets records that are not tensors.
        """
        if not self.data_buffer:
            raise RuntimeError(f'{self._describe()} recorded nothing in the last forward pass: '
                               'the module or method was not called')
        count = len(self.data_buffer)
        if isinstance(record_idx, int):
            if not -count <= record_idx < count:
                raise RuntimeError(f'{self._describe()}: record_idx={record_idx}, but the last forward pass '
                                   f'recorded {count} call(s)')
            return self._select(self.data_buffer[record_idx], data_idx)
        if record_idx is None:
            chosen = list(self.data_buffer)
        elif isinstance(record_idx, str):
            chosen = self.data_buffer[parse_record_slice(record_idx)]
        else:
            bad = [i for i in record_idx if not -count <= i < count]
            if bad:
                raise RuntimeError(f'{self._describe()}: record_idx {bad} out of range; the last forward pass '
                                   f'recorded {count} call(s)')
            chosen = [self.data_buffer[i] for i in record_idx]
        if not chosen:
            raise RuntimeError(f'{self._describe()}: record_idx={record_idx!r} selects none of the {count} call(s)')
        items = [self._select(d, data_idx) for d in chosen]
        if len(items) == 1:
            return items[0]
        if not all(isinstance(t, torch.Tensor) for t in items):
            raise RuntimeError(f'{self._describe()}: record_idx={record_idx!r} concatenates tensors, but the '
                               f'records are {[type(t).__name__ for t in items]}; set data_idx or an int record_idx')
        return torch.cat(items, dim=0)

    def _select(self, data: Any, data_idx: Union[int, str, None]) -> Any:
        if data_idx is None:
            if isinstance(data, tuple) and len(data) == 1:
                return data[0]
            return data
        try:
            return data[data_idx]
        except (IndexError, KeyError, TypeError) as err:
            raise RuntimeError(f'{self._describe()}: data_idx={data_idx!r} does not select anything from a '
                               f'{type(data).__name__} record') from err

    def __repr__(self) -> str:
        return f'{type(self).__name__}(source={self.source!r})'


class _ModuleRecorder(BaseRecorder):

    def __init__(self, source: str, clone: bool = False) -> None:
        super().__init__(source, clone)
        self.module: Optional[nn.Module] = None
        self._handle = None

    def _prepare(self, model: nn.Module) -> None:
        try:
            self.module = model.get_submodule(self.source)
        except AttributeError as err:
            top = [n for n, _ in model.named_children()]
            raise ValueError(f'{self._describe()}: the {self.owner} ({type(model).__name__}) has no module '
                             f'{self.source!r}; its top-level modules are {top}') from err

    def _detach(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None


@TASK_UTILS.register_module(name=['ModuleOutputs', 'ModuleOutputsRecorder'])
class ModuleOutputsRecorder(_ModuleRecorder):
    """Records the forward output of the module at ``source``."""

    def _attach(self) -> None:
        self._detach()
        self._handle = self.module.register_forward_hook(lambda module, args, output: self.record(output))


@TASK_UTILS.register_module(name=['ModuleInputs', 'ModuleInputsRecorder'])
class ModuleInputsRecorder(_ModuleRecorder):
    """Records the positional inputs (a tuple) of the module at ``source``."""

    def _attach(self) -> None:
        self._detach()
        self._handle = self.module.register_forward_pre_hook(lambda module, args: self.record(args))


@TASK_UTILS.register_module(name=['MethodOutputs', 'MethodOutputsRecorder'])
class MethodOutputsRecorder(BaseRecorder):
    """Records the return value of a method of the model (or of one of its modules).

    ``source='frame_labels'`` watches ``model.frame_labels``;
    ``source='decoder.frame_labels'`` watches ``model.decoder.frame_labels``.
    While recording, a wrapper is set as an attribute of that one instance;
    ``stop`` removes it, so the class and other instances are never touched.
    """

    def __init__(self, source: str, clone: bool = False) -> None:
        super().__init__(source, clone)
        self.owner_obj: Optional[nn.Module] = None
        self.method_name = ''
        self._saved: Optional[Dict[str, Any]] = None

    def _prepare(self, model: nn.Module) -> None:
        path, _, method = self.source.rpartition('.')
        try:
            obj = model.get_submodule(path) if path else model
        except AttributeError as err:
            raise ValueError(f'{self._describe()}: the {self.owner} ({type(model).__name__}) has no module '
                             f'{path!r}') from err
        if not callable(getattr(obj, method, None)) or isinstance(getattr(obj, method), nn.Module):
            raise ValueError(f'{self._describe()}: {type(obj).__name__} has no method {method!r}')
        self.owner_obj = obj
        self.method_name = method

    def _attach(self) -> None:
        self._detach()
        obj, name = self.owner_obj, self.method_name
        self._saved = dict(had_instance_attr=name in obj.__dict__, value=obj.__dict__.get(name))
        original: Callable = getattr(obj, name)

        def recording_wrapper(*args, **kwargs):
            output = original(*args, **kwargs)
            self.record(output)
            return output

        object.__setattr__(obj, name, recording_wrapper)

    def _detach(self) -> None:
        if self._saved is None:
            return
        obj, name = self.owner_obj, self.method_name
        if self._saved['had_instance_attr']:
            object.__setattr__(obj, name, self._saved['value'])
        else:
            obj.__dict__.pop(name, None)
        self._saved = None


class RecorderManager:
    """The named recorders of one model, started and stopped together.

    Args:
        recorders: ``{name: cfg}``; each cfg is a ``TASK_UTILS`` dict such as
            ``dict(type='ModuleOutputs', source='neck')``, or a built recorder.
        owner: 'student' or 'teacher', used in error messages.

    Use as a context manager around a forward pass::

        with manager:
            model(inputs)
        feat = manager.get_recorder('feat').get_record_data(0)
    """

    def __init__(self, recorders: Optional[Dict[str, Union[dict, BaseRecorder]]], owner: str) -> None:
        self.owner = owner
        self.recorders: Dict[str, BaseRecorder] = {}
        for name, cfg in (recorders or {}).items():
            if isinstance(cfg, BaseRecorder):
                recorder = cfg
            elif isinstance(cfg, dict):
                if 'type' not in cfg or 'source' not in cfg:
                    raise ValueError(f'{owner}_recorders[{name!r}]: a recorder config needs type and source, '
                                     f'got {cfg}')
                recorder = TASK_UTILS.build(cfg)
            else:
                raise TypeError(f'{owner}_recorders[{name!r}]: expected a dict config, got {type(cfg).__name__}')
            self.recorders[name] = recorder

    def prepare(self, model: nn.Module) -> None:
        for name, recorder in self.recorders.items():
            recorder.prepare(model, name=name, owner=self.owner)

    def get_recorder(self, name: str) -> BaseRecorder:
        if name not in self.recorders:
            raise KeyError(f'no {self.owner} recorder named {name!r}; {self.owner} recorders: {sorted(self.recorders)}')
        return self.recorders[name]

    def __contains__(self, name: str) -> bool:
        return name in self.recorders

    def __enter__(self) -> 'RecorderManager':
        for recorder in self.recorders.values():
            recorder.start()
        return self

    def __exit__(self, *exc) -> None:
        for recorder in self.recorders.values():
            recorder.stop()
