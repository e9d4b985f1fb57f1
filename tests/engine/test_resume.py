"""A run killed with SIGKILL and resumed ends with the weights of an uninterrupted run.

The runs go through ``tools/train.py`` with the MobileNetV2 student's synthetic config
(clip sampler, augmentation, max-skip curriculum) at 32x32. The run that is killed
checkpoints every 2 iterations and dies (SIGKILL, from ``tests/engine/kill_hook.py``)
after iteration 5, so ``--resume`` continues from ``iter_4.pth``.
"""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from mobilevos.utils.checkpoint import load_checkpoint_file
from tests.engine.kill_hook import ENV as KILL_ENV
from tests.tools.vos_helpers import ROOT, data_options, make_tiny_dataset, no_validation

CONFIG = 'tests/configs/resume_vos.py'
MAX_ITERS = 6

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def tiny_data(tmp_path_factory):
    return make_tiny_dataset(str(tmp_path_factory.mktemp('tiny') / 'data'))


def _options(data_root, extra=()):
    return data_options(data_root) + no_validation() + [
        f'train_cfg.max_iters={MAX_ITERS}', 'default_hooks.checkpoint.interval=2',
        'default_hooks.checkpoint.max_keep_ckpts=5', 'optim_wrapper.optimizer.lr=1e-3',
        'param_scheduler.0.milestones=[5]', *extra
    ]


def _train(work_dir, options, kill_at=None, resume=False):
    cmd = [sys.executable, 'tools/train.py', CONFIG, '--work-dir', str(work_dir), '--cfg-options', *options]
    if resume:
        cmd.insert(3, '--resume')
    env = {k: v for k, v in os.environ.items() if k != KILL_ENV}
    if kill_at is not None:
        env[KILL_ENV] = str(kill_at)
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if kill_at is None:
        assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    else:
        assert result.returncode == -9, f'the run was not killed: {(result.stdout + result.stderr)[-2000:]}'
    return result


def _final_state(work_dir):
    return load_checkpoint_file(osp.join(work_dir, f'iter_{MAX_ITERS}.pth'))['state_dict']


def _max_difference(a, b):
    """Largest absolute difference over every tensor of two state dicts (buffers included)."""
    assert a.keys() == b.keys()
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a)


def _killed_and_resumed(work_dir, options):
    _train(work_dir, options, kill_at=5)
    assert sorted(f for f in os.listdir(work_dir) if f.endswith('.pth')) == ['iter_2.pth', 'iter_4.pth']
    return _train(work_dir, options, resume=True)


def test_killed_and_resumed_run_ends_with_the_uninterrupted_weights(tiny_data, tmp_path):
    options = _options(tiny_data)
    _train(tmp_path / 'uninterrupted', options)
    resumed = _killed_and_resumed(tmp_path / 'killed', options)

    log = resumed.stdout + resumed.stderr
    assert 'exact resume: the data continue at sample 8' in log
    reference, state = _final_state(tmp_path / 'uninterrupted'), _final_state(tmp_path / 'killed')
    assert any(k.endswith('running_mean') for k in state)
    assert any(k.endswith('num_batches_tracked') for k in state)
    assert _max_difference(reference, state) <= 1e-6
    # the runs trained: the weights moved away from the checkpoint the resumed run started from
    start = load_checkpoint_file(tmp_path / 'killed' / 'iter_4.pth')['state_dict']
    weights = [k for k in state
               if state[k].is_floating_point() and not k.endswith(('running_mean', 'running_var'))]
    assert _max_difference({k: start[k] for k in weights}, {k: state[k] for k in weights}) > 1e-4


def test_with_mmengine_sampler_the_resumed_weights_differ(tiny_data, tmp_path):
    # mmengine's InfiniteSampler (what the configs used before): augmentation draws from the global
    # numpy stream and mmengine replays the trained batches, so the data after resuming differ
    options = _options(tiny_data, ['train_dataloader.sampler.type=InfiniteSampler'])
    _train(tmp_path / 'uninterrupted', options)
    resumed = _killed_and_resumed(tmp_path / 'killed', options)
    assert 'the train sampler is not a ResumableInfiniteSampler' in resumed.stdout + resumed.stderr
    reference, state = _final_state(tmp_path / 'uninterrupted'), _final_state(tmp_path / 'killed')
    assert _max_difference(reference, state) > 1e-4
