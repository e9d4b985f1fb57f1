"""``export_network()``: a built network + a deploy config -> per-frame graphs and export_meta.json."""
import copy
import os
import os.path as osp
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.config import Config

from mobilevos.models.vos.aggregation import PADDED_LOGIT
from mobilevos.models.vos.steps import STEP_METHODS
from mobilevos.version import __version__

from .config import DeployConfig, parse_deploy_config
from .errors import DeployError, GraphExportError
from .graphs import CALL_ORDER, GraphSpec, build_graph_specs, export_dims, network_dims
from .meta import META_FILE, file_sha256, path_size, weights_sha256, write_meta
from .runtime import ExportedNetwork


#: How each backend's files are made (``export_meta.json``: ``ir.exporter``).
EXPORTERS = dict(onnxruntime='torch.onnx.export(dynamo=False)',
                 coreml='torch.export.export().run_decompositions({}) + coremltools.convert(mlprogram)',
                 litert='litert_torch.convert (torch.export inside)')


def check_stm_network(network: nn.Module, source: str = 'the network') -> None:
    """Raise ``TypeError`` unless ``network`` has the step methods and feature spec the graphs wrap."""
    missing = [s for s in STEP_METHODS if not hasattr(network, s)]
    if missing or not hasattr(network, 'key_spec'):
        raise TypeError(f'{source} builds {type(network).__name__}, which is not an STM network '
                        f'(no {missing or "key_spec"}); deploy needs STMNetwork or a distillation config')


def model_info(network: nn.Module, config: Optional[str] = None, checkpoint: Optional[str] = None) -> dict:
    """The ``model`` block of ``export_meta.json``: type, sources and digests."""
    return dict(type=type(network).__name__,
                config=config,
                checkpoint=osp.basename(checkpoint) if checkpoint else None,
                checkpoint_sha256=file_sha256(checkpoint) if checkpoint else None,
                weights_sha256=weights_sha256(network),
                num_parameters=sum(p.numel() for p in network.parameters()))


def switch_to_deploy(network: nn.Module) -> nn.Module:
    """Fold train-time structure before export: call ``switch_to_deploy()`` on every submodule defining it.

    Re-parameterisable blocks (e.g. a plugin backbone with train-time conv/BN
    branches) fold themselves into the layers they run as at inference.
    Modules are visited outermost first; a module already folded (e.g. by its
    parent) must treat the call as a no-op. In place; returns ``network``.
    """
    for module in list(network.modules()):
        fold = getattr(module, 'switch_to_deploy', None)
        if callable(fold):
            fold()
    return network


def _slot_descriptions(memory: dict, frames: int) -> List[str]:
    kind = memory.get('type')
    if kind == 'FirstLatestMemory' and memory.get('keep_first', True):
        latest = frames - 1
        return ['the first annotated frame (kept for the whole video)'
                ] + [f'latest stored frame {i + 1} of {latest}, oldest first' for i in range(latest)]
    return [f'latest stored frame {i + 1} of {frames}, oldest first' for i in range(frames)]


def _tensor_entries(spec_tensors, dims: Dict[str, int], dynamic) -> List[dict]:
    entries = []
    for t in spec_tensors:
        axes = t.axes(dynamic)
        shape = [axes[i] if i in axes else v for i, v in enumerate(t.resolve(dims))]
        entries.append(
            dict(name=t.name, role=t.role, shape=shape, symbolic_shape=list(t.shape), dtype=t.dtype))
    return entries


