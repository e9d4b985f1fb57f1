"""Run exported graphs with the network's step interface, so the same loop runs over them.

:class:`ExportedNetwork` exposes ``encode_key``, ``encode_value``,
``read_memory``, ``decode`` and ``aggregate`` with the tensors of
:class:`~mobilevos.models.vos.STMNetwork` (torch in, torch out), each backed
by an ONNX Runtime session (an onnxruntime export, Android's ONNX path) or the
LiteRT interpreter (a litert export; needs ``tools/install_litert.sh``'s
environment). :func:`~mobilevos.models.vos.segment_frame` and
:class:`~mobilevos.inference.VideoInferencer` therefore run over it unchanged
(the loop an Android app runs)::

    runtime = ExportedNetwork('work_dirs/deploy_mbv2')
    inferencer = VideoInferencer(runtime)          # no weights: they are in the graphs
    inferencer('frames/', 'frames/00000.png', 'out/')

Between the loop's tensors and the graphs it:

- pads objects to ``max_objects`` for static graphs (zero masks, ``object_valid``
  and ``memory_valid`` 0) and slices the padding off the outputs;
- splits the stacked memory ``(1, Ck, T', h, w)`` / ``(1, K, Cv, T', h, w)``
  into the graph's ``T`` slot inputs; slots with no frame yet repeat the last
  stored key with zero values and ``memory_valid = 0`` (the read-out
  normalises over valid frames only, so this equals reading ``T'`` frames;
  repeating a real key keeps the softmax from underflowing on the real ones);
- checks static sizes and the memory's frame count, with errors that name
  the deploy folder and what to change.
"""
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch

from mobilevos.models.vos.steps import AGGREGATE, DECODE, ENCODE_KEY, ENCODE_VALUE, GRAPH_NAMES, READ_MEMORY
from mobilevos.registry import MODELS

from .errors import DeployError, RuntimeInputError
from .graph_runner import graph_runner
from .meta import read_meta, weights_sha256

#: Export backends whose graphs run here (a coreml export runs on iOS, through Core ML).
RUNTIME_BACKENDS = ('onnxruntime', 'litert')

FeedRecorder = Callable[[str, Dict[str, np.ndarray]], None]


def _numpy(x: torch.Tensor) -> np.ndarray:
    return x.detach().to('cpu', torch.float32).contiguous().numpy()


def _pad_axis(x: np.ndarray, axis: int, size: int) -> np.ndarray:
    extra = size - x.shape[axis]
    if extra <= 0:
        return x
    widths = [(0, 0)] * x.ndim
    widths[axis] = (0, extra)
    return np.pad(x, widths)


