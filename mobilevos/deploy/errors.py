"""Errors raised by the exporters and the exported-graph runtime; each message names what is wrong."""
from mobilevos.utils.cli import UserError


class DeployError(UserError, RuntimeError):
    """Base class of deployment errors (the tools report them in one line, see :mod:`mobilevos.utils.cli`)."""


class DeployConfigError(DeployError, ValueError):
    """A deploy config is invalid (the message names the file and the setting)."""


class GraphExportError(DeployError):
    """A graph could not be exported; the message names the graph, the step and, when known, the module."""


class UnsupportedOpError(GraphExportError):
    """The exporter has no conversion for an op; the message names the op, the graph and the module.

    Attributes:
        op: the op, e.g. ``'aten::i0'``.
        graph: the graph being exported, e.g. ``'key_encoder'``.
        module: dotted path of the network module that ran the op (``None`` if not found).
    """

    def __init__(self, message: str, op: str, graph: str, module=None):
        super().__init__(message)
        self.op = op
        self.graph = graph
        self.module = module


class RuntimeInputError(DeployError, ValueError):
    """Tensors given to an exported-graph runtime do not fit its graphs (static shapes, objects, memory)."""