def build_meta(cfg: DeployConfig, network: nn.Module, specs: List[GraphSpec], dims: Dict[str, int],
               files: Dict[str, Dict[str, str]], work_dir: str, model_info: dict) -> dict:
    """The ``export_meta.json`` dict (see :mod:`mobilevos.deploy.meta` for the fields)."""
    import onnx
    import onnxruntime
    preprocessor = network.data_preprocessor
    mean = [float(v) for v in preprocessor.mean.flatten()]
    std = [float(v) for v in preprocessor.std.flatten()]
    static_size = cfg.input_shape is not None
    graphs = {}
    for spec in specs:
        graphs[spec.name] = dict(step=spec.step,
                                 files=files[spec.name],
                                 bytes={
                                     p: path_size(osp.join(work_dir, f))
                                     for p, f in files[spec.name].items()
                                 },
                                 inputs=_tensor_entries(spec.inputs, dims, cfg.dynamic_axes),
                                 outputs=_tensor_entries(spec.outputs, dims, cfg.dynamic_axes))
    versions = dict(torch=torch.__version__)
    if cfg.backend == 'onnxruntime':
        versions.update(onnx=onnx.__version__, onnxruntime=onnxruntime.__version__)
    elif cfg.backend == 'litert':
        from .litert_export import litert_versions
        versions.update(litert_versions())
    else:
        from .coreml_export import import_coremltools
        versions.update(coremltools=import_coremltools().__version__)
    reader = network.memory_reader
    return dict(
        format_version=1,
        mobilevos_version=__version__,
        task='vos',
        backend=cfg.backend,
        precision=cfg.precision,
        precisions=list(cfg.precisions),
        deploy_config=dict(file=osp.basename(cfg.path), **copy.deepcopy(cfg.raw)),
        model=model_info,
        ir=dict(type=cfg.ir, opset=cfg.opset, exporter=EXPORTERS[cfg.backend], versions=versions),
        input=dict(frame_size=list(cfg.input_shape) if static_size else None,
                   input_size=[dims['H'], dims['W']] if static_size else None,
                   example_input_size=[dims['H'], dims['W']],
                   size_divisor=int(preprocessor.size_divisor),
                   layout='NCHW',
                   dtype='float32',
                   channel_order='BGR' if getattr(preprocessor, 'bgr_to_rgb', False) else 'RGB',
                   mean=mean,
                   std=std,
                   normalisation='x = (pixel - mean) / std per channel, pixel in 0..255',
                   padding=('resize the frame to frame_size (static graphs), normalise, then pad bottom and '
                            'right with 0 up to input_size (multiples of size_divisor)'),
                   dynamic_axes=list(cfg.dynamic_axes)),
        memory=dict(
            policy=dict(cfg.memory),
            frames=cfg.memory_frames,
            slots=_slot_descriptions(cfg.memory, cfg.memory_frames),
            padding=('a slot with no frame yet repeats the last stored key (and values; they are masked) '
                     'with memory_valid[:, :, t] = 0; the key must be a real one so that the softmax over '
                     'memory positions does not underflow on the real frames. Slot order does not matter '
                     'as long as a slot\'s key, values and memory_valid column stay together'),
            valid=('memory_valid[0, k, t] = 1 if object k was known (annotated on or before that frame) '
                   'when slot t was stored, else 0'),
            update=('after aggregate, unless it is the video\'s last frame: values = value_encoder(...); '
                    'the first frame stored with an annotation fills the first slot for good; every '
                    'other stored frame becomes the latest (the oldest latest slot is dropped)')),
        objects=dict(max_objects=cfg.max_objects,
                     dynamic='objects' in cfg.dynamic_axes,
                     padding=('objects are numbered 1..K in order of first annotation; unused object slots '
                              'get masks = others = prob = 0, object_valid = 0 and memory_valid = 0; their '
                              'outputs are ignored')),
        network=dict(type=type(network).__name__,
                     stride=16,
                     channels=network_dims(network),
                     memory_reader=dict(similarity=getattr(reader, 'similarity', None),
                                        top_k=getattr(reader, 'top_k', None)),
                     aggregate_padded_logit=PADDED_LOGIT),
        graphs=graphs,
        call_order=CALL_ORDER,
        postprocess=(
            'labels = argmax over the K+1 channels of aggregate.logits (0 = background, k = object k); '
            'crop to the frame size before padding, resize to the original frame (nearest)'),
    )