class _AggregateStep:
    """``runtime.aggregate(prob, object_valid)``, like the network's ``aggregate`` module."""

    def __init__(self, runtime: 'ExportedNetwork'):
        self._runtime = runtime

    def __call__(self, prob: torch.Tensor, object_valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self._runtime._aggregate(prob, object_valid)


class ExportedNetwork:
    """The step methods of an STM network, run over an exported folder by ONNX Runtime or LiteRT.

    Args:
        deploy_dir: a folder written by ``tools/deploy.py`` with an onnxruntime or a litert deploy
            config (the folder's ``export_meta.json`` says which; litert needs the environment of
            ``tools/install_litert.sh``).
        precision: which variant to run (``'fp32'``, ``'int8'``); default: the export's default.
        num_threads: the runtime's intra-op threads (``None``: its default).
        providers: ONNX Runtime execution providers (default CPU).
        spinning: let ONNX Runtime's idle threads spin-wait (its default; off here because the loop
            runs torch ops between session calls, which spinning threads slow down).
        backend: the backend the folder must hold (``None``: either of :data:`RUNTIME_BACKENDS`).

    Attributes:
        meta: the folder's ``export_meta.json``.
        backend: ``'onnxruntime'`` or ``'litert'``, from the meta.
        data_preprocessor: normalises frames as the exported network did (mean/std from the meta).
        test_memory_cfg: the memory policy the graphs were exported for (the inferencer's default).
        fixed_frame_size: ``(H, W)`` frames are resized to for static graphs; ``None`` if dynamic.
        max_objects: most objects per video (``None``: no limit).
        feed_recorder: if set, called with ``(graph, feeds)`` before every session run
            (int8 calibration records the loop's real inputs this way).

    Raises:
        DeployError: the folder is missing, holds another backend, or lacks a graph file.
    """

    def __init__(self,
                 deploy_dir: str,
                 precision: Optional[str] = None,
                 num_threads: Optional[int] = None,
                 providers: Sequence[str] = ('CPUExecutionProvider', ),
                 spinning: bool = False,
                 backend: Optional[str] = None):
        self.deploy_dir = str(deploy_dir)
        self.meta = read_meta(self.deploy_dir, backend=backend)
        self.backend = self.meta['backend']
        if self.backend not in RUNTIME_BACKENDS:
            raise DeployError(f'{deploy_dir} holds a {self.backend} export; this runtime runs '
                              f'{" and ".join(RUNTIME_BACKENDS)} exports (export with e.g. '
                              'configs/deploy/vos_onnxruntime_static-480x854.py)')
        self.precision = precision or self.meta['precision']
        if self.precision not in self.meta['precisions']:
            raise RuntimeInputError(f'{deploy_dir} has no {self.precision} graphs; it holds '
                                    f'{self.meta["precisions"]}')
        missing = [g for g in GRAPH_NAMES if g not in self.meta['graphs']]
        if missing:
            raise RuntimeInputError(f'{deploy_dir} lacks the graphs {missing} (codebase_config.graphs); '
                                    'the video loop needs all five')
        self.runners = {}
        self.io: Dict[str, Tuple[List[str], List[str]]] = {}
        for graph, info in self.meta['graphs'].items():
            path = osp.join(self.deploy_dir, info['files'][self.precision])
            self.io[graph] = ([t['name'] for t in info['inputs']], [t['name'] for t in info['outputs']])
            # the loop runs torch ops between the sessions: spin-waiting threads would compete with them
            self.runners[graph] = graph_runner(self.backend, path, self.io[graph][1], num_threads, spinning,
                                               providers)
        inp = self.meta['input']
        self.data_preprocessor = MODELS.build(
            dict(type='VOSDataPreprocessor',
                 mean=inp['mean'],
                 std=inp['std'],
                 bgr_to_rgb=inp['channel_order'] == 'BGR',
                 size_divisor=inp['size_divisor']))
        self.test_memory_cfg = dict(self.meta['memory']['policy'])
        self.memory_frames = int(self.meta['memory']['frames'])
        dynamic = self.meta['input']['dynamic_axes']
        self.static_size = 'height' not in dynamic and 'width' not in dynamic
        self.fixed_frame_size = tuple(inp['frame_size']) if self.static_size else None
        self.input_size = tuple(inp['input_size']) if self.static_size else None
        self.static_objects = not self.meta['objects']['dynamic']
        self.max_objects = self.meta['objects']['max_objects']
        self.top_k = self.meta['network']['memory_reader']['top_k']
        self.aggregate = _AggregateStep(self)
        self.feed_recorder: Optional[FeedRecorder] = None

    # ----------------------------------------------------- nn.Module-like --
    def to(self, device: Union[str, torch.device]) -> 'ExportedNetwork':
        if torch.device(device).type != 'cpu':
            raise RuntimeInputError(
                f'the {self.backend} runtime of {self.deploy_dir} runs on the CPU and returns '
                f'CPU tensors; got device {device}')
        return self

    def eval(self) -> 'ExportedNetwork':
        return self

    def __repr__(self) -> str:
        return f'ExportedNetwork({self.deploy_dir!r}, precision={self.precision!r})'

    # ------------------------------------------------------------ helpers --
    def _run(self, graph: str, arrays: Sequence[np.ndarray]) -> List[np.ndarray]:
        inputs, outputs = self.io[graph]
        feeds = {name: np.ascontiguousarray(a, dtype=np.float32) for name, a in zip(inputs, arrays)}
        if self.feed_recorder is not None:
            self.feed_recorder(graph, feeds)
        return self.runners[graph](feeds)

    def _check_frame(self, frame: torch.Tensor, what: str) -> None:
        if self.input_size is not None and tuple(frame.shape[-2:]) != self.input_size:
            raise RuntimeInputError(
                f'{what}: the graphs in {self.deploy_dir} are static for padded frames '
                f'{list(self.input_size)} '
                f'(frames {list(self.fixed_frame_size)}), got {list(frame.shape[-2:])}; resize frames to '
                f'{list(self.fixed_frame_size)} (VideoInferencer does) or export with a dynamic deploy config'
            )

    def _objects(self, count: int, what: str) -> int:
        """Objects the graphs are run with for ``count`` real ones (K of static graphs)."""
        if self.max_objects is not None and count > self.max_objects:
            raise RuntimeInputError(
                f'{what}: {count} objects, but the graphs in {self.deploy_dir} take at most '
                f'{self.max_objects} '
                '(codebase_config.max_objects of the deploy config): export with a larger max_objects')
        return self.max_objects if self.static_objects else count

    # -------------------------------------------------------------- steps --
    def encode_key(self, frame: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """``frame (1,3,H,W)`` -> ``key, query, f16, f8, f4`` (see ``STMNetwork.encode_key``)."""
        self._check_frame(frame, 'encode_key')
        return tuple(torch.from_numpy(x) for x in self._run(ENCODE_KEY.graph, [_numpy(frame)]))

    def encode_value(self, frame: torch.Tensor, f16: torch.Tensor, masks: torch.Tensor,
                     others: torch.Tensor) -> torch.Tensor:
        """``frame, f16, masks (1,K,H,W), others`` -> ``values (1,K,Cv,h,w)``."""
        self._check_frame(frame, 'encode_value')
        count = masks.shape[1]
        size = self._objects(count, 'encode_value')
        values, = self._run(ENCODE_VALUE.graph, [
            _numpy(frame),
            _numpy(f16),
            _pad_axis(_numpy(masks), 1, size),
            _pad_axis(_numpy(others), 1, size)
        ])
        return torch.from_numpy(values[:, :count])

    def read_memory(self,
                    query_key: torch.Tensor,
                    memory_keys: torch.Tensor,
                    memory_values: torch.Tensor,
                    memory_valid: torch.Tensor,
                    top_k: Optional[int] = None) -> torch.Tensor:
        """``(1,Ck,h,w), (1,Ck,T',h,w), (1,K,Cv,T',h,w), (1,K,T')`` -> ``readout (1,K,Cv,h,w)``.

        Raises:
            RuntimeInputError: ``T'`` exceeds the graph's slots, or ``top_k``
                differs from the exported reader's.
        """
        if top_k is not None and top_k != self.top_k:
            raise RuntimeInputError(
                f'read_memory: top_k={top_k} was asked, but the graphs in {self.deploy_dir} '
                f'were exported with top_k={self.top_k}')
        frames = memory_keys.shape[2]
        if frames > self.memory_frames or frames < 1:
            raise RuntimeInputError(
                f'read_memory: the memory holds {frames} frames, but the graphs in {self.deploy_dir} read '
                f'{self.memory_frames} (memory policy {self.meta["memory"]["policy"]}); use that policy '
                '(the inferencer does by default) or export with codebase_config.memory set to yours')
        count = memory_values.shape[1]
        size = self._objects(count, 'read_memory')
        keys, values = _numpy(memory_keys), _numpy(memory_values)
        valid = _pad_axis(_pad_axis(_numpy(memory_valid), 1, size), 2, self.memory_frames)  # (1, K, T)
        slot_keys = [keys[:, :, min(t, frames - 1)] for t in range(self.memory_frames)]
        zeros = None
        slot_values = []
        for t in range(self.memory_frames):
            if t < frames:
                slot_values.append(_pad_axis(values[:, :, :, t], 1, size))
            else:
                if zeros is None:
                    zeros = np.zeros((1, size) + values.shape[2:3] + values.shape[4:], dtype=np.float32)
                slot_values.append(zeros)
        readout, = self._run(READ_MEMORY.graph, [_numpy(query_key)] + slot_keys + slot_values + [valid])
        return torch.from_numpy(readout[:, :count])

    def decode(self, readout: torch.Tensor, query_feat: torch.Tensor, f8: torch.Tensor,
               f4: torch.Tensor) -> torch.Tensor:
        """``readout (1,K,Cv,h,w), query, f8, f4`` -> per-object ``logits (1,K,H,W)``."""
        count = readout.shape[1]
        size = self._objects(count, 'decode')
        logits, _ = self._run(
            DECODE.graph,
            [_pad_axis(_numpy(readout), 1, size),
             _numpy(query_feat),
             _numpy(f8), _numpy(f4)])
        return torch.from_numpy(logits[:, :count])

    def _aggregate(self, prob: torch.Tensor, object_valid: Optional[torch.Tensor]) -> torch.Tensor:
        count = prob.shape[1]
        size = self._objects(count, 'aggregate')
        if object_valid is None:
            object_valid = torch.ones(prob.shape[:2])
        logits, _, _ = self._run(AGGREGATE.graph,
                                 [_pad_axis(_numpy(prob), 1, size),
                                  _pad_axis(_numpy(object_valid), 1, size)])
        return torch.from_numpy(logits[:, :count + 1])


def load_runtime(deploy_dir: str,
                 network: Optional[torch.nn.Module] = None,
                 precision: Optional[str] = None,
                 num_threads: Optional[int] = None,
                 source: Optional[str] = None,
                 backend: Optional[str] = None) -> ExportedNetwork:
    """An :class:`ExportedNetwork`, checked against the network it should have been exported from.

    With ``network`` (built and loaded by the caller, e.g.
    :func:`mobilevos.apis.init_model`), its weight digest must equal the
    export's (``export_meta.json`` ``model.weights_sha256``) and its
    normalisation the export's: the network and the deploy folder then give
    the same masks.

    Args:
        deploy_dir: a folder written by ``tools/deploy.py`` with an onnxruntime or litert deploy config.
        network: the network the graphs should come from; ``None`` skips the check.
        precision / num_threads: see :class:`ExportedNetwork`.
        source: names the network in errors (e.g. ``'CKPT with CONFIG'``).
        backend: the backend the folder must hold (``None``: either).

    Raises:
        DeployError: the folder is not a usable export (of ``backend``).
        RuntimeInputError: the folder was exported from other weights or with another normalisation.
    """
    runtime = ExportedNetwork(deploy_dir, precision=precision, num_threads=num_threads, backend=backend)
    if network is None:
        return runtime
    source = source or f'the given {type(network).__name__}'
    model = runtime.meta['model']
    if weights_sha256(network) != model.get('weights_sha256'):
        raise RuntimeInputError(
            f'{deploy_dir} was exported from {model.get("checkpoint") or "other weights"} (config '
            f'{model.get("config")}), not from {source}: the weights differ; export again with '
            'tools/deploy.py')
    for key in ('mean', 'std'):
        ours = [float(v) for v in getattr(network.data_preprocessor, key).flatten()]
        if not np.allclose(ours, runtime.meta['input'][key]):
            raise RuntimeInputError(f'{deploy_dir} normalises with {key} {runtime.meta["input"][key]}, '
                                    f'{source} with {ours}')
    return runtime
