"""``export_meta.json``: everything an app needs to run the per-frame loop with the exported graphs.

Fields (``format_version`` 1)::

    format_version, mobilevos_version, task ('vos'), backend, precision (default variant),
    precisions (variants written), deploy_config (file name and the three dicts as used)
    model:  type, config, checkpoint, checkpoint_sha256, weights_sha256, num_parameters
    ir:     type ('onnx' | 'torch.export'), opset, exporter, torch / onnx / onnxruntime / coremltools versions
    input:  frame_size [H, W] (static) or null, input_size [Hp, Wp] (padded; null if dynamic),
            size_divisor 16, layout NCHW, dtype float32, channel_order RGB, mean, std (0..255 units),
            normalisation ('x = (rgb - mean) / std'), padding ('bottom/right with 0 after normalisation'),
            dynamic_axes
    memory: policy (a MEMORY config), frames (T, the read-out slots), slots (what each slot holds),
            padding (how to fill slots that hold no frame yet), update (when and how to store a frame)
    objects: max_objects (K of static graphs), dynamic (bool), padding (how unused objects are marked)
    network: key_dim, value_dim, query_dim, channels of f16/f8/f4, stride 16, memory_reader (similarity,
            top_k), aggregate padded logit
    graphs: per graph: step, files {precision: file}, bytes {precision: n}, inputs / outputs:
            [{name, role, shape, dtype}] (shape items are ints, or symbols for dynamic axes)
    call_order: the steps of one frame, in order (see graphs.CALL_ORDER)
    postprocess: how to turn logits into the label map
"""
import hashlib
import json
import os
import os.path as osp
import re
from typing import Dict, Optional

import torch

from .errors import DeployError

META_FILE = 'export_meta.json'
FORMAT_VERSION = 1


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(network: torch.nn.Module) -> str:
    """A digest of the network's state dict (names, shapes, dtypes and values, in key order).

    Two networks built from the same config with the same weights have the
    same digest; ``tools/infer.py --backend onnxruntime`` uses it to check that
    CONFIG and CKPT are those the graphs were exported from.
    """
    digest = hashlib.sha256()
    for key, value in sorted(network.state_dict().items()):
        digest.update(key.encode())
        if isinstance(value, torch.Tensor):
            tensor = value.detach().cpu().contiguous()
            digest.update(f'{tuple(tensor.shape)}{tensor.dtype}'.encode())
            digest.update(tensor.view(-1).view(torch.uint8).numpy().tobytes() if tensor.numel() else b'')
    return digest.hexdigest()


def path_size(path: str) -> int:
    """Bytes of a file, or of every file under a folder (an .mlpackage)."""
    if osp.isfile(path):
        return osp.getsize(path)
    return sum(osp.getsize(osp.join(root, f)) for root, _, files in os.walk(path) for f in files)


def dumps_compact(data) -> str:
    """JSON with 2-space indents, lists of scalars (shapes) kept on one line."""
    text = json.dumps(data, indent=2)
    return re.sub(r'\[\s+([^\[\]{}]*?)\s+\]', lambda m: '[' + re.sub(r',\s*\n\s*', ', ', m.group(1)) + ']',
                  text)


def write_meta(meta: dict, work_dir: str) -> str:
    """Write ``work_dir/export_meta.json`` atomically."""
    path = osp.join(work_dir, META_FILE)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(dumps_compact(meta) + '\n')
    os.replace(tmp, path)
    return path


def read_meta(deploy_dir: str, backend: Optional[str] = None) -> Dict:
    """Read and check ``deploy_dir/export_meta.json``.

    Args:
        deploy_dir: a folder written by ``tools/deploy.py``.
        backend: if given, the backend the folder must hold.

    Raises:
        DeployError: the folder or file is missing, unreadable, of another
            format version or another backend, or lists a graph file that is missing.
    """
    path = osp.join(str(deploy_dir), META_FILE)
    if not osp.isdir(str(deploy_dir)):
        raise DeployError(f'deploy dir {deploy_dir} does not exist')
    if not osp.isfile(path):
        raise DeployError(f'{path} is missing: {deploy_dir} is not a folder written by tools/deploy.py')
    try:
        with open(path) as f:
            meta = json.load(f)
    except (OSError, ValueError) as err:
        raise DeployError(f'{path} cannot be read: {err}') from err
    for key in ('format_version', 'backend', 'graphs', 'input', 'memory', 'objects', 'precisions'):
        if key not in meta:
            raise DeployError(f'{path} has no {key!r}: not an export_meta.json of this mobilevos version')
    if meta['format_version'] != FORMAT_VERSION:
        raise DeployError(f'{path} has format_version {meta["format_version"]}; this mobilevos reads '
                          f'{FORMAT_VERSION}: export again with tools/deploy.py')
    if backend is not None and meta['backend'] != backend:
        raise DeployError(
            f'{deploy_dir} holds a {meta["backend"]} export; {backend} is needed (export with a '
            f'{backend} deploy config, e.g. configs/deploy/vos_{backend}_static-480x854.py)')
    for graph, info in meta['graphs'].items():
        for precision, name in info['files'].items():
            if not osp.exists(osp.join(str(deploy_dir), name)):
                raise DeployError(
                    f'{deploy_dir}: the {precision} file of graph {graph!r}, {name}, is missing')
    return meta