def _check_io(spec: GraphSpec, described: Dict[str, List[dict]], dims: Dict[str, int], dynamic,
              path: str) -> None:
    """The written file's input/output names (and static shapes) are those of the spec."""
    for part, tensors in (('inputs', spec.inputs), ('outputs', spec.outputs)):
        names = [t['name'] for t in described[part]]
        expected = [t.name for t in tensors]
        if names != expected:
            raise GraphExportError(f'{path}: {part} are {names}, expected {expected}')
        for entry, tensor in zip(described[part], tensors):
            if not entry['shape']:
                continue  # coremltools may leave output shapes unset
            want = [
                v if i not in tensor.axes(dynamic) else entry['shape'][i]
                for i, v in enumerate(tensor.resolve(dims))
            ]
            if list(entry['shape']) != want:
                raise GraphExportError(f'{path}: {part[:-1]} {entry["name"]} has shape {entry["shape"]}, '
                                       f'expected {want}')


def export_network(network: nn.Module,
                   deploy_cfg: Union[str, Config, dict, DeployConfig],
                   work_dir: str,
                   config: Optional[str] = None,
                   checkpoint: Optional[str] = None,
                   verify: bool = True,
                   log=None) -> dict:
    """Export a built network's per-frame graphs as ``deploy_cfg`` says, and write ``export_meta.json``.

    The meta file is removed first and written last, so a folder with an
    ``export_meta.json`` always holds a complete export.

    Args:
        network: an STM network (put in eval mode here), e.g. from :func:`mobilevos.apis.init_model`.
        deploy_cfg: a deploy config (file, Config, dict or parsed).
        work_dir: output folder (created).
        config / checkpoint: the files ``network`` came from, recorded in the meta's ``model`` block
            (with the checkpoint's digest).
        verify: for onnxruntime and litert, compare each fp32 graph with eager PyTorch on random inputs
            and store the max abs differences in the meta (``verification``).
        log: a ``print``-like callable for progress (``None``: silent).

    Returns:
        the meta dict.

    Raises:
        DeployConfigError: the deploy config is invalid.
        TypeError: ``network`` is not an STM network.
        UnsupportedOpError / GraphExportError: a graph cannot be exported (the graph, op and module named).
    """
    log = log or (lambda *a, **k: None)
    cfg = deploy_cfg if isinstance(deploy_cfg, DeployConfig) else parse_deploy_config(deploy_cfg)
    check_stm_network(network, config or 'the network')
    switch_to_deploy(network.eval())  # re-parameterisable modules fold here
    os.makedirs(work_dir, exist_ok=True)
    size_divisor = int(getattr(network.data_preprocessor, 'size_divisor', 16))
    if size_divisor % 16:
        raise DeployError(f'the network pads to multiples of {size_divisor}; exported graphs need 16')
    dims = export_dims(cfg, size_divisor)
    specs = build_graph_specs(network, cfg)
    # graphs are about to be (re)written: a previous export's meta no longer describes the folder
    meta_path = osp.join(work_dir, META_FILE)
    if osp.exists(meta_path):
        os.remove(meta_path)
    files: Dict[str, Dict[str, str]] = {}
    if cfg.backend == 'onnxruntime':
        from .onnx_export import export_onnx_graph, onnx_io, probe_dynamic_axes
        for index, spec in enumerate(specs):
            name = f'{spec.name}.onnx'
            path = osp.join(work_dir, name)
            log(f'  {spec.name}: torch.onnx.export (opset {cfg.opset}) -> {name}')
            export_onnx_graph(spec, spec.example_inputs(dims, seed=index), path, cfg.opset, cfg.dynamic_axes)
            _check_io(spec, onnx_io(path), dims, cfg.dynamic_axes, path)
            probe_dynamic_axes(spec, path, dims, cfg.dynamic_axes)
            files[spec.name] = {'fp32': name}
    elif cfg.backend == 'litert':
        from .litert_export import export_litert_graph, litert_io
        for index, spec in enumerate(specs):
            name = f'{spec.name}.tflite'
            path = osp.join(work_dir, name)
            log(f'  {spec.name}: litert_torch.convert -> {name}')
            export_litert_graph(spec, spec.example_inputs(dims, seed=index), path)
            _check_io(spec, litert_io(path, spec), dims, cfg.dynamic_axes, path)
            files[spec.name] = {'fp32': name}
    else:
        from .coreml_export import coreml_io, export_coreml_graph
        program_diffs = {}
        for index, spec in enumerate(specs):
            names = {
                p: (f'{spec.name}.mlpackage' if p == 'fp32' else f'{spec.name}.{p}.mlpackage')
                for p in cfg.precisions
            }
            log(f'  {spec.name}: torch.export + coremltools -> {", ".join(names.values())}')
            program_diffs[spec.name] = export_coreml_graph(spec, spec.example_inputs(dims, seed=index), {
                p: osp.join(work_dir, n)
                for p, n in names.items()
            }, cfg.coreml['minimum_deployment_target'])
            for name in names.values():
                _check_io(spec, coreml_io(osp.join(work_dir, name)), dims, cfg.dynamic_axes, name)
            files[spec.name] = names
    meta = build_meta(cfg, network, specs, dims, files, work_dir, model_info(network, config, checkpoint))
    if cfg.backend == 'coreml':
        meta['verification'] = dict(
            inputs='random (features N(0,1), masks in [0,1], validity 0/1)',
            note=('Core ML cannot run on Linux: compared is the torch.export program that coremltools '
                  'converts (run in PyTorch) with the eager wrapper'),
            max_abs_diff=dict(torch_export_program=program_diffs))
    if cfg.backend in ('onnxruntime', 'litert'):
        # a meta with the fp32 files only, so that the runtime can run them for calibration/verification
        fp32_meta = dict(meta, precision='fp32', precisions=['fp32'])
        write_meta(fp32_meta, work_dir)
        try:
            if 'int8' in cfg.precisions:
                _quantize(cfg, work_dir, meta, log)
            if verify:
                from .verify import graph_parity
                log('  verifying: each fp32 graph vs eager PyTorch on random inputs')
                meta['verification'] = dict(
                    inputs='random (features N(0,1), masks in [0,1], validity 0/1), seed 0',
                    max_abs_diff=dict(fp32=graph_parity(network, work_dir, 'fp32')))
        finally:
            os.remove(meta_path)
    write_meta(meta, work_dir)
    return meta


