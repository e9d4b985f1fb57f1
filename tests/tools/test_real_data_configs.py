"""The real-data distillation configs train: 2 iterations each through tools/train.py on tiny folders.

The test writes a DAVIS 2017 and a YouTube-VOS 2019 layout, a random STCN-R50 teacher checkpoint (the
network STCN's converted weights load into) and torchvision-layout ImageNet files, and points the
config at them with ``--cfg-options``; the clips keep the config's 8 frames.
"""
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mobilevos.registry import MODELS
from mobilevos.utils.checkpoint import load_checkpoint_file
from tests.datasets.layouts import make_davis, make_youtube
from tests.models.backbones.imagenet_weights import fake_imagenet_files, local_imagenet_options
from tests.tools.vos_helpers import ROOT, logged_iterations, no_validation

STUDENTS = ('r18', 'mbv2', 'mbv2-noaspp')


@pytest.fixture(scope='module')
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp('real_data')
    videos = {'bike': [[1, 2]] * 10, 'cat': [[1]] * 6}
    davis = make_davis(str(root / 'DAVIS'), videos=videos, size=(32, 32), split='train')
    youtube = make_youtube(str(root / 'YouTube-VOS'), split='train', size=(32, 32))
    teacher = MODELS.build(
        Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'models', 'stcn_r50.py')).stcn_r50)
    torch.save(dict(state_dict=teacher.state_dict()), root / 'teacher.pth')
    return dict(davis=davis,
                youtube=youtube,
                teacher=str(root / 'teacher.pth'),
                imagenet=fake_imagenet_files(root / 'imagenet'))


def _options(world, cfg):
    train = 'train_dataloader.dataset.datasets'
    return [
        f'{train}.0.dataset.dataset.data_root={world["davis"]}',
        f'{train}.1.dataset.data_root={world["youtube"]}', f'{train}.0.dataset.pipeline.0.size=(32,32)',
        f'{train}.1.pipeline.0.size=(32,32)', 'train_dataloader.batch_size=1',
        'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
        f'model.teacher_ckpt={world["teacher"]}', 'train_cfg.max_iters=2', 'default_hooks.logger.interval=1',
        'default_hooks.checkpoint.interval=2'
    ] + no_validation() + local_imagenet_options(cfg.to_dict(), world['imagenet'])


@pytest.mark.slow
@pytest.mark.parametrize('student', STUDENTS)
def test_real_data_distillation_trains_two_iterations(student, world, tmp_path):
    config = f'configs/distill_r50_to_{student}_davis-ytvos.py'
    cfg = Config.fromfile(osp.join(ROOT, config))
    options = _options(world, cfg)
    assert sum('init_cfg.checkpoint=' in o for o in options) == 2  # the student's key and value encoders
    result = subprocess.run(
        [sys.executable, 'tools/train.py', config, '--work-dir',
         str(tmp_path), '--cfg-options', *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    records = logged_iterations(str(tmp_path))
    assert [r['iter'] for r in records] == [1, 2]
    for key in ('student.loss_ce', 'distill.loss_repr', 'distill.loss_logit'):
        assert all(np.isfinite(r[key]) for r in records), key
    log = open(next(iter(sorted(tmp_path.glob('*/*.log'))))).read()
    url = 'resnet18-f37072fd' if student == 'r18' else 'mobilenet_v2-b0353104'
    assert log.count('ImageNet init of ') == 2 and log.count(f'{url}.pth: ') == 2
    state = load_checkpoint_file(tmp_path / 'iter_2.pth')['state_dict']
    assert any(k.startswith('student.') for k in state) and not any(k.startswith('teacher.') for k in state)
