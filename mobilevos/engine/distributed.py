"""Distributed data parallel that also runs on CPU processes (gloo).

mmengine 0.10.7 assumes GPUs in two places: its launcher calls
``torch.cuda.set_device`` and its default wrapper passes ``device_ids`` to
``DistributedDataParallel``. torch's ``SyncBatchNorm`` also refuses CPU
tensors. This module supplies what is needed to run the same configs under
``torchrun`` on CPU:

- :func:`init_cpu_process_group` starts the gloo process group from the
  variables torchrun sets, before the runner is built (the runner then skips
  its own, CUDA-only, initialisation);
- :class:`CPUDistributedDataParallel` (``MODEL_WRAPPERS``) drops
  ``device_ids`` for CPU modules and, with ``sync_bn=True``, converts batch
  norms to :class:`AllReduceBatchNorm2d`;
- :class:`AllReduceBatchNorm2d` normalises with the statistics of the whole
  global batch, gathered with a differentiable all-reduce.
"""
import os
from typing import Optional

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import MMDistributedDataParallel

from mobilevos.registry import MODEL_WRAPPERS


def init_cpu_process_group(backend: str = 'gloo') -> None:
    """Initialise ``torch.distributed`` from torchrun's environment, once."""
    if dist.is_available() and not dist.is_initialized():
        missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT') if k not in os.environ]
        if missing:
            raise RuntimeError(f'--launcher pytorch needs torchrun; these variables are not set: {missing}')
        dist.init_process_group(backend=backend)


class AllReduceBatchNorm2d(nn.BatchNorm2d):
    """``BatchNorm2d`` whose training statistics cover every process's batch.

    Outside training, or without an initialised process group of more than
    one process, it is a plain ``BatchNorm2d``. Gradients flow through the
    all-reduce (``torch.distributed.nn.functional.all_reduce``), so the result
    equals batch norm over the concatenated global batch.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, C, H, W)
        if not (self.training and dist.is_available() and dist.is_initialized()
                and dist.get_world_size() > 1):
            return super().forward(x)
        from torch.distributed.nn.functional import all_reduce
        channels = x.shape[1]
        count = torch.full((1, ), x.numel() / channels, dtype=x.dtype, device=x.device)
        local = torch.cat([x.sum(dim=(0, 2, 3)), (x * x).sum(dim=(0, 2, 3)), count])  # (2C + 1,)
        total = all_reduce(local)
        n = total[-1]
        mean = total[:channels] / n  # (C,)
        var = total[channels:2 * channels] / n - mean * mean  # biased, (C,)
        if self.track_running_stats:
            with torch.no_grad():
                momentum = self.momentum if self.momentum is not None else 0.1
                unbiased = var * n / (n - 1).clamp(min=1)
                self.running_mean.mul_(1 - momentum).add_(momentum * mean)
                self.running_var.mul_(1 - momentum).add_(momentum * unbiased)
                self.num_batches_tracked.add_(1)
        y = (x - mean[None, :, None, None]) / torch.sqrt(var[None, :, None, None] + self.eps)
        if self.affine:
            y = y * self.weight[None, :, None, None] + self.bias[None, :, None, None]
        return y


def convert_to_allreduce_bn(module: nn.Module) -> nn.Module:
    """Replace every ``BatchNorm2d`` / ``SyncBatchNorm`` in ``module`` by :class:`AllReduceBatchNorm2d`."""
    if isinstance(module, (nn.BatchNorm2d, nn.SyncBatchNorm)) and not isinstance(module, AllReduceBatchNorm2d):
        new = AllReduceBatchNorm2d(module.num_features, module.eps, module.momentum, module.affine,
                                   module.track_running_stats)
        if module.affine:
            with torch.no_grad():
                new.weight.copy_(module.weight)
                new.bias.copy_(module.bias)
            new.weight.requires_grad_(module.weight.requires_grad)
            new.bias.requires_grad_(module.bias.requires_grad)
        if module.track_running_stats:
            new.running_mean.copy_(module.running_mean)
            new.running_var.copy_(module.running_var)
            new.num_batches_tracked.copy_(module.num_batches_tracked)
        new.train(module.training)
        return new
    for name, child in module.named_children():
        module.add_module(name, convert_to_allreduce_bn(child))
    return module


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """``MMDistributedDataParallel`` that also wraps CPU modules.

    Args:
        module: the model.
        sync_bn: convert batch norms to :class:`AllReduceBatchNorm2d` first.
        device_ids: ignored for CPU modules (DDP refuses them there).
        **kwargs: passed to ``DistributedDataParallel``.
    """

    def __init__(self, module: nn.Module, sync_bn: bool = False, device_ids: Optional[list] = None, **kwargs):
        if sync_bn:
            module = convert_to_allreduce_bn(module)
        on_cpu = all(p.device.type == 'cpu' for p in module.parameters())
        super().__init__(module=module, device_ids=None if on_cpu else device_ids, **kwargs)
