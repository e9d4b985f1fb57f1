"""Export the per-frame graphs to ONNX, Core ML and LiteRT; run them (ONNX Runtime, LiteRT); check parity.

- :func:`export_network`: a network (:func:`mobilevos.apis.init_model`) + deploy config -> one file
  per graph (``key_encoder``, ``read_memory``, ``decode``, ``aggregate``, ``value_encoder``: the
  steps of :mod:`mobilevos.models.vos.steps`) and ``export_meta.json``; int8 (ONNX) and fp16
  (Core ML) variants.
- :class:`ExportedNetwork` / :func:`load_runtime`: the network's step methods over ONNX Runtime
  sessions or the LiteRT interpreter (:mod:`.graph_runner`), for the same video loop
  (``VideoInferencer(runtime)``; built from a config by :func:`mobilevos.apis.build_segmenter`).
- :mod:`.verify`: per-graph and whole-video parity with eager PyTorch.
"""
from .api import export_network
from .config import DEFAULT_GRAPH_NAMES, GRAPH_NAMES, DeployConfig, parse_deploy_config
from .errors import (DeployConfigError, DeployError, GraphExportError, RuntimeInputError, UnsupportedOpError)
from .graphs import CALL_ORDER, build_graph_specs
from .meta import META_FILE, read_meta, weights_sha256
from .runtime import ExportedNetwork, load_runtime

__all__ = [
    'export_network', 'DEFAULT_GRAPH_NAMES', 'GRAPH_NAMES', 'DeployConfig',
    'parse_deploy_config', 'DeployConfigError', 'DeployError', 'GraphExportError', 'RuntimeInputError',
    'UnsupportedOpError', 'CALL_ORDER', 'build_graph_specs', 'META_FILE', 'read_meta', 'weights_sha256',
    'ExportedNetwork', 'load_runtime'
]
