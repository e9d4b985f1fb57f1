"""Deploy configs (mmdeploy layout): IR settings, codebase settings, backend settings.

A deploy config is a Python file (run as code by mmengine's ``Config``: only
use configs you trust) with three dicts::

    ir_config = dict(type='onnx',              # 'onnx' (onnxruntime) or 'torch.export' (coreml, litert)
                     opset_version=17,         # onnx only, >= 17
                     input_shape=[480, 854],   # frame size [H, W]; None: dynamic (onnx only)
                     dynamic_axes=(),          # subset of ('height', 'width', 'objects') (onnx only)
                     example_shape=[64, 96],   # frame size used to trace dynamic graphs
                     graph_names=dict(...))    # input/output names per graph (see DEFAULT_GRAPH_NAMES)
    codebase_config = dict(type='mobilevos', task='VOS',
                           graphs=('key_encoder', 'read_memory', 'decode', 'aggregate', 'value_encoder'),
                           memory=dict(type='FirstLatestMemory', keep_first=True, num_latest=1),
                           max_objects=3)      # K of static graphs (padded objects are marked invalid)
    backend_config = dict(type='onnxruntime', precision='fp32')            # or 'int8' + quantization
    backend_config = dict(type='coreml', convert_to='mlprogram', precision='fp16',
                          minimum_deployment_target='iOS16')
    backend_config = dict(type='litert', precision='fp32')     # LiteRT (.tflite), static; needs litert-torch

File names follow ``{task}_{backend}[-{precision}]_{static-HxW|dynamic}.py``.
"""
import copy
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.config import Config

from mobilevos.inference.memory_spec import parse_memory
from mobilevos.models.vos.steps import AGGREGATE, DECODE, ENCODE_KEY, ENCODE_VALUE, GRAPH_NAMES, READ_MEMORY
from mobilevos.registry import MEMORY
from mobilevos.utils.config import read_config

from .errors import DeployConfigError

#: Default input/output names per graph (graphs: ``GRAPH_NAMES`` of :mod:`mobilevos.models.vos.steps`,
#: in a frame's call order). ``{slot}`` is replaced by the memory slot index ``0..T-1``.
DEFAULT_GRAPH_NAMES: Dict[str, Dict[str, List[str]]] = {
    ENCODE_KEY.graph: dict(inputs=['frame'], outputs=['key', 'query', 'f16', 'f8', 'f4']),
    READ_MEMORY.graph: dict(inputs=['key', 'memory_key_{slot}', 'memory_values_{slot}', 'memory_valid'],
                            outputs=['readout']),
    DECODE.graph: dict(inputs=['readout', 'query', 'f8', 'f4'], outputs=['object_logits', 'prob']),
    AGGREGATE.graph: dict(inputs=['prob', 'object_valid'], outputs=['logits', 'masks', 'others']),
    ENCODE_VALUE.graph: dict(inputs=['frame', 'f16', 'masks', 'others'], outputs=['values']),
}

DYNAMIC_AXES = ('height', 'width', 'objects')
BACKENDS = dict(onnxruntime=dict(ir='onnx', precisions=('fp32', 'int8')),
                coreml=dict(ir='torch.export', precisions=('fp32', 'fp16')),
                litert=dict(ir='torch.export', precisions=('fp32', )))
MIN_OPSET = 17
_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_]*$')

DEFAULT_QUANTIZATION = dict(
    graphs=(ENCODE_KEY.graph, DECODE.graph, ENCODE_VALUE.graph),  # conv-heavy; read-out/aggregate stay fp32
    op_types=('Conv', ),
    per_channel=True,
    format='QDQ',
    activation_type='QUInt8',
    weight_type='QInt8',
    calibrate_method='MinMax',
    num_videos=2,  # synthetic calibration videos (mobilevos.datasets.synthetic.generate_video)
    num_frames=6,
    seed=0)


