"""Convert the per-frame graphs to LiteRT (TFLite, ``.tflite``) with litert-torch, and run them.

Path: ``litert_torch.convert(NamedGraph(wrapper), sample_kwargs=inputs)``. litert-torch traces with
``torch.export``, which specialises every shape, so LiteRT graphs are static like Core ML's (a fixed
frame size and a fixed ``K = max_objects``). Inputs go in as keyword arguments and outputs come out as
a dict, so the ``.tflite`` file's ``serving_default`` signature has the graph's own input and output
names (those of ``export_meta.json``). The LiteRT interpreter (``ai_edge_litert``) runs on Linux, so
the export is checked like the ONNX one: every graph against eager PyTorch on random inputs
(:func:`~mobilevos.deploy.verify.graph_parity`).

litert-torch pulls in jax, transformers and torchao; it is not part of the main environment.
``tools/install_litert.sh`` makes a separate virtual environment for it (docs/deploy.md, "LiteRT").
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
import torch.nn as nn

from .errors import DeployError
from .graphs import GraphSpec
from .onnx_export import raise_export_error
from .quiet import quiet

INSTALL_HINT = ('the litert backend needs litert-torch, which is not installed here: run '
                'tools/install_litert.sh and use the Python of the environment it makes (docs/deploy.md, '
                '"LiteRT")')


def _quiet():
    """Silence litert-torch's progress lines, absl logs and torchao's 'Failed to load' warnings."""
    return quiet(('absl', 'root', 'torchao', 'litert_torch', 'torch.utils._pytree'),
                 dict(TF_CPP_MIN_LOG_LEVEL='3'))


def import_litert_torch():
    """``litert_torch``, imported quietly.

    Raises:
        DeployError: litert-torch is not installed (says how to install it).
    """
    try:
        with _quiet():
            import litert_torch
    except ImportError as err:
        raise DeployError(f'{INSTALL_HINT} ({err})') from err
    return litert_torch


def _interpreter(path: str, num_threads: Optional[int] = None):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError as err:
        raise DeployError(f'{INSTALL_HINT} ({err})') from err
    with _quiet():
        return Interpreter(model_path=path, num_threads=num_threads)


class NamedGraph(nn.Module):
    """A graph wrapper called with named inputs (keywords) that returns named outputs (a dict).

    litert-torch names a signature's inputs after the keyword arguments and its
    outputs after the keys of a returned dict; the names are the spec's.

    Args:
        spec: the graph (its wrapper module and tensor specs).
    """

    def __init__(self, spec: GraphSpec):
        super().__init__()
        self.wrapper = spec.module  # not 'graph': torch.export's GraphModule has its own .graph
        self.input_names = [t.name for t in spec.inputs]
        self.output_names = [t.name for t in spec.outputs]

    def forward(self, **inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        outputs = self.wrapper(*(inputs[name] for name in self.input_names))
        outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs, )
        return dict(zip(self.output_names, outputs))


def export_litert_graph(spec: GraphSpec, args: Sequence[torch.Tensor], path: str) -> None:
    """Convert one graph to a ``.tflite`` file (fp32).

    Args:
        spec: the graph (wrapper module and tensor specs).
        args: example inputs (their shapes become the static shapes).
        path: the ``.tflite`` file to write.

    Raises:
        DeployError: litert-torch is not installed.
        UnsupportedOpError: an op has no torch.export or LiteRT conversion (named with its module).
        GraphExportError: any other failure (names the graph).
    """
    litert_torch = import_litert_torch()
    module = NamedGraph(spec).eval()
    kwargs = {t.name: a for t, a in zip(spec.inputs, args)}
    try:
        with torch.no_grad(), _quiet():
            model = litert_torch.convert(module, sample_kwargs=kwargs)
            model.export(path)
    except Exception as err:  # noqa: BLE001
        raise_export_error(spec, args, err, 'litert-torch')


def litert_io(path: str, spec: Optional[GraphSpec] = None) -> Dict[str, List[dict]]:
    """Inputs and outputs of a ``.tflite`` file's ``serving_default`` signature.

    Args:
        path: the ``.tflite`` file.
        spec: if given, its tensors come first and in its order (the signature's own order is
            alphabetical); names it does not have follow.

    Returns:
        ``dict(inputs=[dict(name, shape, dtype)], outputs=[...])``.
    """
    runner = _interpreter(path).get_signature_runner()
    orders = dict(inputs=[t.name for t in spec.inputs] if spec else [],
                  outputs=[t.name for t in spec.outputs] if spec else [])

    def describe(details: dict, order: List[str]) -> List[dict]:
        names = sorted(details, key=lambda n: (order.index(n) if n in order else len(order), n))
        return [
            dict(name=n,
                 shape=[int(d) for d in details[n]['shape']],
                 dtype=np.dtype(details[n]['dtype']).name) for n in names
        ]

    return dict(inputs=describe(runner.get_input_details(), orders['inputs']),
                outputs=describe(runner.get_output_details(), orders['outputs']))


class LiteRTGraph:
    """One ``.tflite`` graph run by the LiteRT interpreter: ``graph(feeds) -> [outputs]``.

    Args:
        path: the ``.tflite`` file.
        output_names: the outputs to return, in this order.
        num_threads: the interpreter's threads (``None``: its default).
    """

    def __init__(self, path: str, output_names: Sequence[str], num_threads: Optional[int] = None):
        self.interpreter = _interpreter(path, num_threads)
        self.runner = self.interpreter.get_signature_runner()
        self.output_names = list(output_names)

    def run(self, feeds: Dict[str, np.ndarray]) -> List[np.ndarray]:
        outputs = self.runner(**{k: np.ascontiguousarray(v, dtype=np.float32) for k, v in feeds.items()})
        return [outputs[name] for name in self.output_names]


def litert_versions() -> Dict[str, str]:
    """Versions of the converter and the runtime (``export_meta.json``: ``ir.versions``)."""
    from importlib.metadata import version
    return {'litert-torch': import_litert_torch().__version__, 'ai-edge-litert': version('ai-edge-litert')}
