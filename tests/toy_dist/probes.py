"""A toy model with batch norm, and a hook that records what each rank saw."""
import json
import os.path as osp

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import BaseModel

from mobilevos.registry import HOOKS, MODELS


@MODELS.register_module()
class ToyBNModel(BaseModel):
    """conv -> batch norm -> 1x1 classifier; CE loss on ``labels``."""

    def __init__(self, width: int = 4):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, padding=1)
        self.bn = nn.BatchNorm2d(width)
        self.classifier = nn.Conv2d(width, 2, 1)

    def forward(self, inputs, labels=None, index=None, mode='tensor'):
        x = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
        logits = self.classifier(F.relu(self.bn(self.conv(x))))
        if mode == 'loss':
            y = torch.stack(list(labels)) if isinstance(labels, (list, tuple)) else labels
            return dict(loss_ce=F.cross_entropy(logits, y))
        return logits


@HOOKS.register_module()
class RankProbeHook(Hook):
    """Write ``rank<r>.json`` (sample indices seen) and ``rank<r>.pth`` (final weights) to the work dir."""

    def __init__(self):
        self.indices = []

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        self.indices.extend(int(i) for i in data_batch['index'])

    def after_run(self, runner):
        rank = get_rank()
        with open(osp.join(runner.work_dir, f'rank{rank}.json'), 'w') as f:
            json.dump(self.indices, f)
        model = runner.model.module if hasattr(runner.model, 'module') else runner.model
        torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()},
                   osp.join(runner.work_dir, f'rank{rank}.pth'))
