"""Helpers for tests that run the real tools on a tiny synthetic dataset."""
import json
import os.path as osp
from glob import glob
from typing import Dict, List

from mobilevos.datasets import make_synthetic_davis

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: generator arguments of the tiny set (must match the overrides below exactly)
TINY = dict(num_videos=3, num_frames=5, size=(32, 32), seed=0, num_val_videos=2)


def make_tiny_dataset(folder: str) -> str:
    """Write the tiny synthetic DAVIS set into ``folder`` and return it."""
    make_synthetic_davis(folder, **TINY)
    return folder


def data_options(data_root: str, crop: int = 32) -> List[str]:
    """``--cfg-options`` that point a synthetic-data config at the tiny set."""
    options = []
    for prefix in ('train_dataloader.dataset.dataset', 'val_dataloader.dataset', 'test_dataloader.dataset'):
        options += [
            f'{prefix}.data_root={data_root}', f"{prefix}.num_videos={TINY['num_videos']}",
            f"{prefix}.num_frames={TINY['num_frames']}", f"{prefix}.size=({TINY['size'][0]},{TINY['size'][1]})",
            f"{prefix}.num_val_videos={TINY['num_val_videos']}"
        ]
    return options + [
        f'train_dataloader.dataset.pipeline.0.size=({crop},{crop})', 'train_dataloader.batch_size=2',
        'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False'
    ]


def no_validation() -> List[str]:
    return ['val_dataloader=None', 'val_cfg=None', 'val_evaluator=None']


def logged_iterations(work_dir: str, run: str = '*') -> List[Dict]:
    """Every ``Iter(train)`` record that mmengine logged under ``work_dir``, in order.

    ``run`` picks one run's timestamped folder (default: all runs).
    """
    records = []
    for path in sorted(glob(osp.join(work_dir, run, 'vis_data', 'scalars.json'))):
        with open(path) as f:
            records += [json.loads(line) for line in f if line.strip()]
    return [r for r in records if 'lr' in r]
