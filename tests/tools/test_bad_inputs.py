"""The tool error policy (mobilevos/utils/cli.py) on 19 bad inputs to infer, deploy, train and eval_masks.

Each bad input must end with exit status 1 and ``error: ...`` on stderr naming
the file, without a traceback; the two accepted inputs (an RGB mask, a DAVIS
2016 0/255 mask) must give the right masks. ``--debug`` shows the traceback.
All inputs are made here, tiny.
"""
import glob
import importlib.util
import os
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import tools.analysis.eval_masks as eval_tool
import tools.deploy as deploy_tool
import tools.infer as infer_tool
import tools.test as test_tool
import tools.train as train_tool
from mobilevos.utils.io import davis_palette
from tests.inference.synthetic_video import write_video
from tests.models.vos.tiny import TINY_MODEL, build_tiny
from tests.toy.toy_dense import ToyDenseModel

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEPLOY_BASE = osp.join(ROOT, 'configs', 'deploy', 'vos_onnxruntime_static-480x854.py')
TOY_DISTILL = osp.join(ROOT, 'tests', 'configs', 'toy_distill.py')
SIZE = 32  # frames are SIZE x SIZE


def _save_checkpoint(state_dict: dict, path: str) -> str:
    torch.save(dict(state_dict=state_dict, meta={}), path)
    return path


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """One torch thread: these tiny models run several times faster so on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    """A tiny network config and checkpoint, a 4-frame JPEG video (objects 1 and 2), bad checkpoints."""
    root = tmp_path_factory.mktemp('bad_inputs')
    config = root / 'tiny.py'
    config.write_text(f'model = {TINY_MODEL!r}\n')
    checkpoint = _save_checkpoint(build_tiny(seed=3).state_dict(), str(root / 'tiny.pth'))
    with open(checkpoint, 'rb') as f:
        data = f.read()
    truncated = root / 'truncated.pth'
    truncated.write_bytes(data[:len(data) // 2])  # a copy cut short
    other = _save_checkpoint(ToyDenseModel(width=4).state_dict(), str(root / 'toy.pth'))
    deploy_cfg = root / 'vos_onnxruntime_static-32x32.py'
    deploy_cfg.write_text(f"_base_ = ['{DEPLOY_BASE}']\nir_config = dict(input_shape=[{SIZE}, {SIZE}])\n"
                          'codebase_config = dict(max_objects=2)\n')
    video = write_video(str(root / 'video'), length=4, size=SIZE, ids=(1, 2), late=None, ext='.jpg')
    return dict(root=root,
                config=str(config),
                checkpoint=checkpoint,
                truncated=str(truncated),
                other=other,
                deploy_cfg=str(deploy_cfg),
                video=video)


@pytest.fixture
def frames(world, tmp_path):
    """A copy of the video's frames folder that a test may spoil."""
    folder = str(tmp_path / 'frames')
    shutil.copytree(world['video']['frames'], folder)
    return folder


def _infer(world, tmp_path, frames=None, mask=None, checkpoint=None, config=None, out=None, extra=()):
    return infer_tool.main([
        config or world['config'], checkpoint or world['checkpoint'], '--frames', frames
        or world['video']['frames'], '--mask', mask or world['video']['masks'][0], '--out', out
        or str(tmp_path / 'out'), '--no-progress', *extra
    ])


def assert_clear_error(rc, capsys, *names):
    """Exit status 1, ``error:`` first on stderr, every name in it, no traceback anywhere."""
    captured = capsys.readouterr()
    assert rc == 1, captured.err
    assert captured.err.startswith('error: '), captured.err
    for name in names:
        assert str(name) in captured.err, captured.err
    assert 'Traceback' not in captured.err + captured.out
    return captured.err


# -- tools/infer.py: frames and masks -------------------------------------------------------------------


