"""Convert the per-frame graphs to Core ML ``.mlpackage`` (ML program, fp32 or fp16).

Path: ``torch.export.export(wrapper, args).run_decompositions({})`` ->
``coremltools.convert(..., convert_to='mlprogram')`` (design.md §6: from
``torch.jit.trace`` coremltools fails on reshape sizes taken from
``x.shape``; ``torch.export`` specialises every shape to a static int, which
is also why Core ML graphs are static). Inputs and outputs are float32 in
both precisions (set explicitly: coremltools would make them float16 for an
fp16 program targeting iOS16+); fp16 sets the compute precision and weights.

coremltools converts and saves on Linux, but ``MLModel.predict()`` needs the
Core ML framework (macOS/iOS): here the packages are written, reloaded with
``skip_model_load=True`` and their input/output descriptions checked.
"""
import os.path as osp
import shutil
from typing import Dict, List, Sequence

import numpy as np
import torch

from .errors import GraphExportError
from .graphs import GraphSpec
from .onnx_export import raise_export_error
from .quiet import quiet


def prod_unrolled(x: torch.Tensor, dim: int, keepdim: bool = False, dtype=None) -> torch.Tensor:
    """``torch.prod(x, dim)`` as a chain of multiplications over the (static) size of ``dim``.

    coremltools' torch.export frontend has no ``aten.prod.dim_int`` (used by
    ``SoftAggregation``'s background probability); graphs are static, so the
    product unrolls into ``K - 1`` elementwise multiplications.
    """
    if dtype is not None:
        x = x.to(dtype)
    out = x.select(dim, 0)
    for index in range(1, x.shape[dim]):
        out = out * x.select(dim, index)
    return out.unsqueeze(dim) if keepdim else out


#: Decompositions applied to the exported program before conversion (ops coremltools lacks).
COREML_DECOMPOSITIONS = {torch.ops.aten.prod.dim_int: prod_unrolled}


def _quiet():
    """Silence coremltools' progress bars, version warnings and 'Failed to load' messages."""
    return quiet(('coremltools', 'root'), dict(TQDM_DISABLE='1'))


def import_coremltools():
    """``coremltools``, imported quietly (it warns about untested torch versions and missing native libs)."""
    with _quiet():
        import coremltools
    return coremltools


def export_coreml_graph(spec: GraphSpec,
                        args: Sequence[torch.Tensor],
                        paths: Dict[str, str],
                        minimum_deployment_target: str = 'iOS16') -> float:
    """Convert one graph to ``.mlpackage`` files, one per precision.

    The exported program (after the decompositions of ``COREML_DECOMPOSITIONS``)
    is what coremltools converts; it is run in PyTorch on ``args`` and compared
    with the wrapper in eager mode (Core ML itself cannot run on Linux).

    Args:
        spec: the graph (wrapper module and tensor specs).
        args: example inputs (their shapes become the static shapes).
        paths: precision (``'fp32'`` / ``'fp16'``) -> ``.mlpackage`` path to write.
        minimum_deployment_target: ``coremltools.target`` name (ML programs need iOS15+).

    Returns:
        max abs difference between the exported program and eager on ``args``.

    Raises:
        UnsupportedOpError: an op has no torch.export or Core ML conversion (named with its module).
        GraphExportError: any other failure (names the graph).
    """
    ct = import_coremltools()
    module = spec.module.eval()
    try:
        target = getattr(ct.target, minimum_deployment_target)
    except AttributeError as err:
        raise GraphExportError(
            f'unknown Core ML minimum_deployment_target {minimum_deployment_target!r}') from err
    try:
        with torch.no_grad(), _quiet():
            program = torch.export.export(module, tuple(args)).run_decompositions(dict(COREML_DECOMPOSITIONS))
            exported = program.module()(*args)
            eager = module(*args)
    except Exception as err:  # noqa: BLE001
        raise_export_error(spec, args, err, 'torch.export (for Core ML)')
    finally:
        module.eval()
    exported = exported if isinstance(exported, (tuple, list)) else (exported, )
    eager = eager if isinstance(eager, (tuple, list)) else (eager, )
    program_diff = max(float((a - b).abs().max()) for a, b in zip(exported, eager))
    precisions = dict(fp32=ct.precision.FLOAT32, fp16=ct.precision.FLOAT16)
    for precision, path in paths.items():
        try:
            with _quiet():
                model = ct.convert(
                    program,
                    convert_to='mlprogram',
                    inputs=[
                        ct.TensorType(name=t.name, shape=tuple(a.shape), dtype=np.float32)
                        for t, a in zip(spec.inputs, args)
                    ],
                    outputs=[ct.TensorType(name=t.name, dtype=np.float32) for t in spec.outputs],
                    compute_precision=precisions[precision],
                    minimum_deployment_target=target,
                    skip_model_load=True)
                model.short_description = f'mobilevos {spec.name} (network.{spec.step}), {precision}'
                if osp.exists(path):
                    shutil.rmtree(path)
                model.save(path)
        except Exception as err:  # noqa: BLE001
            raise_export_error(spec, args, err, f'coremltools ({precision})')
    return program_diff


def coreml_io(path: str) -> Dict[str, List[dict]]:
    """Reload an ``.mlpackage`` (without Core ML) and describe its inputs and outputs.

    Returns:
        ``dict(inputs=[dict(name, shape, dtype)], outputs=[...])``; output
        shapes are as stored in the spec (coremltools may leave them empty).
    """
    ct = import_coremltools()
    with _quiet():
        model = ct.models.MLModel(path, skip_model_load=True)
    spec = model.get_spec()
    array_type = ct.proto.FeatureTypes_pb2.ArrayFeatureType
    names = {array_type.FLOAT32: 'float32', array_type.FLOAT16: 'float16', array_type.INT32: 'int32'}

    def describe(features) -> List[dict]:
        out = []
        for feature in features:
            array = feature.type.multiArrayType
            out.append(
                dict(name=feature.name,
                     shape=[int(d) for d in array.shape],
                     dtype=names.get(array.dataType, str(array.dataType))))
        return out

    return dict(inputs=describe(spec.description.input), outputs=describe(spec.description.output))