@dataclass
class DeployConfig:
    """A validated deploy config.

    Attributes:
        path: the file it came from (or ``'<dict>'``).
        backend: ``'onnxruntime'``, ``'coreml'`` or ``'litert'``.
        precision: the default variant: ``'fp32'``, ``'int8'`` (onnxruntime) or ``'fp16'`` (coreml).
        precisions: every variant written (``backend_config.precision`` may be a list; int8 adds fp32,
            which it is quantised from).
        ir: ``'onnx'`` or ``'torch.export'``.
        opset: ONNX opset (``None`` for coreml).
        input_shape: static frame size ``(H, W)`` before padding to multiples of 16, or ``None``.
        example_shape: frame size used to trace dynamic graphs.
        dynamic_axes: which shared dims are dynamic (subset of ``DYNAMIC_AXES``).
        graphs: the graphs to export, in call order.
        graph_names: per graph ``dict(inputs=[...], outputs=[...])`` (``{slot}`` not yet expanded).
        memory: the memory policy (a MEMORY config) the graphs are made for.
        memory_frames: ``T``, frames the memory holds at most (slots of ``read_memory``).
        max_objects: ``K`` of static graphs; with dynamic ``objects``, the most objects accepted
            (or ``None``).
        quantization: int8 settings (onnxruntime int8 only).
        coreml: coreml settings (``convert_to``, ``minimum_deployment_target``).
        raw: the three dicts as read.
    """
    path: str
    backend: str
    precision: str
    precisions: Tuple[str, ...]
    ir: str
    opset: Optional[int]
    input_shape: Optional[Tuple[int, int]]
    example_shape: Tuple[int, int]
    dynamic_axes: Tuple[str, ...]
    graphs: Tuple[str, ...]
    graph_names: Dict[str, Dict[str, List[str]]]
    memory: dict
    memory_frames: int
    max_objects: Optional[int]
    quantization: Optional[dict] = None
    coreml: Optional[dict] = None
    raw: dict = field(default_factory=dict)

    @property
    def static(self) -> bool:
        """All shapes are fixed (no dynamic axis)."""
        return not self.dynamic_axes

    @property
    def name(self) -> str:
        return osp.splitext(osp.basename(self.path))[0]


def _fail(path: str, message: str):
    raise DeployConfigError(f'deploy config {path}: {message}')


def _shape(value, path: str, key: str) -> Optional[Tuple[int, int]]:
    if value is None:
        return None
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        _fail(path, f'{key} must be [H, W] (two ints), got {value!r}')
    if min(value) < 16:
        _fail(path, f'{key} {list(value)} is too small: H and W must be >= 16')
    return int(value[0]), int(value[1])


def memory_capacity(memory: dict, path: str = '<memory>') -> int:
    """Frames a bounded memory policy holds at most (``T``).

    Raises:
        DeployConfigError: the policy is unbounded (e.g. ``InfiniteMemory``) or cannot be built.
    """
    try:
        bank = MEMORY.build(copy.deepcopy(memory))
    except Exception as err:  # noqa: BLE001 - any build error is a config error here
        _fail(path, f'codebase_config.memory {memory!r} cannot be built: {err}')
    capacity = getattr(bank, 'capacity', None)
    if not isinstance(capacity, int) or capacity < 1:
        _fail(
            path, f'codebase_config.memory {memory!r} is unbounded ({type(bank).__name__} has no fixed '
            'capacity); exported graphs read a fixed number of memory frames: use FirstLatestMemory '
            '(keep_first, num_latest=N) or FIFOMemory(size=N)')
    if getattr(bank, 'top_k', None) is not None:
        _fail(
            path, 'codebase_config.memory sets top_k; exported graphs pad the memory to its capacity, '
            'which top-k read-out would see: use the network\'s own top_k (MemoryReader) or none')
    return capacity


