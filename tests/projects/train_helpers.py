"""Run tools/train.py on a project config at a tiny size and read back what it logged."""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
from typing import Dict, List

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: Tiny data and schedule for the synthetic datasets of projects/ (both take num_samples and size).
TINY_OPTIONS = ('train_dataloader.dataset.num_samples=4', 'train_dataloader.dataset.size=32',
                'train_dataloader.batch_size=2', 'val_dataloader.dataset.num_samples=2',
                'val_dataloader.dataset.size=32', 'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
                'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
                'param_scheduler.0.end=2')


def train_tiny(config: str, work_dir: str, *options: str) -> List[Dict]:
    """Train ``config`` with :data:`TINY_OPTIONS` in a fresh process; return every ``scalars.json`` record.

    A fresh process has imported nothing of the project, so the config's
    ``custom_imports`` alone must make its types known.
    """
    cmd = [
        sys.executable, 'tools/train.py', config, '--work-dir', work_dir, '--cfg-options', *TINY_OPTIONS,
        *options
    ]
    env = dict(os.environ, OMP_NUM_THREADS='1')
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    records = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            records += [json.loads(line) for line in f]
    return records


def package_files_naming(word: str) -> List[str]:
    """Files of the ``mobilevos`` package whose text contains ``word`` (a plugin must not be named there)."""
    hits = []
    for folder, _, files in os.walk(osp.join(ROOT, 'mobilevos')):
        for name in files:
            if name.endswith('.py'):
                with open(osp.join(folder, name)) as f:
                    if word in f.read():
                        hits.append(osp.join(folder, name))
    return hits
