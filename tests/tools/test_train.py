"""tools/train.py: a toy config trains, and --resume continues with safe loading."""
import os.path as osp
import subprocess
import sys

import torch
from mmengine.config import Config
from mmengine.hooks import Hook

from mobilevos.apis import build_runner, prepare_train_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY_CONFIG = osp.join(ROOT, 'tests', 'configs', 'toy_train.py')


class _CountIters(Hook):
    def __init__(self):
        self.iters = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.iters.append(runner.iter + 1)  # runner.iter counts from 0 until the loop increments it


def test_train_two_iters_then_resume_with_weights_only(tmp_path, monkeypatch):
    work_dir = tmp_path / 'work'
    # 1) the command line, exactly as a user runs it
    result = subprocess.run([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', str(work_dir)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (work_dir / 'iter_2.pth').is_file()
    assert (work_dir / 'last_checkpoint').read_text().strip().endswith('iter_2.pth')

    # 2) --resume, through the same functions tools/train.py calls, spying on torch.load
    calls = []
    real_load = torch.load

    def spy_load(*args, **kwargs):
        calls.append(kwargs.get('weights_only'))
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, 'load', spy_load)
    cfg = Config.fromfile(TOY_CONFIG)
    cfg.experiment_name = f'resume_{tmp_path.name}'
    cfg = prepare_train_config(cfg, TOY_CONFIG, work_dir=str(work_dir), resume='auto',
                               cfg_options={'train_cfg.max_iters': 4})
    runner = build_runner(cfg)
    counter = _CountIters()
    runner.register_hook(counter)
    runner.train()

    assert calls, 'resume did not load any checkpoint'
    assert all(flag is True for flag in calls), f'torch.load called with weights_only={calls}'
    assert counter.iters == [3, 4], 'resume did not continue from iteration 2'
    assert (work_dir / 'iter_4.pth').is_file()


def test_resume_with_missing_checkpoint_is_a_clear_error(tmp_path):
    result = subprocess.run(
        [sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', str(tmp_path), '--resume',
         str(tmp_path / 'missing.pth')],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.startswith('error: ') and 'missing.pth' in result.stderr
    assert 'Traceback' not in result.stderr


def test_resume_from_a_checkpoint_without_optimizer_state_is_refused(tmp_path):
    """mmengine writes best_*.pth without optimizer and schedulers: resuming from one is no continuation."""
    from mobilevos.utils.checkpoint import load_checkpoint_file
    work_dir = tmp_path / 'work'
    subprocess.run([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', str(work_dir)], cwd=ROOT,
                   check=True, capture_output=True, timeout=300)
    full = load_checkpoint_file(work_dir / 'iter_2.pth')
    best = tmp_path / 'best_acc_iter_2.pth'
    torch.save({k: v for k, v in full.items() if k not in ('optimizer', 'param_schedulers')}, best)
    cfg = Config.fromfile(TOY_CONFIG)
    # the full checkpoint is accepted, the weights-only one is a user error naming it and what to do
    assert prepare_train_config(cfg, TOY_CONFIG, work_dir=str(tmp_path / 'a'),
                                resume=str(work_dir / 'iter_2.pth')).resume is True
    result = subprocess.run([sys.executable, 'tools/train.py', TOY_CONFIG, '--work-dir', str(tmp_path / 'b'),
                             '--resume', str(best)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1 and 'Traceback' not in result.stderr
    assert result.stderr.startswith(f'error: --resume {best}: this checkpoint holds weights but no optimizer')
    assert f'load_from={best}' in result.stderr
