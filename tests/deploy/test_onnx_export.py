"""ONNX export of the three students: per-graph parity with eager PyTorch, onnx.checker, export_meta.json."""
import onnx
import pytest
import torch.nn.functional as F

import mobilevos
from mobilevos.deploy import GraphExportError, UnsupportedOpError, export_network
from mobilevos.deploy.onnx_export import onnx_io
from mobilevos.deploy.verify import graph_parity
from mobilevos.models.vos.blocks import UpsampleBlock
from mobilevos.registry import MODELS

from .helpers import HEIGHT, MAX_OBJECTS, STUDENT_CONFIGS, WIDTH, i0_tiny_cfg, onnx_cfg

GRAPHS = ['key_encoder', 'read_memory', 'decode', 'aggregate', 'value_encoder']  # a frame's call order


@pytest.mark.parametrize('student', sorted(STUDENT_CONFIGS))
def test_each_graph_matches_eager_pytorch(student_exports, student):
    export = student_exports[student]
    scales = {}
    diffs = graph_parity(export['network'], export['dir'], 'fp32', seed=1, scales=scales)
    assert list(diffs) == GRAPHS
    for graph, outputs in diffs.items():
        for name, diff in outputs.items():
            print(
                f'{student} {graph}.{name}: max abs diff {diff:.2e} (max |eager| {scales[graph][name]:.2f})')
            assert diff <= 1e-4, f'{student} {graph}.{name} differs by {diff}'
            assert scales[graph][name] > 0.05  # not a small difference of small numbers
    # the dict order is the call order, and every output was compared
    assert sum(len(v) for v in diffs.values()) == 5 + 1 + 1 + 2 + 3


@pytest.mark.parametrize('student', sorted(STUDENT_CONFIGS))
def test_files_pass_checker_and_meta_describes_them(student_exports, student):
    export = student_exports[student]
    meta, network = export['meta'], export['network']
    assert list(meta['graphs']) == GRAPHS
    for graph, info in meta['graphs'].items():
        path = f'{export["dir"]}/{info["files"]["fp32"]}'
        onnx.checker.check_model(path, full_check=True)
        model = onnx.load(path)
        assert model.opset_import[0].version == 17
        described = onnx_io(path)
        for part in ('inputs', 'outputs'):
            assert [(t['name'], t['shape']) for t in described[part]] == \
                [(t['name'], t['shape']) for t in meta['graphs'][graph][part]]
    inp = meta['input']
    assert inp['frame_size'] == [HEIGHT, WIDTH] and inp['input_size'] == [HEIGHT, WIDTH]
    assert inp['mean'] == pytest.approx(network.data_preprocessor.mean.flatten().tolist())
    assert inp['std'] == pytest.approx(network.data_preprocessor.std.flatten().tolist())
    assert inp['channel_order'] == 'RGB' and inp['layout'] == 'NCHW' and inp['dynamic_axes'] == []
    assert meta['memory']['policy'] == dict(type='FirstLatestMemory', keep_first=True, num_latest=1)
    assert meta['memory']['frames'] == 2 and len(meta['memory']['slots']) == 2
    assert meta['objects'] == dict(meta['objects'], max_objects=MAX_OBJECTS, dynamic=False)
    assert meta['ir']['opset'] == 17 and meta['mobilevos_version'] == mobilevos.__version__
    assert meta['backend'] == 'onnxruntime' and meta['precisions'] == ['fp32']
    # the call order names the graphs in the order an app calls them
    text = ' | '.join(meta['call_order'])
    positions = [
        text.index(f'{g}(') for g in ('key_encoder', 'read_memory', 'decode', 'aggregate', 'value_encoder')
    ]
    assert positions == sorted(positions)
    # shapes: the read-out takes one key and one value tensor per memory slot, as the encoders output them
    read = {t['name']: t['shape'] for t in meta['graphs']['read_memory']['inputs']}
    keys = {t['name']: t['shape'] for t in meta['graphs']['key_encoder']['outputs']}
    values = meta['graphs']['value_encoder']['outputs'][0]['shape']
    assert read['memory_key_0'] == read['memory_key_1'] == keys['key']
    assert read['memory_values_0'] == read['memory_values_1'] == values
    assert values[:2] == [1, MAX_OBJECTS] and values[-2:] == [HEIGHT // 16, WIDTH // 16]
    assert read['memory_valid'] == [1, MAX_OBJECTS, 2]


def test_every_tensor_has_rank_at_most_five(student_exports):
    """Core ML rejects rank-6 tensors: no graph may hold one (checked on the ONNX files, shape inference)."""
    export = student_exports['mbv2']
    for graph, info in export['meta']['graphs'].items():
        model = onnx.shape_inference.infer_shapes(onnx.load(f'{export["dir"]}/{info["files"]["fp32"]}'))
        values = list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output)
        ranks = {v.name: len(v.type.tensor_type.shape.dim) for v in values}
        assert len(ranks) > 3 and max(ranks.values()) <= 5, (graph, max(ranks.items(), key=lambda kv: kv[1]))