def test_truncated_jpeg_among_frames(world, tmp_path, frames, capsys):
    broken = osp.join(frames, '00002.jpg')
    with open(broken, 'rb') as f:
        data = f.read()
    with open(broken, 'wb') as f:
        f.write(data[:len(data) // 3])
    assert_clear_error(_infer(world, tmp_path, frames=frames), capsys, broken)


def test_junk_jpg(world, tmp_path, frames, capsys):
    junk = osp.join(frames, '00001.jpg')
    with open(junk, 'wb') as f:
        f.write(b'this is not a JPEG at all')
    err = assert_clear_error(_infer(world, tmp_path, frames=frames), capsys, junk)
    assert err.count(junk) == 1, err  # named once


def test_frames_of_mixed_sizes(world, tmp_path, frames, capsys):
    odd = osp.join(frames, '00003.jpg')
    Image.new('RGB', (SIZE + 16, SIZE)).save(odd)
    assert_clear_error(_infer(world, tmp_path, frames=frames), capsys, odd)


def test_empty_frames_folder(world, tmp_path, capsys):
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert_clear_error(_infer(world, tmp_path, frames=str(empty)), capsys, empty)


def test_mask_of_the_wrong_size(world, tmp_path, capsys):
    mask = tmp_path / 'small.png'
    Image.new('P', (SIZE // 2, SIZE // 2), 1).save(mask)
    assert_clear_error(_infer(world, tmp_path, mask=str(mask)), capsys, mask)


def test_mask_with_no_object(world, tmp_path, capsys):
    mask = tmp_path / 'blank.png'
    Image.new('P', (SIZE, SIZE), 0).save(mask)
    assert_clear_error(_infer(world, tmp_path, mask=str(mask)), capsys, mask)


def test_16_bit_mask(world, tmp_path, capsys):
    mask = tmp_path / 'deep.png'
    ids = np.zeros((SIZE, SIZE), dtype=np.uint16)
    ids[4:12, 4:12] = 1000
    Image.fromarray(ids).save(mask)
    with Image.open(mask) as image:
        assert image.mode.startswith('I')  # really a 16-bit PNG
    assert_clear_error(_infer(world, tmp_path, mask=str(mask)), capsys, mask)


def _first_output(out_dir):
    """Ids ``(H, W)`` and palette ``(256, 3)`` of the first of the 4 written masks."""
    names = sorted(f for f in os.listdir(out_dir) if f.endswith('.png'))
    assert names == [f'{t:05d}.png' for t in range(4)]
    with Image.open(osp.join(out_dir, names[0])) as image:
        assert image.mode == 'P'
        return np.array(image), np.array(image.getpalette()[:768]).reshape(256, 3)


def test_rgb_mask_is_accepted(world, tmp_path, capsys):
    gt = world['video']['gt'][0]  # (H, W) ids 0, 1, 2
    colours = np.array([[0, 0, 0], [200, 30, 30], [30, 30, 200]], dtype=np.uint8)
    mask = tmp_path / 'rgb.png'
    Image.fromarray(colours[gt], mode='RGB').save(mask)
    out = tmp_path / 'out'
    assert _infer(world, tmp_path, mask=str(mask), out=str(out)) == 0
    assert 'wrote 4 masks' in capsys.readouterr().out
    ids, palette = _first_output(out)
    assert np.array_equal(ids == 0, gt == 0)  # black is background
    for object_id in (1, 2):  # each colour is one object, drawn in its own colour
        written = np.unique(ids[gt == object_id])
        assert len(written) == 1 and written[0] != 0
        assert np.array_equal(palette[written[0]], colours[object_id])
    assert len(np.unique(ids)) == 3


def test_davis2016_mask_is_object_1(world, tmp_path, capsys):
    gt = world['video']['gt'][0]
    mask = tmp_path / 'davis2016.png'
    Image.fromarray(np.where(gt > 0, 255, 0).astype(np.uint8), mode='L').save(mask)  # 0/255 grayscale
    out = tmp_path / 'out'
    assert _infer(world, tmp_path, mask=str(mask), out=str(out)) == 0
    assert 'wrote 4 masks' in capsys.readouterr().out
    assert np.array_equal(_first_output(out)[0], (gt > 0).astype(np.uint8))  # one object, id 1


# -- tools/infer.py and tools/deploy.py: configs, checkpoints, output --------------------------------


def test_missing_config(world, tmp_path, capsys):
    missing = tmp_path / 'no_config.py'
    assert_clear_error(_infer(world, tmp_path, config=str(missing)), capsys, missing)
    assert_clear_error(train_tool.main([str(missing), '--work-dir', str(tmp_path / 'work')]), capsys, missing)


def test_config_with_a_syntax_error(world, tmp_path, capsys):
    broken = tmp_path / 'broken.py'
    broken.write_text('model = dict(type="STMNetwork",,)\n')
    err = assert_clear_error(_infer(world, tmp_path, config=str(broken)), capsys, broken, 'line 1')
    assert len(err.splitlines()) == 1
    assert_clear_error(train_tool.main([str(broken), '--work-dir', str(tmp_path / 'work')]), capsys, broken)
    assert_clear_error(test_tool.main([str(broken), world['checkpoint'], '--work-dir', str(tmp_path / 'w2')]),
                       capsys, broken)


def test_config_with_an_unregistered_type(world, tmp_path, capsys):
    misspelt = tmp_path / 'misspelt.py'
    misspelt.write_text(f'model = {TINY_MODEL!r}\n'.replace("'STMNetwork'", "'STMNetwrok'"))
    assert 'STMNetwrok' in misspelt.read_text()
    err = assert_clear_error(_infer(world, tmp_path, config=str(misspelt)), capsys, misspelt, 'STMNetwrok')
    assert 'custom_imports' in err


def test_device_that_this_machine_lacks(world, tmp_path, capsys, monkeypatch):
    assert_clear_error(_infer(world, tmp_path, extra=('--device', 'gpu')), capsys, '--device gpu')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    assert_clear_error(_infer(world, tmp_path, extra=('--device', 'cuda:0')), capsys, '--device cuda:0',
                       'CUDA is not available')


def test_checkpoint_of_another_model_infer(world, tmp_path, capsys):
    assert_clear_error(_infer(world, tmp_path, checkpoint=world['other']), capsys, world['other'])


def test_checkpoint_of_another_model_deploy(world, tmp_path, capsys):
    rc = deploy_tool.main([
        world['deploy_cfg'], world['config'], world['other'], '--work-dir',
        str(tmp_path / 'deploy'), '--quiet'
    ])
    assert_clear_error(rc, capsys, world['other'])


def test_truncated_checkpoint(world, tmp_path, capsys):
    err = assert_clear_error(_infer(world, tmp_path, checkpoint=world['truncated']), capsys,
                             world['truncated'])
    assert 'truncated' in err


def test_out_naming_an_existing_file(world, tmp_path, capsys):
    out = tmp_path / 'masks.txt'
    out.write_text('keep me')
    err = assert_clear_error(_infer(world, tmp_path, out=str(out)), capsys, out)
    assert 'is a file' in err and 'folder' in err  # what to give instead
    assert out.read_text() == 'keep me'


# -- tools/analysis/eval_masks.py -----------------------------------------------------------------------


@pytest.fixture(scope='module')
def masks(world):
    """Ground truth ``gt/seq/<frame>.png`` (the video's ids) and a perfect prediction folder ``pred``."""
    root = world['root'] / 'eval'
    for name in ('gt', 'pred'):
        os.makedirs(root / name / 'seq')
        for t, ids in enumerate(world['video']['gt']):
            image = Image.fromarray(ids, mode='P')
            image.putpalette(davis_palette().flatten().tolist())
            image.save(root / name / 'seq' / f'{t:05d}.png')
    return root


def _eval(gt, pred):
    return eval_tool.main(['--gt', str(gt), '--pred', str(pred), '--no-progress'])


def test_eval_predictions_with_missing_frames(masks, tmp_path, capsys):
    assert _eval(masks / 'gt', masks / 'pred') == 0  # the intact prediction is fine
    assert 'J&F-Mean' in capsys.readouterr().out
    pred = tmp_path / 'pred'
    shutil.copytree(masks / 'pred', pred)
    os.remove(pred / 'seq' / '00002.png')
    assert_clear_error(_eval(masks / 'gt', pred), capsys, '00002')


def test_eval_predictions_of_the_wrong_size(masks, tmp_path, capsys):
    pred = tmp_path / 'pred'
    shutil.copytree(masks / 'pred', pred)
    Image.new('P', (SIZE // 2, SIZE // 2), 0).save(pred / 'seq' / '00001.png')
    assert_clear_error(_eval(masks / 'gt', pred), capsys, pred / 'seq' / '00001.png')


# -- tools/train.py -------------------------------------------------------------------------------------


def test_real_data_config_without_data(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # the config's data/DAVIS and data/YouTubeVOS are not here
    rc = train_tool.main([
        osp.join(ROOT, 'configs', 'stcn_r50_davis-ytvos.py'), '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', f'experiment_name=nodata_{tmp_path.name}'
    ])
    err = assert_clear_error(rc, capsys, 'data_root data/')
    keys = [line.split()[-1] for line in err.splitlines() if line.strip().startswith('--cfg-options')]
    assert keys and all(key.endswith('data_root=PATH') for key in keys)
    assert any(key.startswith('train_dataloader.') for key in keys)


def test_teacher_checkpoint_with_a_renamed_key(tmp_path, capsys):
    state = ToyDenseModel(width=8, stride=1).state_dict()
    state['classifier.bias_renamed'] = state.pop('classifier.bias')
    teacher = _save_checkpoint(state, str(tmp_path / 'teacher.pth'))
    rc = train_tool.main([
        TOY_DISTILL, '--work-dir',
        str(tmp_path / 'work'), '--cfg-options', f'model.teacher_ckpt={teacher}',
        f'experiment_name=renamed_{tmp_path.name}'
    ])
    assert_clear_error(rc, capsys, teacher, 'classifier.bias')


# -- every tool ---------------------------------------------------------------------------------------------


#: Commands that cannot import mobilevos in every run, and why.
NOT_MOBILEVOS_ENV = {
    'tools/model_converters/check_stcn_equivalence.py':
    "its first step runs in STCN's environment, without mobilevos",
    'tools/analysis/benchmark_stcn.py': "benchmark.py runs it in STCN's environment, without mobilevos",
}


def test_every_tool_follows_the_policy(capsys):
    """Each command in ``tools/`` (a ``*.py`` run as ``__main__``) has its main wrapped by ``tool_main``."""
    paths = []
    for path in sorted(glob.glob(osp.join(ROOT, 'tools', '**', '*.py'), recursive=True)):
        with open(path, encoding='utf-8') as f:
            if "__name__ == '__main__'" in f.read() and osp.relpath(path, ROOT) not in NOT_MOBILEVOS_ENV:
                paths.append(path)
    assert len(paths) >= 13
    for path in paths:
        name = 'tool_' + osp.relpath(path, ROOT).replace(os.sep, '_')[:-3]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert getattr(module.main, '__wrapped__', None) is not None, f'{path}: main lacks @tool_main'
        with pytest.raises(SystemExit) as info:
            module.main(['--help'])
        assert info.value.code == 0
        assert '--debug' in capsys.readouterr().out, f'{path}: no --debug option'


# -- the real command line: exit status and stderr of a process -------------------------------------------


def _run(args, cwd):
    return subprocess.run([sys.executable, *args],
                          cwd=cwd,
                          capture_output=True,
                          text=True,
                          timeout=300,
                          env=dict(os.environ, OMP_NUM_THREADS='1'))


def test_design_card_distillation_without_teacher(tmp_path):
    """``python tools/train.py configs/distill_r50_to_mbv2.py`` before any teacher was trained."""
    result = _run([osp.join(ROOT, 'tools', 'train.py'),
                   osp.join(ROOT, 'configs', 'distill_r50_to_mbv2.py')],
                  cwd=tmp_path)
    assert result.returncode == 1, result.stderr[-3000:]
    err = result.stderr
    assert 'Traceback' not in err + result.stdout
    error_lines = err[err.index('error: '):].splitlines()
    assert 'work_dirs/stcn_r50_synthetic/iter_150000.pth' in error_lines[0]  # the checkpoint it wanted
    assert len(error_lines) <= 6
    assert 'python tools/train.py configs/stcn_r50_synthetic.py' in err  # the two ways to get a teacher
    assert 'python tools/model_converters/stcn2mobilevos.py' in err
    assert 'model.teacher_ckpt=' in err  # the config key to set


def test_debug_shows_the_traceback(world, tmp_path):
    """The same bad input as test_truncated_checkpoint, with --debug: the traceback, still exit status 1."""
    result = _run([
        'tools/infer.py', world['config'], world['truncated'], '--frames', world['video']['frames'], '--mask',
        world['video']['masks'][0], '--out',
        str(tmp_path / 'out'), '--no-progress', '--debug'
    ],
                  cwd=ROOT)
    assert result.returncode == 1
    assert 'Traceback (most recent call last)' in result.stderr
    assert 'CheckpointReadError' in result.stderr and world['truncated'] in result.stderr
