"""tools/infer.py: palette PNGs, overlays, memory choice, clear errors, the command line."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from mobilevos.inference import VideoInferencer
from mobilevos.utils.io import read_frame, read_mask
from tests.inference.synthetic_video import CUSTOM_PALETTE, write_video
from tests.models.vos.tiny import TINY_MODEL, build_tiny

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location('tools_infer', osp.join(ROOT, 'tools', 'infer.py'))
infer = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(infer)


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('infer')
    config = root / 'tiny_config.py'
    config.write_text(f'model = {TINY_MODEL!r}\n')
    model = build_tiny(seed=4)
    checkpoint = root / 'distill.pth'  # a distillation checkpoint: the student's weights are used
    torch.save(dict(state_dict={
        f'student.{k}': v
        for k, v in model.state_dict().items()
    }, meta={}), checkpoint)
    video = write_video(str(root / 'video'), length=6, size=32, ids=(2, 9), late=None)
    return dict(config=str(config), checkpoint=str(checkpoint), video=video)


def test_writes_palette_masks_and_overlays(setup, tmp_path, capsys):
    out = tmp_path / 'out'
    rc = infer.main([
        setup['config'], setup['checkpoint'], '--frames', setup['video']['frames'], '--mask',
        setup['video']['masks'][0], '--out',
        str(out), '--overlay', '--memory', 'fifo:2', '--no-progress'
    ])
    assert rc == 0
    assert 'wrote 6 masks' in capsys.readouterr().out
    masks = sorted(f for f in os.listdir(out) if f.endswith('.png'))
    assert masks == [f'{t:05d}.png' for t in range(6)]
    with Image.open(out / masks[0]) as image:
        assert image.mode == 'P' and image.getpalette()[:768] == CUSTOM_PALETTE
        assert np.array_equal(np.array(image), setup['video']['gt'][0])
    assert sorted(os.listdir(out / 'overlays')) == [f'{t:05d}.jpg' for t in range(6)]
    # the propagated frames are the student's (from the distillation checkpoint) with the chosen memory
    frames = [read_frame(osp.join(setup['video']['frames'], f'{t:05d}.png')) for t in range(6)]
    expected = VideoInferencer(build_tiny(seed=4).eval(), memory='fifo:2').propagate(
        frames, {0: setup['video']['gt'][0]})
    for t, result in enumerate(expected):
        assert np.array_equal(read_mask(str(out / masks[t])), result.ids), t


def test_bad_input_is_a_clear_error(setup, tmp_path, capsys):
    empty = tmp_path / 'empty'
    empty.mkdir()
    rc = infer.main([
        setup['config'], setup['checkpoint'], '--frames',
        str(empty), '--mask', setup['video']['masks'][0], '--out',
        str(tmp_path / 'out')
    ])
    assert rc == 1
    assert f'error: frames folder {empty} is empty' in capsys.readouterr().err
    rc = infer.main([
        setup['config'],
        str(tmp_path / 'missing.pth'), '--frames', setup['video']['frames'], '--mask',
        setup['video']['masks'][0], '--out',
        str(tmp_path / 'out')
    ])
    assert rc == 1
    assert 'missing.pth' in capsys.readouterr().err
    rc = infer.main([
        setup['config'], setup['checkpoint'], '--frames', setup['video']['frames'], '--mask',
        setup['video']['masks'][0], '--out',
        str(tmp_path / 'out'), '--memory', 'sometimes'
    ])
    assert rc == 1
    assert "--memory 'sometimes' is not understood" in capsys.readouterr().err


def test_command_line_with_progress_bar(setup, tmp_path):
    out = tmp_path / 'cli'
    result = subprocess.run([
        sys.executable, 'tools/infer.py', setup['config'], setup['checkpoint'], '--frames',
        setup['video']['frames'], '--mask', setup['video']['masks'][0], '--out',
        str(out)
    ],
                            cwd=ROOT,
                            capture_output=True,
                            text=True,
                            timeout=300,
                            env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert result.returncode == 0, result.stderr[-2000:]
    assert '6/6' in result.stderr  # tqdm's progress bar
    assert len([f for f in os.listdir(out) if f.endswith('.png')]) == 6
