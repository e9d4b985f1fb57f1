"""The backends ``benchmark.py`` times: eager PyTorch, and exported graphs (their export and their runtime).

- ``torch``: the network as built; ``torch-fused``: batch norms folded, channels-last
  (``VideoInferencer(optimize=True)``, :func:`mobilevos.inference.optimize_for_inference`);
- ``onnxruntime`` / ``onnxruntime-int8``: the static ONNX graphs of the deploy configs in
  :data:`DEPLOY_CFGS`, run by :class:`mobilevos.deploy.ExportedNetwork`.
"""
import copy
import os.path as osp
import time
from typing import Optional, Tuple

import torch

from mobilevos.deploy import DeployConfigError, export_network, load_runtime
from mobilevos.deploy import META_FILE, parse_deploy_config, read_meta, weights_sha256
from mobilevos.inference import optimize_for_inference
from mobilevos.utils.config import read_config

from tools.analysis.benchmark_measure import load_network

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
#: backend -> precision of the exported graphs it runs (None: eager PyTorch)
BACKENDS = {'torch': None, 'torch-fused': None, 'onnxruntime': 'fp32', 'onnxruntime-int8': 'int8'}
#: deploy config of the exports (its frame size, objects and memory are replaced by the row's)
DEPLOY_CFGS = {
    'fp32': osp.join(ROOT, 'configs', 'deploy', 'vos_onnxruntime_static-480x854.py'),
    'int8': osp.join(ROOT, 'configs', 'deploy', 'vos_onnxruntime-int8_static-480x854.py'),
}


def row_segmenter(spec: dict, device: torch.device) -> Tuple[object, Optional[torch.nn.Module]]:
    """What a row's video loop runs for ``spec['backend']``, and the eager network (``None`` for graphs).

    ``spec`` is a row spec of :func:`tools.analysis.benchmark_rows.run_row` (``config``,
    ``checkpoint``, ``seed``, ``backend``, ``deploy_dir``, ``precision``, ``threads``).
    """
    if BACKENDS[spec['backend']] is None:
        network = load_network(spec['config'], spec['checkpoint'], spec['seed']).to(device)
        return (optimize_for_inference(network) if spec['backend'] == 'torch-fused' else network), network
    return load_runtime(spec['deploy_dir'], precision=spec['precision'], num_threads=spec['threads']), None


def onnx_export(network: torch.nn.Module,
                config: str,
                checkpoint: Optional[str],
                precision: str,
                size: Tuple[int, int],
                objects: int,
                work_dir: str,
                reuse: bool = False,
                log=print) -> Tuple[Optional[str], str]:
    """Export (or reuse) the static ONNX graphs of ``network`` for frames of ``size`` and K = ``objects``.

    With the deploy config ``DEPLOY_CFGS[precision]`` (int8 exports hold the fp32
    graphs too), the network's own ``test_memory``. The folder is
    ``work_dir/onnx/<config>_<H>x<W>_k<K>_<precision>_<weights digest>``; with ``reuse``, a
    complete export found there (``export_meta.json``, same size) is used as it is (its graphs are
    those of the export code of its day).

    Returns:
        ``(folder, '')``, or ``(None, reason)`` when the network cannot be exported
        (e.g. a growing memory: static graphs read a fixed number of frames).
    """
    cfg = read_config(DEPLOY_CFGS[precision], what='deploy config')
    cfg.ir_config.input_shape = list(size)
    cfg.codebase_config.max_objects = objects
    cfg.codebase_config.memory = copy.deepcopy(network.test_memory_cfg)
    try:
        parsed = parse_deploy_config(cfg)
    except DeployConfigError as err:
        return None, f'not exported: {err}'
    stem = osp.splitext(osp.basename(config))[0]
    folder = osp.join(
        work_dir, 'onnx', f'{stem}_{size[0]}x{size[1]}_k{objects}_{parsed.precision}_'
        f'{weights_sha256(network)[:12]}')
    if reuse and osp.exists(osp.join(folder,
                                     META_FILE)) and read_meta(folder)['input']['frame_size'] == list(size):
        log(f'reusing the ONNX export in {folder}')
        return folder, ''
    start = time.time()
    export_network(copy.deepcopy(network), parsed, folder, config=config, checkpoint=checkpoint, verify=False)
    log(f'exported {stem} (K={objects}, {parsed.precision}) to {folder} in {time.time() - start:.0f} s')
    return folder, ''


def onnx_mb(deploy_dir: str, backend: str) -> float:
    """MB of the graph files a backend's row runs from ``deploy_dir``."""
    graphs = read_meta(deploy_dir)['graphs'].values()
    return sum(g['bytes'][BACKENDS[backend]] for g in graphs) / 1e6
