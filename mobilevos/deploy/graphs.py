"""The per-frame graphs: export wrappers around the network's steps, and their tensor specs.

One graph per step of :class:`~mobilevos.models.vos.STMNetwork` (the split of
the network contract, design.md §3; the steps and graph names come from
:mod:`mobilevos.models.vos.steps`), each a small ``nn.Module`` whose
``forward`` takes and returns plain tensors, in a frame's call order:

============== ============================== =============================================
graph          step                           extra outputs (so that an app does no math)
============== ============================== =============================================
key_encoder    ``encode_key``
read_memory    ``read_memory``                the memory comes as one input per slot
decode         ``decode``                     ``prob = sigmoid(object_logits)``
aggregate      ``aggregate``                  ``masks = softmax(logits)[:, 1:]``, ``others``
value_encoder  ``encode_value``
============== ============================== =============================================

Memory read-out is written here with tensors of rank <= 5 (Core ML rejects
rank 6, and the stacked memory values ``(B, K, Cv, T, h, w)`` are rank 6):
memory frames arrive as separate ``memory_key_t (1, Ck, h, w)`` and
``memory_values_t (1, K, Cv, h, w)`` inputs, exactly the tensors that
``key_encoder`` and ``value_encoder`` output for that frame, so an app keeps
them as they are. The arithmetic is that of ``MemoryReader.forward`` (its
``query_affinity`` is reused); the parity tests check it against
``network.read_memory`` on random inputs.

Batch is 1. ``H, W`` are the padded frame size (multiples of 16), ``K`` the
objects (padded to ``max_objects`` in static graphs), ``T`` the memory slots.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from mobilevos.models.vos.memory_reader import MemoryReader
from mobilevos.models.vos.steps import (AGGREGATE, DECODE, ENCODE_KEY, ENCODE_VALUE, READ_MEMORY,
                                        STEP_OF_GRAPH, FrameStep)

from .config import DEFAULT_GRAPH_NAMES, DeployConfig, expand_slot_names

Dim = Union[int, str]


def _call(step: FrameStep) -> str:
    """``graph(inputs) -> outputs`` with the default tensor names (``_t``: memory slot t)."""
    names = DEFAULT_GRAPH_NAMES[step.graph]
    inputs = ', '.join(n.replace('{slot}', 't') for n in names['inputs'])
    return f'{step.graph}({inputs}) -> {", ".join(names["outputs"])}'


#: What an app does for one frame, in order (also written to export_meta.json); the graphs come in
#: the order of ``FRAME_STEPS``.
CALL_ORDER = [
    'normalise the frame: x = (rgb - mean) / std, NCHW float32, pad bottom/right with 0 to input_size',
    _call(ENCODE_KEY),
    f'if the memory holds a frame: {_call(READ_MEMORY)}; {_call(DECODE)}; otherwise prob = 0',
    'objects annotated on this frame: prob[k] = their mask, and every other object\'s prob *= 1 - union '
    'of the annotated masks',
    f'{_call(AGGREGATE)}; the label map is argmax(logits) over K+1 channels (0 = background), cropped to '
    'the frame and resized back',
    'if the memory policy keeps this frame (always for first+latest, except the video\'s last frame): '
    f'{_call(ENCODE_VALUE)}; store (key, values, object_valid) in its slot',
]


@dataclass
class TensorSpec:
    """Name, symbolic shape and dtype of one graph input or output.

    ``shape`` items are ints or symbols: ``'K'``, ``'K+1'``, ``'T'``, ``'H'``,
    ``'W'``, ``'H/4'``, ``'W/4'``, ``'H/8'``, ``'W/8'``, ``'H/16'``, ``'W/16'``.
    """
    name: str
    shape: Tuple[Dim, ...]
    dtype: str = 'float32'
    role: Optional[str] = None  # the default name (what the tensor is), whatever it was renamed to

    def resolve(self, dims: Dict[str, int]) -> Tuple[int, ...]:
        """Concrete shape for ``dims`` (``{'H': .., 'W': .., 'K': .., 'T': ..}``)."""
        return tuple(d if isinstance(d, int) else resolve_dim(d, dims) for d in self.shape)

    def axes(self, dynamic: Sequence[str]) -> Dict[int, str]:
        """``{axis: symbol}`` for the axes that are dynamic (``dynamic`` from ``DYNAMIC_AXES``)."""
        kinds = dict(height='H', width='W', objects='K')
        wanted = {kinds[a] for a in dynamic}
        out = {}
        for axis, d in enumerate(self.shape):
            if isinstance(d, str) and d.split('/')[0].split('+')[0] in wanted:
                out[axis] = d
        return out


def resolve_dim(symbol: str, dims: Dict[str, int]) -> int:
    base, _, div = symbol.partition('/')
    base, _, plus = base.partition('+')
    value = dims[base]
    if div:
        value //= int(div)
    if plus:
        value += int(plus)
    return value


@dataclass
class GraphSpec:
    """One exported graph: its wrapper, its inputs and outputs."""
    name: str
    step: str
    module: nn.Module
    inputs: List[TensorSpec]
    outputs: List[TensorSpec]

    def example_inputs(self, dims: Dict[str, int], seed: int = 0) -> Tuple[torch.Tensor, ...]:
        """Random inputs in the ranges the loop produces (see :func:`random_input`)."""
        generator = torch.Generator().manual_seed(seed)
        return tuple(random_input(spec, dims, generator) for spec in self.inputs)


def random_input(spec: TensorSpec, dims: Dict[str, int], generator: torch.Generator) -> torch.Tensor:
    """A random tensor for one input: masks/probabilities in [0, 1], validity 0/1 with a 1 per
    object, ``others`` the sum of the other masks, features N(0, 1)."""
    shape = spec.resolve(dims)
    role = spec_role(spec)
    if role in ('prob', 'masks'):
        return torch.rand(shape, generator=generator)
    if role == 'others':
        masks = torch.rand(shape, generator=generator)
        return masks.sum(dim=1, keepdim=True) - masks
    if role in ('memory_valid', 'object_valid'):
        valid = (torch.rand(shape, generator=generator) > 0.3).float()
        valid[..., 0] = 1.0  # every object readable somewhere / the first object real
        return valid
    return torch.randn(shape, generator=generator)


def spec_role(spec: TensorSpec) -> str:
    """The default name of a tensor (its role), whatever it was renamed to."""
    return spec.role or spec.name


# ---------------------------------------------------------------------- wrappers --
class KeyEncoderGraph(nn.Module):
    """``frame (1,3,H,W) -> key, query, f16, f8, f4`` (``network.encode_key``)."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, frame: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        return tuple(self.network.encode_key(frame))


