"""Export the per-frame graphs to ONNX (``torch.onnx.export(..., dynamo=False)``) and check them.

The TorchScript-based exporter is used on purpose (design.md §6): the
default ``dynamo=True`` path needs the ``onnxscript`` package, which this
project does not install. Each graph is a separate file whose inputs and
outputs are the step's tensors (names and shapes in ``export_meta.json``).
"""
import contextlib
import io
import warnings
from typing import Dict, List, Sequence

import numpy as np
import onnx
import torch
import torch.nn as nn

from .errors import GraphExportError, UnsupportedOpError
from .graphs import GraphSpec
from .op_locator import locate_op, op_from_message
from .ort_session import ort_session


def module_description(root: nn.Module, path: str) -> str:
    """``'key_encoder.layer1 (InvertedResidual)'`` for a path under an export wrapper."""
    path = path[len('network.'):] if path.startswith('network.') else ('' if path == 'network' else path)
    if not path:
        return f'the network ({type(getattr(root, "network", root)).__name__})'
    module = getattr(root, 'network', root).get_submodule(path)
    return f'{path} ({type(module).__name__})'


def raise_export_error(spec: GraphSpec, args: Sequence[torch.Tensor], err: Exception, target: str) -> None:
    """Re-raise an exporter error naming the graph, the step and (for an unsupported op) the module."""
    message = f'{type(err).__name__}: {err}'.strip()
    op = op_from_message(str(err))
    where = f'graph {spec.name!r} (network.{spec.step})'
    if op is not None:
        path = locate_op(spec.module, args, op)
        module = module_description(spec.module, path) if path is not None else None
        place = f'module {module}' if module else 'a module that could not be located'
        raise UnsupportedOpError(
            f'{target} cannot convert op {op!r}, used by {place} in {where}. Replace the op in that '
            f'module or pick another backend/opset. Exporter message: {message.splitlines()[0]}',
            op=op,
            graph=spec.name,
            module=module) from err
    raise GraphExportError(f'{target} export of {where} failed: {message}') from err


def export_onnx_graph(spec: GraphSpec,
                      args: Sequence[torch.Tensor],
                      path: str,
                      opset: int,
                      dynamic_axes: Sequence[str] = (),
                      do_constant_folding: bool = True) -> str:
    """Export one graph and run ``onnx.checker`` on it.

    Args:
        spec: the graph (wrapper module and tensor specs).
        args: example inputs in the order of ``spec.inputs``.
        path: ``.onnx`` file to write.
        opset: ONNX opset (>= 17).
        dynamic_axes: shared dims that are dynamic (``'height'``, ``'width'``, ``'objects'``).

    Raises:
        UnsupportedOpError: an op has no ONNX conversion (named with its module).
        GraphExportError: any other export or checker failure (names the graph).
    """
    module = spec.module.eval()  # torch.onnx.export restores the wrapper's mode: make it eval
    axes: Dict[str, Dict[int, str]] = {}
    for tensor in spec.inputs + spec.outputs:
        tensor_axes = tensor.axes(dynamic_axes)
        if tensor_axes:
            axes[tensor.name] = tensor_axes
    log = io.StringIO()
    try:
        with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stderr(log):
            warnings.simplefilter('ignore')
            torch.onnx.export(module,
                              tuple(args),
                              path,
                              dynamo=False,
                              opset_version=opset,
                              input_names=[t.name for t in spec.inputs],
                              output_names=[t.name for t in spec.outputs],
                              dynamic_axes=axes or None,
                              do_constant_folding=do_constant_folding,
                              export_params=True,
                              keep_initializers_as_inputs=False)
    except Exception as err:  # noqa: BLE001 - re-raised with the graph and module named
        raise_export_error(spec, args, err, f'ONNX (opset {opset})')
    finally:
        module.eval()
    restore_unused_inputs(spec, args, path, dynamic_axes)
    try:
        onnx.checker.check_model(path, full_check=True)
    except Exception as err:  # noqa: BLE001
        raise GraphExportError(f'{path} (graph {spec.name!r}) fails onnx.checker: {err}') from err
    return path


