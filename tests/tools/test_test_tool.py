"""tools/test.py on a synthetic val split: J&F tables, palette PNGs, results JSON."""
import json
import os
import os.path as osp
import subprocess
import sys
from glob import glob

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mobilevos.evaluation import evaluate_folders
from mobilevos.registry import MODELS
from mobilevos.utils.checkpoint import load_checkpoint_file
from mobilevos.utils.io import davis_palette
from tests.tools.vos_helpers import ROOT, TINY, data_options, make_tiny_dataset

CONFIG = osp.join(ROOT, 'configs', 'mobilevos_mbv2-noaspp_synthetic.py')


@pytest.fixture(scope='module')
def tiny_setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp('tiny')
    data_root = make_tiny_dataset(str(folder / 'data'))
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(CONFIG).model)
    ckpt = str(folder / 'student.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    return data_root, ckpt, folder


def test_test_tool_prints_tables_and_writes_palette_pngs(tiny_setup):
    data_root, ckpt, folder = tiny_setup
    out = folder / 'masks'
    cmd = [sys.executable, 'tools/test.py', CONFIG, ckpt, '--out', str(out), '--show-dir', str(folder / 'vis'),
           '--work-dir', str(folder / 'work'), '--cfg-options', *data_options(data_root)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    assert 'Global results' in log and 'J&F-Mean' in log and 'Per sequence results' in log
    videos = sorted(os.listdir(osp.join(data_root, 'JPEGImages', '480p')))
    val = [v for v in videos if 'val' in v]
    assert len(val) == TINY['num_val_videos']
    for video in val:
        assert f'{video}_1' in log, f'per-sequence row of {video} missing'
        pngs = sorted(glob(str(out / video / '*.png')))
        assert len(pngs) == TINY['num_frames']
        for png in pngs:
            with Image.open(png) as image:
                assert image.mode == 'P'
                palette = np.array(image.getpalette()[:768], dtype=np.uint8).reshape(-1, 3)
                assert image.size == (TINY['size'][1], TINY['size'][0])
            np.testing.assert_array_equal(palette[:8], davis_palette()[:8])
        assert len(glob(str(folder / 'vis' / video / '*.jpg'))) == TINY['num_frames']
    results = sorted(glob(str(folder / 'work' / '*' / 'test_results.json')))
    reported = json.load(open(results[-1]))
    assert 0.0 <= reported['davis/J&F-Mean'] <= 1.0
    assert reported['speed/fps'] > 0 and reported['speed/peak_rss_mb'] > 0
    assert reported['eval/protocol'] == 2  # each object input in its first frame only (utils/eval_protocol.py)
    # the score matches an evaluation of the written PNGs against the ground truth
    recomputed = evaluate_folders(osp.join(data_root, 'Annotations', '480p'), str(out), sequences=val)
    assert reported['davis/J&F-Mean'] == pytest.approx(recomputed['global']['J&F-Mean'], abs=1e-9)


def test_checkpoint_that_does_not_match_lists_keys(tiny_setup):
    data_root, ckpt, folder = tiny_setup
    state = load_checkpoint_file(ckpt)['state_dict']
    state['decoder.extra.weight'] = torch.zeros(1)
    state.pop(next(iter(state)))
    bad = str(folder / 'bad.pth')
    torch.save({'state_dict': state}, bad)
    cmd = [sys.executable, 'tools/test.py', CONFIG, bad, '--work-dir', str(folder / 'work_bad'),
           '--cfg-options', *data_options(data_root)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'decoder.extra.weight' in result.stderr and 'bad.pth' in result.stderr


def test_max_videos_evaluates_only_the_first_videos_and_counts_them(tiny_setup):
    data_root, ckpt, folder = tiny_setup
    out = folder / 'masks_first'
    cmd = [sys.executable, 'tools/test.py', CONFIG, ckpt, '--out', str(out), '--max-videos', '1',
           '--work-dir', str(folder / 'work_first'), '--cfg-options', *data_options(data_root),
           'default_hooks.logger.interval=1']
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    val = sorted(v for v in os.listdir(osp.join(data_root, 'JPEGImages', '480p')) if 'val' in v)
    assert len(val) == 2
    assert sorted(os.listdir(out)) == val[:1]  # masks of the first video only
    assert f'{val[0]}_1' in log and f'{val[1]}_1' not in log  # per-sequence rows
    assert 'Iter(test) [1/1]' in log and 'Iter(test) [1/2]' not in log  # the counter counts evaluated videos
    assert len(glob(str(out / val[0] / '*.png'))) == TINY['num_frames']


@pytest.mark.parametrize('options, message', [
    (['--deploy-dir', 'deploy/x'], '--deploy-dir and --precision (deploy_dir, precision) need --backend'),
    (['--precision', 'int8'], 'need --backend onnxruntime'),
    (['--backend', 'onnxruntime'], 'backend onnxruntime needs --deploy-dir'),
])
def test_backend_options_are_checked_before_any_work(tmp_path, capsys, options, message):
    """--deploy-dir without --backend onnxruntime is an error (it used to be ignored), raised before the
    config is even read (the config and checkpoint here do not exist)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('tools_test', osp.join(ROOT, 'tools', 'test.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main([str(tmp_path / 'none.py'), str(tmp_path / 'none.pth'), *options]) == 1
    assert message in capsys.readouterr().err
