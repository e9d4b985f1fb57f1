"""The ONNX Runtime step runtime under the same video loop: parity with eager PyTorch over a video, errors."""
import copy
import json
import os
import shutil
import sys

import cv2
import numpy as np
import pytest
import torch

from mobilevos.deploy import DeployError, ExportedNetwork, RuntimeInputError, export_network, load_runtime
from mobilevos.deploy.verify import jf_mean, mean_object_iou, segment_video
from mobilevos.inference import VideoInferencer

from .helpers import HEIGHT, MAX_OBJECTS, STUDENT_CONFIGS, WIDTH, late_object_video, onnx_cfg


@pytest.fixture(scope='module')
def video():
    return late_object_video(num_frames=30)


@pytest.mark.parametrize('student', sorted(STUDENT_CONFIGS))
def test_runner_masks_match_eager_over_a_30_frame_video(student_exports, video, student):
    """Random weights (see lecun_random_init_): parity of the loop, not segmentation quality."""
    export = student_exports[student]
    eager = segment_video(VideoInferencer(export['network']), video['frames'], video['annotations'])
    runtime = ExportedNetwork(export['dir'])
    ort = segment_video(VideoInferencer(runtime), video['frames'], video['annotations'])
    assert len(eager) == len(ort) == 30
    ious = [mean_object_iou(a, b) for a, b in zip(ort, eager)]
    jf_eager, jf_ort = jf_mean(video['gt'], eager), jf_mean(video['gt'], ort)
    agree = np.mean([np.mean(a == b) for a, b in zip(ort, eager)])
    print(f'{student}: per-frame IoU min {min(ious):.4f} mean {np.mean(ious):.4f}, pixels equal {agree:.5f}, '
          f'J&F eager {jf_eager:.4f} onnxruntime {jf_ort:.4f} (random weights)')
    assert min(ious) >= 0.99
    assert abs(jf_eager - jf_ort) <= 0.1
    # the masks are not trivial: all three objects (one annotated late, on frame 12) are segmented, and
    # at least two labels each cover 5 % of the pixels
    later = np.stack(eager[13:])
    assert {1, 2, 3} <= set(np.unique(later).tolist())
    assert sum(np.mean(later == label) >= 0.05 for label in range(4)) >= 2


def test_parity_check_detects_a_memory_bug(student_exports, video):
    """A runtime that ignores the latest memory frame gives other masks: the comparison above can fail."""
    export = student_exports['mbv2']
    eager = segment_video(VideoInferencer(export['network']), video['frames'], video['annotations'])
    runtime = ExportedNetwork(export['dir'])
    read = runtime.read_memory

    def first_frame_only(key, keys, values, valid, top_k=None):
        return read(key, keys[:, :, :1], values[:, :, :, :1], valid[:, :, :1], top_k)

    runtime.read_memory = first_frame_only
    ort = segment_video(VideoInferencer(runtime), video['frames'], video['annotations'])
    assert min(mean_object_iou(a, b) for a, b in zip(ort, eager)) < 0.99


