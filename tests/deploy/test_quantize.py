"""int8 ONNX graphs: static quantisation calibrated on synthetic videos through the real loop."""
import numpy as np
import onnx
import onnxruntime as ort
import pytest

from mobilevos.deploy import ExportedNetwork, export_network
from mobilevos.deploy.quantize import record_feeds, synthetic_calibration_videos
from mobilevos.deploy.verify import jf_mean, mean_object_iou, segment_video
from mobilevos.inference import VideoInferencer

from .helpers import late_object_video, onnx_cfg

QUANTISED = ('key_encoder', 'decode', 'value_encoder')


@pytest.fixture(scope='module')
def int8_export(student_exports, tmp_path_factory):
    network = student_exports['mbv2-noaspp']['network']
    work_dir = str(tmp_path_factory.mktemp('int8'))
    meta = export_network(network,
                          onnx_cfg(precision='int8', quantization=dict(num_videos=1, num_frames=4)),
                          work_dir,
                          verify=False)
    return dict(network=network, dir=work_dir, meta=meta)


def test_calibration_records_the_inputs_of_every_call(student_exports):
    runtime = ExportedNetwork(student_exports['r18']['dir'])
    videos = synthetic_calibration_videos(1, 5, (64, 96), max_objects=3, seed=3)
    assert videos[0]['masks'].max() <= 3 and videos[0]['frames'].shape == (5, 64, 96, 3)
    feeds = record_feeds(runtime, videos)
    # 5 frames: every frame is key-encoded and aggregated; frames 1..4 read and decode; frames 0..3 are stored
    assert {
        g: len(v)
        for g, v in feeds.items()
    } == dict(key_encoder=5, aggregate=5, read_memory=4, decode=4, value_encoder=4)
    for graph, info in runtime.meta['graphs'].items():
        assert list(feeds[graph][0]) == [t['name'] for t in info['inputs']]
        assert [list(a.shape) for a in feeds[graph][0].values()] == [t['shape'] for t in info['inputs']]
    assert runtime.feed_recorder is None  # removed afterwards


def test_int8_graphs_are_quantised_smaller_and_listed_next_to_fp32(int8_export):
    meta, work_dir = int8_export['meta'], int8_export['dir']
    assert meta['precision'] == 'int8' and meta['precisions'] == ['int8', 'fp32']
    assert meta['quantization']['graphs'] == list(QUANTISED)
    for graph, info in meta['graphs'].items():
        if graph not in QUANTISED:
            assert info['files']['int8'] == info['files']['fp32'] == f'{graph}.onnx'
            continue
        assert info['files'] == dict(fp32=f'{graph}.onnx', int8=f'{graph}.int8.onnx')
        model = onnx.load(f'{work_dir}/{info["files"]["int8"]}')
        onnx.checker.check_model(model)
        ops = [n.op_type for n in model.graph.node]
        assert ops.count('QuantizeLinear') > 0 and ops.count('DequantizeLinear') > ops.count('Conv') * 0.9
        int8_weights = [i for i in model.graph.initializer if i.data_type == onnx.TensorProto.INT8]
        assert len(int8_weights) >= ops.count('Conv') * 0.9  # every conv weight is stored as int8
        ratio = info['bytes']['int8'] / info['bytes']['fp32']
        print(
            f'{graph}: int8 {info["bytes"]["int8"] / 1e6:.2f} MB, fp32 {info["bytes"]["fp32"] / 1e6:.2f} MB '
            f'({ratio:.2f})')
        assert ratio < 0.4


def test_int8_outputs_stay_close_to_fp32_on_loop_inputs(int8_export):
    """On inputs the loop produces (another synthetic video), int8 outputs are near fp32 (random weights)."""
    work_dir = int8_export['dir']
    feeds = record_feeds(ExportedNetwork(work_dir, 'fp32'),
                         synthetic_calibration_videos(1, 3, (64, 96), 3, 9))
    for graph in QUANTISED:
        fp32 = ort.InferenceSession(f'{work_dir}/{graph}.onnx', providers=['CPUExecutionProvider'])
        int8 = ort.InferenceSession(f'{work_dir}/{graph}.int8.onnx', providers=['CPUExecutionProvider'])
        for feed in feeds[graph]:
            for a, b in zip(fp32.run(None, feed), int8.run(None, feed)):
                relative = np.abs(a - b).mean() / np.abs(a).mean()
                assert 1e-4 < relative < 0.3, (graph, relative)  # quantised (not equal), not garbage


def test_runtime_runs_the_int8_variant_over_a_video(int8_export):
    video = late_object_video()
    frames, gt, annotations = video['frames'][:12], video['gt'][:12], {0: video['annotations'][0]}
    fp32 = segment_video(VideoInferencer(ExportedNetwork(int8_export['dir'], 'fp32')), frames, annotations)
    runtime = ExportedNetwork(int8_export['dir'])
    assert runtime.precision == 'int8'
    int8 = segment_video(VideoInferencer(runtime), frames, annotations)
    ious = [mean_object_iou(a, b) for a, b in zip(int8, fp32)]
    change = jf_mean(gt, int8) - jf_mean(gt, fp32)
    print(f'int8 vs fp32 (random weights): per-frame IoU mean {np.mean(ious):.3f}, J&F change {change:+.4f}')
    assert np.array_equal(int8[0], fp32[0])  # frame 0 is the annotation
    assert set(np.unique(np.stack(int8)).tolist()) <= {0, 2, 3}
    assert not all(np.array_equal(a, b) for a, b in zip(int8, fp32))  # the int8 graphs were used