def _graph_names(ir: dict, path: str) -> Dict[str, Dict[str, List[str]]]:
    given = ir.get('graph_names') or {}
    unknown = set(given) - set(GRAPH_NAMES)
    if unknown:
        _fail(path,
              f'ir_config.graph_names has unknown graphs {sorted(unknown)}; graphs are {list(GRAPH_NAMES)}')
    names = copy.deepcopy(DEFAULT_GRAPH_NAMES)
    for graph, parts in given.items():
        for part in ('inputs', 'outputs'):
            if part not in parts:
                continue
            value = list(parts[part])
            default = DEFAULT_GRAPH_NAMES[graph][part]
            if len(value) != len(default):
                _fail(
                    path, f'ir_config.graph_names.{graph}.{part} has {len(value)} names, the graph has '
                    f'{len(default)} ({default})')
            for new, old in zip(value, default):
                if ('{slot}' in old) != ('{slot}' in str(new)):
                    _fail(
                        path, f'ir_config.graph_names.{graph}.{part}: {new!r} replaces {old!r}; memory slot '
                        'names must contain "{slot}" exactly where the default does')
            names[graph][part] = value
    for graph, parts in names.items():
        flat = [n.replace('{slot}', '0') for n in parts['inputs'] + parts['outputs']]
        bad = [n for n in flat if not isinstance(n, str) or not _NAME.match(n)]
        if bad:
            _fail(path, f'ir_config.graph_names.{graph}: {bad} are not valid names (letters, digits, _)')
        for part in ('inputs', 'outputs'):
            if len(set(parts[part])) != len(parts[part]):
                _fail(path, f'ir_config.graph_names.{graph}.{part} repeats a name: {parts[part]}')
    return names