class ValueEncoderGraph(nn.Module):
    """``frame, f16, masks (1,K,H,W), others (1,K,H,W) -> values (1,K,Cv,h,w)`` (``encode_value``).

    A network whose value encoder sees masks only (``value_inputs=('mask', 'others')``) does not use
    ``frame``; the ONNX export keeps it as an unused input (``restore_unused_inputs``), so the graph's
    inputs, and an app's call, are the same for every network.
    """

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, frame: torch.Tensor, f16: torch.Tensor, masks: torch.Tensor,
                others: torch.Tensor) -> torch.Tensor:
        return self.network.encode_value(frame, f16, masks, others)


class MemoryReadGraph(nn.Module):
    """``key, memory_key_0..T-1, memory_values_0..T-1, memory_valid (1,K,T) -> readout (1,K,Cv,h,w)``.

    With a :class:`MemoryReader` the read-out is computed with rank <= 5
    tensors (the same arithmetic as ``MemoryReader.forward``); another reader
    gets the stacked memory through ``network.read_memory`` (fine for ONNX,
    rank 6 for Core ML).
    """

    def __init__(self, network: nn.Module, num_slots: int):
        super().__init__()
        self.network = network
        self.num_slots = num_slots

    def forward(self, key: torch.Tensor, *memory: torch.Tensor) -> torch.Tensor:
        slots = self.num_slots
        keys, values, valid = memory[:slots], memory[slots:2 * slots], memory[2 * slots]
        reader = self.network.memory_reader
        memory_keys = torch.stack(keys, dim=2)  # (1, Ck, T, h, w)
        if type(reader).forward is not MemoryReader.forward:
            return self.network.read_memory(key, memory_keys, torch.stack(values, dim=3), valid)
        weights = reader.query_affinity(key, memory_keys)  # (1, h*w, T*h*w), softmax over the last dim
        masked = [v.flatten(3) * valid[:, :, t, None, None] for t, v in enumerate(values)]  # (1, K, Cv, h*w)
        memory_major = weights.transpose(1, 2).unsqueeze(1)  # (1, 1, T*h*w, h*w)
        readout = torch.matmul(torch.cat(masked, dim=3), memory_major)  # (1, K, Cv, h*w)
        frame_mass = weights.unflatten(2, (slots, -1)).sum(dim=3)  # (1, h*w, T)
        normaliser = torch.bmm(valid, frame_mass.transpose(1, 2)).clamp_min(reader.eps)  # (1, K, h*w)
        readout = readout / normaliser.unsqueeze(2)
        return readout.unflatten(3, key.shape[2:])  # (1, K, Cv, h, w)


