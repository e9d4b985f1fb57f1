"""Find which module of a network runs a given op (to name it when an exporter cannot convert the op)."""
import re
from typing import Optional, Sequence

import torch
import torch.nn as nn
from torch.utils._python_dispatch import TorchDispatchMode

_ONNX_OP = re.compile(r"operator '([\w:.]+)'")
_COREML_OP = re.compile(r"op '([\w.]+)'|operation '([\w.]+)'|op_type '([\w.]+)'|Unsupported fx node ([\w.]+)")


def op_from_message(message: str) -> Optional[str]:
    """The op an exporter's error names, as ``'aten::name'`` (``None`` if the message names none).

    Understands torch.onnx (``Exporting the operator 'aten::i0' to ONNX ...``) and
    coremltools (``PyTorch convert function for op 'i0' not implemented``,
    ``Unsupported fx node prod, kind prod.dim_int``).
    """
    found = _ONNX_OP.search(message)
    if found:
        return found.group(1)
    found = _COREML_OP.search(message)
    if found:
        name = next(g for g in found.groups() if g)
        name = name.split('.')[0]  # drop an overload (.default)
        return name if '::' in name else f'aten::{name}'
    return None


def _base_name(op: str) -> str:
    """``'aten::i0.default'`` / ``'aten::i0'`` / ``'i0'`` -> ``'i0'`` (also drops a trailing ``_``)."""
    name = op.split('::')[-1].split('.')[0]
    return name.rstrip('_')


class _OpFinder(TorchDispatchMode):

    def __init__(self, wanted: str, stack: list):
        super().__init__()
        self.wanted = _base_name(wanted)
        self.stack = stack
        self.found: Optional[str] = None

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if self.found is None and _base_name(func._schema.name) == self.wanted:
            self.found = self.stack[-1] if self.stack else ''
        return func(*args, **(kwargs or {}))


def locate_op(module: nn.Module, args: Sequence[torch.Tensor], op: str) -> Optional[str]:
    """Dotted path of the innermost module that runs ``op`` on ``args`` (``''``: the module itself).

    Runs ``module(*args)`` once in eager mode with forward hooks that track
    the module stack and a dispatch mode that watches aten ops.

    Returns:
        the path (e.g. ``'network.key_encoder.layer1.0'``), or ``None`` if ``op`` never ran.
    """
    stack: list = []
    handles = []
    for name, sub in module.named_modules():
        handles.append(sub.register_forward_pre_hook(lambda m, a, name=name: stack.append(name)))
        handles.append(sub.register_forward_hook(lambda m, a, o: stack.pop()))
    finder = _OpFinder(op, stack)
    try:
        with torch.no_grad(), finder:
            module(*args)
    except Exception:  # noqa: BLE001 - the op may be found before a later failure
        pass
    finally:
        for handle in handles:
            handle.remove()
    return finder.found