def parse_deploy_config(cfg: Union[str, Config, dict]) -> DeployConfig:
    """Read and check a deploy config.

    Args:
        cfg: a file path, an mmengine ``Config`` or a dict with ``ir_config``,
            ``codebase_config`` and ``backend_config``.

    Raises:
        DeployConfigError: a part is missing or a setting is invalid (named),
            e.g. dynamic shapes for coreml, opset < 17, an unbounded memory.
        FileNotFoundError: the file does not exist.
    """
    if isinstance(cfg, str):
        path = cfg
        cfg = read_config(cfg, what='deploy config')
    else:
        path = getattr(cfg, 'filename', None) or '<dict>'
    missing = [k for k in ('ir_config', 'codebase_config', 'backend_config') if k not in cfg]
    if missing:
        _fail(path, f'missing {missing}; a deploy config has ir_config, codebase_config and backend_config')
    ir = dict(cfg['ir_config'])
    codebase = dict(cfg['codebase_config'])
    backend_cfg = dict(cfg['backend_config'])

    backend = backend_cfg.get('type')
    if backend not in BACKENDS:
        _fail(path, f'backend_config.type {backend!r} is not supported; use one of {sorted(BACKENDS)}')
    expected_ir = BACKENDS[backend]['ir']
    ir_type = ir.get('type', expected_ir)
    if ir_type != expected_ir:
        _fail(path,
              f'ir_config.type {ir_type!r} does not fit backend {backend!r}, which takes {expected_ir!r}')
    precision = backend_cfg.get('precision', 'fp32')
    precisions = (precision, ) if isinstance(precision, str) else tuple(precision)
    for item in precisions:
        if item not in BACKENDS[backend]['precisions']:
            _fail(
                path, f'backend_config.precision {item!r} is not offered for {backend}; use one of '
                f'{list(BACKENDS[backend]["precisions"])} (or a list of them)')
    if not precisions or len(set(precisions)) != len(precisions):
        _fail(path, f'backend_config.precision {precision!r} must name distinct precisions')
    if 'int8' in precisions and 'fp32' not in precisions:
        precisions = precisions + ('fp32', )  # int8 graphs are quantised from the fp32 ones, kept too

    opset = None
    if ir_type == 'onnx':
        opset = ir.get('opset_version', MIN_OPSET)
        if not isinstance(opset, int) or opset < MIN_OPSET:
            _fail(path, f'ir_config.opset_version must be an int >= {MIN_OPSET}, got {opset!r}')

    input_shape = _shape(ir.get('input_shape'), path, 'ir_config.input_shape')
    dynamic = tuple(ir.get('dynamic_axes') or ())
    unknown = [a for a in dynamic if a not in DYNAMIC_AXES]
    if unknown:
        _fail(path, f'ir_config.dynamic_axes {unknown} are unknown; choose from {list(DYNAMIC_AXES)}')
    spatial_dynamic = 'height' in dynamic or 'width' in dynamic
    if expected_ir == 'torch.export' and (dynamic or input_shape is None):
        _fail(
            path,
            f'dynamic shapes were requested (dynamic_axes={list(dynamic)}, input_shape={input_shape}) but '
            f'the {backend} exporter writes static graphs only (torch.export specialises every shape): set '
            'ir_config.input_shape=[H, W] and dynamic_axes=() (a static config, e.g. '
            f'vos_{backend}_static-480x854.py)')
    if input_shape is None and not spatial_dynamic:
        _fail(
            path, 'ir_config.input_shape is None but dynamic_axes has neither height nor width: '
            'give a static [H, W] or make height/width dynamic')
    if input_shape is not None and spatial_dynamic:
        _fail(
            path, f'ir_config.input_shape {list(input_shape)} is static but dynamic_axes has '
            f'{[a for a in dynamic if a != "objects"]}: set input_shape=None for a dynamic config')
    example = _shape(ir.get('example_shape', [64, 96]), path, 'ir_config.example_shape')
    graph_names = _graph_names(ir, path)

    graphs = tuple(codebase.get('graphs', GRAPH_NAMES))
    unknown = [g for g in graphs if g not in GRAPH_NAMES]
    if unknown or not graphs or len(set(graphs)) != len(graphs):
        _fail(path, f'codebase_config.graphs {list(graphs)} must be distinct names from {list(GRAPH_NAMES)}')
    graphs = tuple(g for g in GRAPH_NAMES if g in graphs)
    memory = codebase.get('memory', dict(type='FirstLatestMemory', keep_first=True, num_latest=1))
    try:
        memory = parse_memory(memory)
    except ValueError as err:
        _fail(path, f'codebase_config.memory: {err}')
    capacity = memory_capacity(memory, path)
    max_objects = codebase.get('max_objects', None)
    if max_objects is not None and (not isinstance(max_objects, int) or max_objects < 1):
        _fail(path, f'codebase_config.max_objects must be a positive int, got {max_objects!r}')
    if max_objects is None and 'objects' not in dynamic:
        _fail(
            path, 'codebase_config.max_objects is needed: the graphs have a static number of objects '
            "(or add 'objects' to ir_config.dynamic_axes)")

    quantization = None
    if 'int8' in precisions:
        quantization = copy.deepcopy(DEFAULT_QUANTIZATION)
        given = dict(backend_cfg.get('quantization') or {})
        unknown = set(given) - set(quantization)
        if unknown:
            _fail(
                path, f'backend_config.quantization has unknown keys {sorted(unknown)}; known: '
                f'{sorted(quantization)}')
        quantization.update(given)
        bad = [g for g in quantization['graphs'] if g not in graphs]
        if bad:
            _fail(path, f'backend_config.quantization.graphs {bad} are not exported graphs {list(graphs)}')
    coreml = None
    if backend == 'coreml':
        convert_to = backend_cfg.get('convert_to', 'mlprogram')
        if convert_to != 'mlprogram':
            _fail(path, f"backend_config.convert_to {convert_to!r}: only 'mlprogram' (.mlpackage) is written")
        coreml = dict(convert_to=convert_to,
                      minimum_deployment_target=backend_cfg.get('minimum_deployment_target', 'iOS16'))
    return DeployConfig(path=str(path),
                        backend=backend,
                        precision=precisions[0],
                        precisions=precisions,
                        ir=ir_type,
                        opset=opset,
                        input_shape=input_shape,
                        example_shape=example,
                        dynamic_axes=dynamic,
                        graphs=graphs,
                        graph_names=graph_names,
                        memory=memory,
                        memory_frames=capacity,
                        max_objects=max_objects,
                        quantization=quantization,
                        coreml=coreml,
                        raw=dict(ir_config=ir, codebase_config=codebase, backend_config=backend_cfg))


def expand_slot_names(names: Sequence[str], num_slots: int) -> List[str]:
    """``['key', 'memory_key_{slot}', ...]`` -> ``['key', 'memory_key_0', 'memory_key_1', ...]``."""
    out: List[str] = []
    for name in names:
        if '{slot}' in name:
            out.extend(name.replace('{slot}', str(i)) for i in range(num_slots))
        else:
            out.append(name)
    return out