def test_dynamic_graphs_run_at_other_frame_sizes(student_exports, tmp_path):
    network = student_exports['mbv2']['network']
    meta = export_network(network, onnx_cfg(None, 2, ('height', 'width')), str(tmp_path), verify=False)
    assert meta['graphs']['key_encoder']['inputs'][0]['shape'] == [1, 3, 'H', 'W']
    assert meta['graphs']['key_encoder']['outputs'][0]['shape'] == [1, 64, 'H/16', 'W/16']
    assert meta['graphs']['aggregate']['outputs'][0]['shape'] == [1, 3, 'H', 'W']  # K+1 = 3 static
    assert meta['input']['frame_size'] is None and meta['objects']['dynamic'] is False
    for dims in (dict(H=48, W=80, K=2, T=2), dict(H=96, W=64, K=2, T=2)):  # traced at 64x96
        diffs = graph_parity(network, str(tmp_path), 'fp32', seed=2, dims=dims)
        worst = max(max(v.values()) for v in diffs.values())
        assert worst <= 1e-4, (dims, diffs)


def test_dynamic_objects_run_at_other_counts(student_exports, tmp_path):
    """With 'objects' dynamic, the graphs traced at K=2 run at K=1 and K=4 and still match eager."""
    network = student_exports['mbv2-noaspp']['network']
    meta = export_network(network, onnx_cfg(None, None, ('height', 'width', 'objects')), str(tmp_path), verify=False)
    assert meta['objects']['dynamic'] is True
    assert meta['graphs']['aggregate']['outputs'][0]['shape'] == [1, 'K+1', 'H', 'W']
    for dims in (dict(H=48, W=80, K=1, T=2), dict(H=96, W=64, K=4, T=2)):
        diffs = graph_parity(network, str(tmp_path), 'fp32', seed=2, dims=dims)
        assert max(max(v.values()) for v in diffs.values()) <= 1e-4, (dims, diffs)


def test_a_traced_constant_on_a_dynamic_axis_fails_naming_the_graph(student_exports, tmp_path, monkeypatch):
    """A shape read with x.shape and fixed by the tracer is caught by the probe after export."""
    network = student_exports['mbv2-noaspp']['network']

    def fuse_with_fixed_objects(self, projected_skip, up):  # the decoder as it was before d75267d
        upsampled = F.interpolate(up.flatten(0, 1), scale_factor=2.0, mode='bilinear', align_corners=False)
        x = upsampled.unflatten(0, up.shape[:2]) + projected_skip.unsqueeze(1)
        return self.refine(x.flatten(0, 1)).unflatten(0, up.shape[:2])

    monkeypatch.setattr(UpsampleBlock, 'fuse', fuse_with_fixed_objects)
    with pytest.raises(GraphExportError) as info:
        export_network(network, onnx_cfg(None, None, ('height', 'width', 'objects')), str(tmp_path), verify=False)
    message = str(info.value)
    assert "graph 'decode'" in message and "'objects'" in message and "'K': '2->3'" in message
    assert 'max_objects' in message
    assert not (tmp_path / 'export_meta.json').exists()


def test_unsupported_op_names_the_op_the_graph_and_the_module(tmp_path):
    network = MODELS.build(i0_tiny_cfg()).eval()
    with pytest.raises(UnsupportedOpError) as info:
        export_network(network, onnx_cfg(max_objects=2), str(tmp_path), verify=False)
    err = info.value
    assert err.op == 'aten::i0' and err.graph == 'key_encoder'
    assert err.module == 'key_encoder (I0MobileNetV2Encoder)'
    message = str(err)
    assert "'aten::i0'" in message and 'opset 17' in message
    assert 'key_encoder (I0MobileNetV2Encoder)' in message
    assert not (tmp_path / 'export_meta.json').exists()  # no meta: the folder is not a usable export
