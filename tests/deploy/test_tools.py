"""tools/deploy.py (distillation config + checkpoint, clear errors, renamed tensors) and
tools/infer.py --backend onnxruntime (the same masks as the torch backend)."""
import glob
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

from mobilevos.apis import init_model
from mobilevos.deploy import ExportedNetwork, export_network
from mobilevos.deploy.meta import file_sha256, weights_sha256
from mobilevos.deploy.verify import lecun_random_init_, mean_object_iou, segment_video
from mobilevos.inference import VideoInferencer
from mobilevos.registry import MODELS
from tests.inference.synthetic_video import CUSTOM_PALETTE, write_video
from tests.models.vos.tiny import TINY_MODEL

from .helpers import DEPLOY_CONFIGS, ROOT, i0_tiny_cfg


def _load_tool(name):
    spec = importlib.util.spec_from_file_location(f'tools_{name}', osp.join(ROOT, 'tools', f'{name}.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


deploy_tool, infer_tool = _load_tool('deploy'), _load_tool('infer')


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    """A distillation config of the tiny network, its checkpoint (student. and teacher. weights), a video."""
    root = tmp_path_factory.mktemp('tools')
    config = root / 'distill_tiny.py'
    config.write_text(
        f"model = dict(type='SingleTeacherDistiller', student={TINY_MODEL!r}, teacher={TINY_MODEL!r})\n")
    torch.manual_seed(0)
    student = lecun_random_init_(MODELS.build(TINY_MODEL), seed=5)
    teacher = MODELS.build(TINY_MODEL)
    state = {f'student.{k}': v for k, v in student.state_dict().items()}
    state.update({f'teacher.{k}': v for k, v in teacher.state_dict().items()})
    checkpoint = root / 'distill.pth'
    torch.save(dict(state_dict=state, meta={}), checkpoint)
    deploy_cfg = root / 'vos_onnxruntime_static-32x32.py'
    deploy_cfg.write_text(f"_base_ = ['{DEPLOY_CONFIGS}/vos_onnxruntime_static-480x854.py']\n"
                          'ir_config = dict(input_shape=[32, 32])\ncodebase_config = dict(max_objects=2)\n')
    work_dir = root / 'deploy'
    rc = deploy_tool.main(
        [str(deploy_cfg),
         str(config), str(checkpoint), '--work-dir',
         str(work_dir), '--quiet'])
    assert rc == 0
    video = write_video(str(root / 'video'), length=8, size=32, ids=(2, 9), late=None)
    return dict(root=root,
                config=str(config),
                checkpoint=str(checkpoint),
                deploy_cfg=str(deploy_cfg),
                work_dir=str(work_dir),
                video=video,
                student=student)


def test_deploy_exports_the_student_of_a_distillation_checkpoint(setup, capsys):
    with open(osp.join(setup['work_dir'], 'export_meta.json')) as f:
        meta = json.load(f)
    assert meta['model']['weights_sha256'] == weights_sha256(setup['student'])
    assert meta['model']['checkpoint_sha256'] == file_sha256(setup['checkpoint'])
    assert meta['model']['config'] == setup['config'] and meta['model']['type'] == 'STMNetwork'
    assert sorted(os.listdir(setup['work_dir'])) == sorted(['export_meta.json'] +
                                                           [f'{g}.onnx' for g in meta['graphs']])
    worst = max(max(v.values()) for v in meta['verification']['max_abs_diff']['fp32'].values())
    assert worst <= 1e-4
    # the summary printed by the tool
    rc = deploy_tool.main([
        setup['deploy_cfg'], setup['config'], setup['checkpoint'], '--work-dir',
        str(setup['root'] / 'again'), '--quiet'
    ])
    out = capsys.readouterr().out
    assert rc == 0 and 'onnxruntime export of STMNetwork' in out and 'max abs diff vs eager PyTorch' in out


def test_deploy_errors_name_the_file_and_leave_no_meta(setup, tmp_path, capsys):
    wrong = tmp_path / 'wrong.pth'  # the tiny network without its decoder weights
    state = {k: v for k, v in setup['student'].state_dict().items() if not k.startswith('decoder.')}
    torch.save(dict(state_dict=state), wrong)
    out_dir = tmp_path / 'out'
    assert deploy_tool.main([setup['deploy_cfg'], setup['config'],
                             str(wrong), '--work-dir',
                             str(out_dir)]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ') and str(wrong) in err and 'missing keys' in err and 'decoder.' in err
    assert not (out_dir / 'export_meta.json').exists()

    coreml = tmp_path / 'vos_coreml_dynamic.py'
    coreml.write_text(f"_base_ = ['{DEPLOY_CONFIGS}/vos_coreml_static-480x854.py']\n"
                      "ir_config = dict(input_shape=None, dynamic_axes=('height', 'width'))\n")
    assert deploy_tool.main([str(coreml), setup['config'], setup['checkpoint'], '--work-dir',
                             str(out_dir)]) == 1
    err = capsys.readouterr().err
    assert str(coreml) in err and 'dynamic shapes were requested' in err

    plugin = tmp_path / 'i0_config.py'
    plugin.write_text(f"custom_imports = dict(imports=['tests.deploy.helpers'], allow_failed_imports=False)\n"
                      f'model = {i0_tiny_cfg()!r}\n')
    network = MODELS.build(i0_tiny_cfg())
    ckpt = tmp_path / 'i0.pth'
    torch.save(network.state_dict(), ckpt)
    assert deploy_tool.main([setup['deploy_cfg'], str(plugin), str(ckpt), '--work-dir', str(out_dir)]) == 1
    err = capsys.readouterr().err
    assert "op 'aten::i0'" in err and "graph 'key_encoder'" in err
    assert 'key_encoder (I0MobileNetV2Encoder)' in err


def test_renamed_tensors_are_used_by_the_files_the_meta_and_the_runtime(setup, tmp_path):
    renamed = tmp_path / 'renamed.py'
    renamed.write_text(
        f"_base_ = ['{setup['deploy_cfg']}']\n"
        "ir_config = dict(graph_names=dict(key_encoder=dict(inputs=['image']), read_memory=dict("
        "inputs=['query_key', 'mem_key_{slot}', 'mem_value_{slot}', 'mem_valid'])))\n")
    work_dir = tmp_path / 'out'
    assert deploy_tool.main(
        [str(renamed), setup['config'], setup['checkpoint'], '--work-dir',
         str(work_dir), '--quiet']) == 0
    runtime = ExportedNetwork(str(work_dir))
    assert runtime.io['key_encoder'][0] == ['image']
    assert runtime.io['read_memory'][0] == [
        'query_key', 'mem_key_0', 'mem_key_1', 'mem_value_0', 'mem_value_1', 'mem_valid'
    ]
    frames = [np.array(Image.open(p).convert('RGB')) for p in setup['video']['frame_files']]
    ids = setup['video']['gt'][0]
    eager = segment_video(VideoInferencer(setup['student']), np.stack(frames), {0: ids})
    ort = segment_video(VideoInferencer(runtime), np.stack(frames), {0: ids})
    assert min(mean_object_iou(a, b) for a, b in zip(ort, eager)) >= 0.99


def _masks(folder):
    names = sorted(f for f in os.listdir(folder) if f.endswith('.png'))
    images = [Image.open(osp.join(folder, n)) for n in names]
    return names, [np.array(i) for i in images], [i.getpalette()[:768] for i in images]


def test_infer_onnxruntime_backend_writes_the_masks_of_the_torch_backend(setup, tmp_path, capsys):
    common = ['--frames', setup['video']['frames'], '--mask', setup['video']['masks'][0], '--no-progress']
    assert infer_tool.main([setup['config'], setup['checkpoint'], '--out',
                            str(tmp_path / 'torch')] + common) == 0
    assert infer_tool.main([
        setup['config'], setup['checkpoint'], '--out',
        str(tmp_path / 'ort'), '--backend', 'onnxruntime', '--deploy-dir', setup['work_dir']
    ] + common) == 0
    assert 'wrote 8 masks' in capsys.readouterr().out
    names_t, masks_t, palettes_t = _masks(tmp_path / 'torch')
    names_o, masks_o, palettes_o = _masks(tmp_path / 'ort')
    assert names_t == names_o == [f'{t:05d}.png' for t in range(8)]
    assert palettes_o == palettes_t and palettes_o[0] == CUSTOM_PALETTE
    ious = [mean_object_iou(a, b) for a, b in zip(masks_o, masks_t)]
    assert min(ious) >= 0.99, ious
    assert len(np.unique(np.stack(masks_t))) == 3  # background and both objects


def test_infer_onnxruntime_backend_errors(setup, tmp_path, capsys):
    common = [
        '--frames', setup['video']['frames'], '--mask', setup['video']['masks'][0], '--out',
        str(tmp_path / 'out'), '--no-progress'
    ]
    assert infer_tool.main([setup['config'], setup['checkpoint'], '--backend', 'onnxruntime'] + common) == 1
    assert 'needs --deploy-dir' in capsys.readouterr().err
    assert infer_tool.main([setup['config'], setup['checkpoint'], '--deploy-dir', setup['work_dir']] +
                           common) == 1
    assert 'need --backend onnxruntime' in capsys.readouterr().err
    other = tmp_path / 'other.pth'  # same config, other weights: not what the folder was exported from
    torch.save(MODELS.build(TINY_MODEL).state_dict(), other)
    assert infer_tool.main(
        [setup['config'],
         str(other), '--backend', 'onnxruntime', '--deploy-dir', setup['work_dir']] + common) == 1
    err = capsys.readouterr().err
    assert 'was exported from distill.pth' in err and 'the weights differ' in err
    assert infer_tool.main([
        setup['config'], setup['checkpoint'], '--backend', 'onnxruntime', '--deploy-dir',
        str(tmp_path / 'missing')
    ] + common) == 1
    assert 'does not exist' in capsys.readouterr().err
    assert not (tmp_path / 'out').exists() or not os.listdir(tmp_path / 'out')


def test_export_rejects_a_config_that_is_not_an_stm_network(setup, tmp_path):
    config = tmp_path / 'not_vos.py'
    config.write_text("model = dict(type='mmseg.ResNet', depth=18)\n")
    with pytest.raises(TypeError, match='not_vos.py builds ResNet, which is not an STM network'):
        export_network(init_model(str(config)), setup['deploy_cfg'], str(tmp_path / 'out'),
                       config=str(config))
    assert not (tmp_path / 'out').exists()


@pytest.mark.slow  # two runs of tools/test.py in subprocesses (~20 s)
def test_test_tool_onnxruntime_backend_scores_like_the_torch_backend(tmp_path):
    """tools/test.py --backend onnxruntime: the masks and J&F of the torch backend (random weights)."""
    import subprocess
    import sys

    from tests.tools.vos_helpers import TINY, data_options, make_tiny_dataset
    config = osp.join(ROOT, 'configs', 'mobilevos_mbv2-noaspp_synthetic.py')
    data_root = make_tiny_dataset(str(tmp_path / 'data'))
    network = lecun_random_init_(init_model(config), seed=1)
    checkpoint = str(tmp_path / 'student.pth')
    torch.save(dict(state_dict=network.state_dict(), meta={}), checkpoint)
    deploy_cfg = tmp_path / 'vos_onnxruntime_static-32x32.py'
    deploy_cfg.write_text(f"_base_ = ['{DEPLOY_CONFIGS}/vos_onnxruntime_static-480x854.py']\n"
                          f"ir_config = dict(input_shape=[{TINY['size'][0]}, {TINY['size'][1]}])\n"
                          'codebase_config = dict(max_objects=4)\n')
    deploy_dir = str(tmp_path / 'deploy')
    assert deploy_tool.main(
        [str(deploy_cfg), config, checkpoint, '--work-dir', deploy_dir, '--quiet', '--no-verify']) == 0
    scores = {}
    for backend in ('torch', 'onnxruntime'):
        extra = ['--backend', 'onnxruntime', '--deploy-dir', deploy_dir] if backend == 'onnxruntime' else []
        cmd = [
            sys.executable, 'tools/test.py', config, checkpoint, '--out',
            str(tmp_path / backend), '--work-dir',
            str(tmp_path / f'work_{backend}'), *extra, '--cfg-options', *data_options(data_root)
        ]
        result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
        with open(sorted(glob.glob(str(tmp_path / f'work_{backend}' / '*' / 'test_results.json')))[-1]) as f:
            scores[backend] = json.load(f)['davis/J&F-Mean']
        if backend == 'onnxruntime':
            assert 'ExportedNetwork' in result.stdout + result.stderr
    assert abs(scores['torch'] - scores['onnxruntime']) <= 0.1
    videos = sorted(os.listdir(tmp_path / 'torch'))
    assert len(videos) == TINY['num_val_videos']
    for video in videos:
        _, masks_t, _ = _masks(tmp_path / 'torch' / video)
        _, masks_o, _ = _masks(tmp_path / 'onnxruntime' / video)
        assert len(masks_t) == len(masks_o) == TINY['num_frames']
        assert min(mean_object_iou(a, b) for a, b in zip(masks_o, masks_t)) >= 0.99