def _quantize(cfg: DeployConfig, work_dir: str, meta: dict, log) -> None:
    from .quantize import quantize_graph, record_feeds, synthetic_calibration_videos
    q = cfg.quantization
    size = cfg.input_shape or cfg.example_shape
    log(f'  int8: calibrating on {q["num_videos"]} synthetic videos x {q["num_frames"]} frames '
        f'at {list(size)}')
    videos = synthetic_calibration_videos(q['num_videos'], q['num_frames'], size, cfg.max_objects, q['seed'])
    feeds = record_feeds(ExportedNetwork(work_dir, precision='fp32'), videos)
    for graph, info in meta['graphs'].items():
        fp32 = info['files']['fp32']
        if graph in q['graphs']:
            int8 = f'{graph}.int8.onnx'
            log(f'  int8: quantize_static {fp32} ({len(feeds.get(graph, []))} calibration inputs) -> {int8}')
            quantize_graph(osp.join(work_dir, fp32), osp.join(work_dir, int8), feeds.get(graph, []), q)
            info['files']['int8'] = int8
            info['bytes']['int8'] = path_size(osp.join(work_dir, int8))
        else:
            info['files']['int8'] = fp32  # stays fp32 (e.g. the read-out's softmax)
            info['bytes']['int8'] = info['bytes']['fp32']
    meta['quantization'] = dict(
        q,
        graphs=list(q['graphs']),
        op_types=list(q['op_types']),
        calibration=('synthetic videos from mobilevos.datasets.synthetic.generate_video, '
                     'run through the fp32 graphs with the video loop'))