class DecodeGraph(nn.Module):
    """``readout, query, f8, f4 -> object_logits (1,K,H,W), prob = sigmoid(object_logits)``."""

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, readout: torch.Tensor, query: torch.Tensor, f8: torch.Tensor,
                f4: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        logits = self.network.decode(readout, query, f8, f4)  # (1, K, H, W)
        return logits, torch.sigmoid(logits)


class AggregateGraph(nn.Module):
    """``prob (1,K,H,W), object_valid (1,K) -> logits (1,K+1,H,W), masks, others (1,K,H,W)``.

    ``masks`` and ``others`` are the value encoder's inputs, computed as in
    ``segment_frame``: ``softmax(logits)[:, 1:]`` and ``masks.sum(1) - masks``.
    """

    def __init__(self, network: nn.Module):
        super().__init__()
        self.network = network

    def forward(self, prob: torch.Tensor, object_valid: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        logits = self.network.aggregate(prob, object_valid)  # (1, K+1, H, W)
        # softmax over the K+1 channels, written with broadcasts: ONNX Runtime transposes for a Softmax on a
        # non-last axis, which took ~2/3 of this graph at 480x854 (its masks equal torch.softmax's, tested)
        odds = torch.exp(logits - logits.amax(dim=1, keepdim=True))  # (1, K+1, H, W)
        masks = odds[:, 1:] / odds.sum(dim=1, keepdim=True)
        others = masks.sum(dim=1, keepdim=True) - masks
        return logits, masks, others


# ------------------------------------------------------------------------- specs --
def network_dims(network: nn.Module) -> Dict[str, int]:
    """Channel counts of the network's step tensors (``Ck, Cq, C16, C8, C4, Cv``)."""
    spec = network.key_spec
    channels = dict(zip(spec.strides, spec.channels))  # the last map of each stride wins, as in the network
    return dict(Ck=network.key_dim,
                Cq=network.query_dim,
                C16=network.f16_channels,
                C8=channels[8],
                C4=channels[4],
                Cv=network.value_dim)


def _named(names: List[str], shapes: List[Tuple[Dim, ...]], roles: List[str]) -> List[TensorSpec]:
    return [TensorSpec(name, tuple(shape), role=role) for name, shape, role in zip(names, shapes, roles)]


def build_graph_specs(network: nn.Module, cfg: DeployConfig) -> List[GraphSpec]:
    """The graphs named by ``cfg.graphs``, with their (renamed) inputs and outputs.

    Args:
        network: an STM network in eval mode.
        cfg: the deploy config (names, memory slots).
    """
    c = network_dims(network)
    slots = cfg.memory_frames
    h, w = 'H/16', 'W/16'
    frame = (1, 3, 'H', 'W')
    per_object = (1, 'K', 'H', 'W')
    key = (1, c['Ck'], h, w)
    values = (1, 'K', c['Cv'], h, w)
    feats = dict(key=key,
                 query=(1, c['Cq'], h, w),
                 f16=(1, c['C16'], h, w),
                 f8=(1, c['C8'], 'H/8', 'W/8'),
                 f4=(1, c['C4'], 'H/4', 'W/4'))
    shapes = {
        ENCODE_KEY.graph: ([frame], [key, feats['query'], feats['f16'], feats['f8'], feats['f4']]),
        ENCODE_VALUE.graph: ([frame, feats['f16'], per_object, per_object], [values]),
        READ_MEMORY.graph: ([key] + [key] * slots + [values] * slots + [(1, 'K', slots)], [values]),
        DECODE.graph: ([values, feats['query'], feats['f8'], feats['f4']], [per_object, per_object]),
        AGGREGATE.graph: ([per_object, (1, 'K')], [(1, 'K+1', 'H', 'W'), per_object, per_object]),
    }
    modules = {
        ENCODE_KEY.graph: KeyEncoderGraph(network),
        ENCODE_VALUE.graph: ValueEncoderGraph(network),
        READ_MEMORY.graph: MemoryReadGraph(network, slots),
        DECODE.graph: DecodeGraph(network),
        AGGREGATE.graph: AggregateGraph(network),
    }
    specs = []
    for graph in cfg.graphs:
        in_shapes, out_shapes = shapes[graph]
        names, roles = cfg.graph_names[graph], DEFAULT_GRAPH_NAMES[graph]
        in_roles, out_roles = (expand_slot_names(roles[part], slots) for part in ('inputs', 'outputs'))
        specs.append(
            GraphSpec(name=graph,
                      step=STEP_OF_GRAPH[graph].method,
                      module=modules[graph].eval(),
                      inputs=_named(expand_slot_names(names['inputs'], slots), in_shapes, in_roles),
                      outputs=_named(expand_slot_names(names['outputs'], slots), out_shapes, out_roles)))
    return specs


def export_dims(cfg: DeployConfig, size_divisor: int = 16) -> Dict[str, int]:
    """Concrete dims the graphs are traced with: padded ``H, W``, ``K``, ``T``."""
    height, width = cfg.input_shape if cfg.input_shape is not None else cfg.example_shape
    pad = lambda s: -(-s // size_divisor) * size_divisor  # noqa: E731
    objects = cfg.max_objects if cfg.max_objects is not None else 2
    if 'objects' in cfg.dynamic_axes:
        objects = min(objects, 2)  # a small example; the axis is dynamic
    return dict(H=pad(height), W=pad(width), K=objects, T=cfg.memory_frames)


def eager_reference(network: nn.Module,
                    graph: str,
                    inputs: Sequence[torch.Tensor],
                    num_slots: Optional[int] = None) -> Tuple[torch.Tensor, ...]:
    """What the network's own step computes for a graph's inputs (the parity reference).

    ``read_memory`` stacks the slots into the network's layout and calls
    ``network.read_memory``; the other graphs call their step and add the
    same extra outputs as the wrappers.
    """
    with torch.no_grad():
        if graph == ENCODE_KEY.graph:
            return tuple(network.encode_key(*inputs))
        if graph == ENCODE_VALUE.graph:
            return (network.encode_value(*inputs), )
        if graph == READ_MEMORY.graph:
            key, memory = inputs[0], inputs[1:]
            slots = num_slots if num_slots is not None else (len(memory) - 1) // 2
            keys = torch.stack(memory[:slots], dim=2)
            values = torch.stack(memory[slots:2 * slots], dim=3)
            return (network.read_memory(key, keys, values, memory[2 * slots]), )
        if graph == DECODE.graph:
            logits = network.decode(*inputs)
            return logits, torch.sigmoid(logits)
        if graph == AGGREGATE.graph:
            logits = network.aggregate(*inputs)
            masks = torch.softmax(logits, dim=1)[:, 1:]
            return logits, masks, masks.sum(dim=1, keepdim=True) - masks
    raise KeyError(f'unknown graph {graph!r}')
