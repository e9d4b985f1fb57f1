"""The five per-frame steps of an STM network: one vocabulary for the network, the loop and the export.

Each step is a method (``aggregate``: a module) of
:class:`~mobilevos.models.vos.STMNetwork` and of a runtime of exported graphs
(:class:`~mobilevos.deploy.ExportedNetwork`), and one exported graph.
:data:`FRAME_STEPS` lists them in the order one frame calls them; the video
inferencer's checks (:data:`STEP_METHODS`), deploy's graph names
(:data:`GRAPH_NAMES`) and the call order written to ``export_meta.json`` are
derived from it.
"""
from dataclasses import dataclass
from typing import Dict, Tuple


@dataclass(frozen=True)
class FrameStep:
    """One step: the network's method and the exported graph that runs it."""
    method: str
    graph: str


ENCODE_KEY = FrameStep(method='encode_key', graph='key_encoder')
READ_MEMORY = FrameStep(method='read_memory', graph='read_memory')
DECODE = FrameStep(method='decode', graph='decode')
AGGREGATE = FrameStep(method='aggregate', graph='aggregate')
ENCODE_VALUE = FrameStep(method='encode_value', graph='value_encoder')

#: The steps in the order one frame calls them (the value is encoded last, from the aggregated masks).
FRAME_STEPS: Tuple[FrameStep, ...] = (ENCODE_KEY, READ_MEMORY, DECODE, AGGREGATE, ENCODE_VALUE)

#: The network's step methods, in call order.
STEP_METHODS: Tuple[str, ...] = tuple(step.method for step in FRAME_STEPS)

#: The exported graphs, in call order.
GRAPH_NAMES: Tuple[str, ...] = tuple(step.graph for step in FRAME_STEPS)

#: Graph name -> step.
STEP_OF_GRAPH: Dict[str, FrameStep] = {step.graph: step for step in FRAME_STEPS}