def restore_unused_inputs(spec: GraphSpec, args: Sequence[torch.Tensor], path: str,
                          dynamic_axes: Sequence[str] = ()) -> None:
    """Add back, unused, the inputs that the TorchScript exporter left out of ``path``.

    The exporter drops an input that no output depends on: the ``frame`` of
    ``value_encoder`` when the network's value encoder sees masks only
    (``STMNetwork(value_inputs=('mask', 'others'))``). Restored, every file takes
    its spec's inputs in order, so an app's calls (and the runtime's) are the
    same for every network; ONNX Runtime accepts a feed for an unused input.
    """
    model = onnx.load(path)
    present = {value.name: value for value in model.graph.input}
    if all(tensor.name in present for tensor in spec.inputs):
        return
    inputs = []
    for tensor, arg in zip(spec.inputs, args):
        if tensor.name in present:
            inputs.append(present.pop(tensor.name))
            continue
        axes = tensor.axes(dynamic_axes)
        shape = [axes.get(axis, int(size)) for axis, size in enumerate(arg.shape)]
        elem = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(tensor.dtype))
        inputs.append(onnx.helper.make_tensor_value_info(tensor.name, elem, shape))
    inputs.extend(present.values())  # none expected: every input has a spec
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    onnx.save(model, path)


def probe_dynamic_axes(spec: GraphSpec, path: str, dims: Dict[str, int], dynamic_axes: Sequence[str]) -> None:
    """Run an exported graph at other sizes of its dynamic axes, to catch shapes the tracer fixed.

    The TorchScript tracer records some sizes read with ``x.shape`` as
    constants (e.g. ``up.shape[:2]`` of a tensor made by ``unflatten`` in
    ``UpsampleBlock.fuse``): the file then claims a dynamic axis it cannot take.

    Raises:
        GraphExportError: the graph fails or returns wrong shapes at the probe sizes
            (names the graph, the axes and the sizes).
    """
    if not dynamic_axes:
        return
    from .graphs import random_input
    probe = dict(dims)
    if 'height' in dynamic_axes:
        probe['H'] = dims['H'] + 16
    if 'width' in dynamic_axes:
        probe['W'] = dims['W'] + 32
    if 'objects' in dynamic_axes:
        probe['K'] = dims['K'] + 1
    generator = torch.Generator().manual_seed(0)
    feeds = {t.name: random_input(t, probe, generator).numpy() for t in spec.inputs}
    try:
        outputs = ort_session(path, log_level=4).run(None, feeds)
        problem = None
        for tensor, out in zip(spec.outputs, outputs):
            if tuple(out.shape) != tensor.resolve(probe):
                problem = f'output {tensor.name} is {list(out.shape)}, expected {list(tensor.resolve(probe))}'
                break
    except Exception as err:  # noqa: BLE001
        problem = f'{type(err).__name__}: {str(err).strip().splitlines()[-1][-300:]}'
    if problem is not None:
        changed = {k: f'{dims[k]}->{probe[k]}' for k in probe if probe[k] != dims[k]}
        raise GraphExportError(
            f'graph {spec.name!r} (network.{spec.step}) was exported with dynamic axes {list(dynamic_axes)} '
            f'but does not run at other sizes ({changed}): {problem}. The TorchScript tracer fixed a size '
            'that the code reads with x.shape; make that axis static in the deploy config (for objects: '
            'codebase_config.max_objects and no "objects" in ir_config.dynamic_axes)')


def onnx_io(path: str) -> Dict[str, List[dict]]:
    """Names and shapes (ints, or symbol strings for dynamic axes) of an ONNX file's inputs and outputs."""
    model = onnx.load(path, load_external_data=False)

    def describe(values) -> List[dict]:
        out = []
        for value in values:
            dims = [
                d.dim_param if d.dim_param else int(d.dim_value) for d in value.type.tensor_type.shape.dim
            ]
            elem = onnx.helper.tensor_dtype_to_np_dtype(value.type.tensor_type.elem_type).name
            out.append(dict(name=value.name, shape=dims, dtype=elem))
        return out

    return dict(inputs=describe(model.graph.input), outputs=describe(model.graph.output))

