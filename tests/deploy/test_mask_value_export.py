"""ONNX export of the mask-only value encoder option (configs/mobilevos_mbv2-maskvalue_synthetic.py).

Its value encoder ignores the frame, and the TorchScript exporter drops unused inputs: the export adds the
``frame`` input of ``value_encoder`` back (unused), so the files, export_meta.json and the runtime's calls
are those of every other network. Random weights: parity of the graphs and of the loop, not quality.
"""
import os.path as osp

import numpy as np
import onnx
import pytest
import torch

from mobilevos.apis import init_model
from mobilevos.deploy import ExportedNetwork, export_network
from mobilevos.deploy.verify import graph_parity, lecun_random_init_, mean_object_iou, segment_video
from mobilevos.inference import VideoInferencer

from .helpers import ROOT, late_object_video, onnx_cfg

CONFIG = osp.join(ROOT, 'configs', 'mobilevos_mbv2-maskvalue_synthetic.py')
VALUE_INPUTS = ['frame', 'f16', 'masks', 'others']

#: exporting the MBv2 option's five graphs takes ~20-40 s on 2 cores
pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def option_export(tmp_path_factory):
    network = lecun_random_init_(init_model(CONFIG), seed=3)
    assert network.value_inputs == ('mask', 'others')
    work_dir = str(tmp_path_factory.mktemp('maskvalue'))
    meta = export_network(network, onnx_cfg(), work_dir, verify=False)
    return dict(network=network, dir=work_dir, meta=meta)


def test_value_encoder_keeps_its_frame_input_unused(option_export):
    path = osp.join(option_export['dir'], option_export['meta']['graphs']['value_encoder']['files']['fp32'])
    model = onnx.load(path)
    assert [i.name for i in model.graph.input] == VALUE_INPUTS
    assert [t['name'] for t in option_export['meta']['graphs']['value_encoder']['inputs']] == VALUE_INPUTS
    consumed = {name for node in model.graph.node for name in node.input}
    assert 'frame' not in consumed and {'f16', 'masks', 'others'} <= consumed
    frame = model.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in frame] == [1, 3, 64, 96]


def test_each_graph_matches_eager_pytorch(option_export):
    scales = {}
    diffs = graph_parity(option_export['network'], option_export['dir'], 'fp32', seed=1, scales=scales)
    assert sorted(diffs) == sorted(['key_encoder', 'read_memory', 'decode', 'aggregate', 'value_encoder'])
    for graph, outputs in diffs.items():
        for name, diff in outputs.items():
            print(f'maskvalue {graph}.{name}: max abs diff {diff:.2e} (max |eager| {scales[graph][name]:.2f})')
            assert diff <= 1e-4 and scales[graph][name] > 0.05


def test_runtime_masks_match_eager_over_a_video(option_export):
    video = late_object_video(num_frames=30)
    frames, annotations = video['frames'][:10], {0: video['annotations'][0]}  # objects 2 and 3
    eager = segment_video(VideoInferencer(option_export['network']), frames, annotations)
    ort = segment_video(VideoInferencer(ExportedNetwork(option_export['dir'])), frames, annotations)
    ious = [mean_object_iou(a, b) for a, b in zip(ort, eager)]
    print(f'maskvalue: per-frame IoU min {min(ious):.4f} mean {np.mean(ious):.4f} (random weights)')
    assert len(ort) == 10 and min(ious) >= 0.99
    assert len(np.unique(np.stack(eager[1:]))) >= 2  # not an empty segmentation


def test_dynamic_export_runs_at_other_sizes(option_export, tmp_path):
    # export_network probes every graph at other heights, widths and object counts (probe_dynamic_axes)
    meta = export_network(option_export['network'], onnx_cfg(input_shape=None, max_objects=None,
                                                             dynamic_axes=('height', 'width', 'objects')),
                          str(tmp_path), verify=False)
    runtime = ExportedNetwork(str(tmp_path))
    frame = torch.randn(1, 3, 48, 80)
    masks = torch.rand(1, 4, 48, 80)
    with torch.no_grad():
        f16 = option_export['network'].encode_key(frame)[2]
        expected = option_export['network'].encode_value(frame, f16, masks, masks.sum(1, keepdim=True) - masks)
    values = runtime.encode_value(frame, f16, masks, masks.sum(1, keepdim=True) - masks)
    assert meta['graphs']['value_encoder']['inputs'][0]['symbolic_shape'] == [1, 3, 'H', 'W']
    assert values.shape == expected.shape and torch.allclose(values, expected, atol=1e-4)
