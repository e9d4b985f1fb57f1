"""Parity checks: exported graphs vs eager PyTorch, per graph and over a whole video."""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch

from .errors import DeployError
from .graph_runner import graph_runner
from .graphs import TensorSpec, eager_reference, random_input
from .meta import read_meta


def lecun_random_init_(network: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Random weights that keep activations of order 1 through depth, for parity checks and benchmarks.

    No trained checkpoint ships with the repository. With the configs' own
    initialisation the MobileNetV2 students' features shrink to ~1e-5 and
    every pixel gets nearly the same probability, so masks are decided by
    near-ties: float rounding then flips pixels and the comparison says
    nothing. Here every conv/linear weight is ``N(0, 1/fan_in)`` (LeCun
    normal), biases ``U(-0.1, 0.1)``, and batch-norm scale, shift and running
    statistics are randomised (so folding them into convs is exercised). The
    masks then depend on the memory (a different first-frame mask gives
    different masks), yet are not chaotic. In place; returns ``network``.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in network.modules():
            if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
                fan_in = module.weight[0].numel()
                module.weight.normal_(0.0, fan_in**-0.5, generator=generator)
                if module.bias is not None:
                    module.bias.uniform_(-0.1, 0.1, generator=generator)
            elif isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
                module.weight.uniform_(0.5, 1.5, generator=generator)
                module.bias.uniform_(-0.1, 0.1, generator=generator)
                module.running_mean.normal_(0.0, 0.1, generator=generator)
                module.running_var.uniform_(0.5, 1.5, generator=generator)
    return network


def meta_dims(meta: dict,
              height: Optional[int] = None,
              width: Optional[int] = None,
              objects: Optional[int] = None) -> Dict[str, int]:
    """Concrete ``H, W, K, T`` for an export: its static sizes, or the given ones for dynamic axes."""
    inp, dynamic = meta['input'], meta['input']['dynamic_axes']
    if inp['input_size'] is not None:
        height, width = inp['input_size']
    height = height or inp['example_input_size'][0]
    width = width or inp['example_input_size'][1]
    if 'objects' not in dynamic:
        objects = meta['objects']['max_objects']
    return dict(H=height, W=width, K=objects or 2, T=meta['memory']['frames'])


def _spec(entry: dict) -> TensorSpec:
    return TensorSpec(entry['name'], tuple(entry['symbolic_shape']), role=entry['role'])


def graph_parity(network: torch.nn.Module,
                 deploy_dir: str,
                 precision: str = 'fp32',
                 seed: int = 0,
                 dims: Optional[Dict[str, int]] = None,
                 graphs: Optional[Sequence[str]] = None,
                 scales: Optional[Dict[str, Dict[str, float]]] = None) -> Dict[str, Dict[str, float]]:
    """Max abs difference between each exported graph and the network's eager step on random inputs.

    The graphs of an onnxruntime export run in ONNX Runtime, those of a litert
    export in the LiteRT interpreter (with litert-torch's environment).

    Inputs are random in the ranges the loop produces (features N(0, 1),
    masks in [0, 1], validity 0/1). The eager reference is
    :func:`~mobilevos.deploy.graphs.eager_reference` (``read_memory`` is the
    network's own ``read_memory`` on the stacked slots).

    Args:
        network: the exported network, in eval mode, with the same weights.
        deploy_dir: an onnxruntime or litert export.
        precision: the variant to compare.
        seed: seed of the random inputs.
        dims: ``H, W, K, T`` to run at (dynamic axes only); default :func:`meta_dims`.
        graphs: a subset of graphs.
        scales: if given, filled with graph -> output name -> max abs value of the eager output
            (to see that a small difference is not a small output).

    Returns:
        graph -> output name -> max abs difference.
    """
    meta = read_meta(deploy_dir)
    if meta['backend'] not in ('onnxruntime', 'litert'):
        raise DeployError(f'{deploy_dir} holds a {meta["backend"]} export, which cannot run here; '
                          'graph_parity runs onnxruntime and litert exports')
    dims = dims or meta_dims(meta)
    generator = torch.Generator().manual_seed(seed)
    results: Dict[str, Dict[str, float]] = {}
    network.eval()
    for graph, info in meta['graphs'].items():
        if graphs is not None and graph not in graphs:
            continue
        specs = [_spec(e) for e in info['inputs']]
        inputs = [random_input(s, dims, generator) for s in specs]
        run = graph_runner(meta['backend'], osp.join(deploy_dir, info['files'][precision]),
                            [e['name'] for e in info['outputs']])
        outputs = run({s.name: x.numpy() for s, x in zip(specs, inputs)})
        expected = eager_reference(network, graph, inputs, meta['memory']['frames'])
        if scales is not None:
            scales[graph] = {
                entry['name']: float(ref.abs().max()) if ref.numel() else 0.0
                for entry, ref in zip(info['outputs'], expected)
            }
        results[graph] = {
            entry['name']: float(np.abs(out - ref.numpy()).max()) if out.size else 0.0
            for entry, out, ref in zip(info['outputs'], outputs, expected)
        }
    return results


def mean_object_iou(pred: np.ndarray, ref: np.ndarray) -> float:
    """Mean over object ids present in either map of the IoU of their masks (1.0 if neither has any)."""
    ids = np.union1d(np.unique(pred), np.unique(ref))
    ids = ids[ids != 0]
    if ids.size == 0:
        return 1.0
    from mobilevos.evaluation import region_similarity
    return float(np.mean([region_similarity(ref == i, pred == i) for i in ids]))


def segment_video(inferencer, frames: np.ndarray, annotations: Dict[int, np.ndarray]) -> List[np.ndarray]:
    """Id maps of every frame of an in-memory video (``VideoInferencer.propagate``)."""
    return [r.ids for r in inferencer.propagate(list(frames), annotations, num_frames=len(frames))]


def jf_mean(gt: Sequence[np.ndarray], preds: Sequence[np.ndarray]) -> float:
    """J&F-Mean of one sequence (DAVIS protocol: first and last frames not scored; objects of frame 0)."""
    from mobilevos.evaluation import evaluate_sequence
    result = evaluate_sequence(list(gt), list(preds), objects='all')
    return float((result.j.mean() + result.f.mean()) / 2)


__all__ = ['lecun_random_init_', 'meta_dims', 'graph_parity', 'mean_object_iou', 'segment_video', 'jf_mean']