def test_padding_objects_and_memory_slots_does_not_change_results(student_exports):
    """Static graphs take K=3 objects and T=2 slots; fewer real ones are padded and sliced off."""
    export = student_exports['r18']
    network, runtime = export['network'], ExportedNetwork(export['dir'])
    g = torch.Generator().manual_seed(0)
    frame = torch.randn(1, 3, HEIGHT, WIDTH, generator=g)
    with torch.no_grad():
        key, query, f16, f8, f4 = network.encode_key(frame)
        masks = torch.rand(1, 1, HEIGHT, WIDTH, generator=g)  # one object of three
        values = network.encode_value(frame, f16, masks, torch.zeros_like(masks))
        ort_values = runtime.encode_value(frame, f16, masks, torch.zeros_like(masks))
        assert ort_values.shape == values.shape == (1, 1, network.value_dim, HEIGHT // 16, WIDTH // 16)
        assert torch.allclose(ort_values, values, atol=1e-4)
        # one memory frame of two slots
        readout = network.read_memory(key, key.unsqueeze(2), values.unsqueeze(3), torch.ones(1, 1, 1))
        ort_readout = runtime.read_memory(key, key.unsqueeze(2), values.unsqueeze(3), torch.ones(1, 1, 1))
        assert ort_readout.shape == readout.shape and torch.allclose(ort_readout, readout, atol=1e-4)
        prob = torch.sigmoid(network.decode(readout, query, f8, f4))
        assert torch.allclose(torch.sigmoid(runtime.decode(readout, query, f8, f4)), prob, atol=1e-4)
        logits = runtime.aggregate(prob, torch.ones(1, 1, dtype=torch.bool))
        assert logits.shape == (1, 2, HEIGHT, WIDTH)
        assert torch.allclose(logits, network.aggregate(prob, torch.ones(1, 1)), atol=1e-4)


def test_static_graphs_resize_frames_of_another_size(student_exports, video):
    """Frames of 80x120 are resized to the graphs' 64x96 and masks come back at 80x120, as eager (size 64)."""
    export = student_exports['mbv2-noaspp']
    frames = np.stack(
        [cv2.resize(f, (120, 80), interpolation=cv2.INTER_NEAREST) for f in video['frames'][:8]])
    first = cv2.resize(video['gt'][0], (120, 80), interpolation=cv2.INTER_NEAREST)
    runtime = ExportedNetwork(export['dir'])
    ort = segment_video(VideoInferencer(runtime), frames, {0: first})
    eager = segment_video(VideoInferencer(export['network'], size=64), frames, {0: first})
    assert ort[3].shape == (80, 120)
    assert min(mean_object_iou(a, b) for a, b in zip(ort, eager)) >= 0.99
    with pytest.raises(ValueError, match='static graphs for frames \\[64, 96\\]'):
        VideoInferencer(runtime, size=64)


def test_bad_use_is_a_clear_error(student_exports, tmp_path):
    export = student_exports['mbv2-noaspp']
    runtime = ExportedNetwork(export['dir'])
    frame = torch.zeros(1, 3, HEIGHT, WIDTH)
    with pytest.raises(RuntimeInputError, match=r'static for padded frames \[64, 96\].*got \[64, 64\]'):
        runtime.encode_key(torch.zeros(1, 3, 64, 64))
    too_many = torch.zeros(1, MAX_OBJECTS + 1, HEIGHT, WIDTH)
    with pytest.raises(RuntimeInputError, match='4 objects.*at most 3.*max_objects'):
        runtime.encode_value(frame, torch.zeros(1, 96, 4, 6), too_many, too_many)
    key = torch.zeros(1, 64, 4, 6)
    with pytest.raises(RuntimeInputError, match='holds 3 frames.*read 2'):
        runtime.read_memory(key, torch.zeros(1, 64, 3, 4, 6), torch.zeros(1, 1, 112, 3, 4, 6),
                            torch.ones(1, 1, 3))
    with pytest.raises(RuntimeInputError, match='top_k=5'):
        runtime.read_memory(key,
                            torch.zeros(1, 64, 1, 4, 6),
                            torch.zeros(1, 1, 112, 1, 4, 6),
                            torch.ones(1, 1, 1),
                            top_k=5)
    with pytest.raises(RuntimeInputError, match='runs on the CPU'):
        VideoInferencer(runtime, device='cuda')
    assert load_runtime(export['dir'], network=export['network']).meta == runtime.meta
    other = copy.deepcopy(export['network'])
    with torch.no_grad():
        next(other.parameters()).add_(1.0)
    with pytest.raises(RuntimeInputError, match='not from other.pth with x.py: the weights differ'):
        load_runtime(export['dir'], network=other, source='other.pth with x.py')
    with pytest.raises(DeployError, match='does not exist'):
        ExportedNetwork(str(tmp_path / 'nowhere'))
    with pytest.raises(DeployError, match='export_meta.json is missing'):
        ExportedNetwork(str(tmp_path))
    with open(os.path.join(export['dir'], 'export_meta.json')) as f:
        meta = json.load(f)
    coreml_dir = tmp_path / 'coreml'
    coreml_dir.mkdir()
    (coreml_dir / 'export_meta.json').write_text(json.dumps(dict(meta, backend='coreml', graphs={})))
    with pytest.raises(DeployError, match='holds a coreml export; this runtime runs onnxruntime and litert'):
        ExportedNetwork(str(coreml_dir))
    with pytest.raises(DeployError, match='holds a onnxruntime export; litert is needed'):
        load_runtime(export['dir'], backend='litert')  # tools/infer.py --backend litert on an ONNX folder
    with pytest.raises(RuntimeInputError, match='has no int8 graphs'):
        ExportedNetwork(export['dir'], precision='int8')


def test_infinite_memory_needs_more_slots_than_exported(student_exports, video):
    export = student_exports['mbv2-noaspp']
    inferencer = VideoInferencer(ExportedNetwork(export['dir']), memory='infinite:1')
    with pytest.raises(RuntimeInputError, match='holds 3 frames.*read 2.*memory policy'):
        segment_video(inferencer, video['frames'][:5], {0: video['gt'][0]})


def test_dynamic_runtime_matches_eager_at_the_video_size(student_exports, video, tmp_path):
    network = student_exports['mbv2-noaspp']['network']
    export_network(network, onnx_cfg(None, MAX_OBJECTS, ('height', 'width')), str(tmp_path), verify=False)
    runtime = ExportedNetwork(str(tmp_path))
    assert runtime.fixed_frame_size is None
    frames = video['frames'][:10, :48, :80]  # another size than the example (64x96) the graphs were traced at
    first = video['gt'][0, :48, :80]
    eager = segment_video(VideoInferencer(network), frames, {0: first})
    ort = segment_video(VideoInferencer(runtime), frames, {0: first})
    assert ort[0].shape == (48, 80)
    assert min(mean_object_iou(a, b) for a, b in zip(ort, eager)) >= 0.99


def _litert_folder(export_dir, litert_dir):
    """A copy of an ONNX export laid out as a LiteRT one: ``backend='litert'`` and ``.tflite`` files (here
    the ONNX graphs themselves, which the fake interpreter below runs)."""
    with open(os.path.join(export_dir, 'export_meta.json')) as f:
        meta = json.load(f)
    litert_dir.mkdir()
    for info in meta['graphs'].values():
        onnx_file = info['files']['fp32']
        info['files'] = {'fp32': onnx_file.replace('.onnx', '.tflite')}
        shutil.copy(os.path.join(export_dir, onnx_file), litert_dir / info['files']['fp32'])
    litert_meta = dict(meta, backend='litert', precisions=['fp32'])
    (litert_dir / 'export_meta.json').write_text(json.dumps(litert_meta))
    return str(litert_dir)


class _FakeInterpreter:
    """``ai_edge_litert.interpreter.Interpreter``'s surface that the runner uses: a signature runner called
    with the inputs as keywords that returns a dict of named outputs. It runs the graph with ONNX Runtime."""
    made = []

    def __init__(self, model_path, num_threads=None):
        import onnxruntime
        self.session = onnxruntime.InferenceSession(model_path, providers=['CPUExecutionProvider'])
        self.made.append((os.path.basename(model_path), num_threads))

    def get_signature_runner(self):
        def run(**inputs):
            for name, value in inputs.items():
                assert value.dtype == np.float32 and value.flags['C_CONTIGUOUS'], name
            names = [o.name for o in self.session.get_outputs()]
            return dict(zip(names, self.session.run(names, inputs)))
        return run


def test_a_litert_folder_runs_each_graph_through_the_litert_interpreter(student_exports, video, tmp_path,
                                                                        monkeypatch):
    """The runtime picks the LiteRT runner from the folder's backend, calls each signature with named
    inputs and reads the outputs by name: with an interpreter that runs the same graphs, the masks are the
    ONNX folder's. (A real LiteRT export's masks: docs/deploy.md, checked by hand; CI has no LiteRT.)"""
    import types
    export = student_exports['mbv2']
    litert_dir = _litert_folder(export['dir'], tmp_path / 'litert')
    fake = types.ModuleType('ai_edge_litert.interpreter')
    fake.Interpreter = _FakeInterpreter
    monkeypatch.setitem(sys.modules, 'ai_edge_litert', types.ModuleType('ai_edge_litert'))
    monkeypatch.setitem(sys.modules, 'ai_edge_litert.interpreter', fake)
    _FakeInterpreter.made.clear()
    runtime = load_runtime(litert_dir, backend='litert', num_threads=1)
    made = dict(_FakeInterpreter.made)
    assert len(made) == len(runtime.runners) >= 5 and all(f.endswith('.tflite') for f in made)
    assert set(made.values()) == {1}
    frames, first = video['frames'][:8], {0: video['gt'][0]}
    litert = segment_video(VideoInferencer(runtime), frames, {0: video['gt'][0]})
    ort = segment_video(VideoInferencer(ExportedNetwork(export['dir'])), frames, first)
    assert len(litert) == 8 and all(np.array_equal(a, b) for a, b in zip(litert, ort))
    assert any((m > 0).any() for m in litert[1:])  # the propagated frames hold the object


def test_without_litert_a_litert_folder_names_the_install_script(student_exports, tmp_path, monkeypatch):
    litert_dir = _litert_folder(student_exports['mbv2']['dir'], tmp_path / 'litert')
    monkeypatch.setitem(sys.modules, 'ai_edge_litert', None)  # as on a machine without it
    monkeypatch.setitem(sys.modules, 'ai_edge_litert.interpreter', None)
    with pytest.raises(DeployError, match='install_litert.sh'):
        load_runtime(litert_dir, backend='litert')
