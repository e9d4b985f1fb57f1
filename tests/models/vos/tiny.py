"""A tiny STM network for fast tests (about 0.1 M parameters; any H, W multiple of 16)."""
import copy

import torch

from mobilevos.registry import MODELS
from mobilevos.structures import VOSDataSample

TINY_MODEL = dict(type='STMNetwork',
                  key_encoder=dict(type='MobileNetV2Encoder',
                                   widen_factor=0.25,
                                   num_stages=4,
                                   strides=(1, 2, 2, 2, 1, 1, 1),
                                   out_indices=(1, 2, 3)),
                  value_encoder=dict(type='MobileNetV2Encoder',
                                     in_channels=5,
                                     widen_factor=0.25,
                                     num_stages=4,
                                     strides=(1, 2, 2, 2, 1, 1, 1),
                                     out_indices=(3, )),
                  key_dim=8,
                  value_dim=16,
                  query_dim=16,
                  value_fuser=dict(type='ValueFuser', shortcut_kernel=1),
                  decoder=dict(type='STMDecoder', channels=(16, 8, 8), shortcut_kernel=1),
                  train_memory=dict(type='InfiniteMemory', mem_every=1),
                  test_memory=dict(type='FirstLatestMemory', keep_first=True, num_latest=1))


def tiny_cfg(**overrides) -> dict:
    cfg = copy.deepcopy(TINY_MODEL)
    cfg.update(overrides)
    return cfg


def build_tiny(seed: int = 0, **overrides):
    torch.manual_seed(seed)
    return MODELS.build(tiny_cfg(**overrides))


def make_clip(gt: torch.Tensor, num_objects: int, seed: int = 0):
    """Frames (T, 3, H, W) uint8 that show the objects of ``gt`` (T, H, W), plus a data sample."""
    g = torch.Generator().manual_seed(seed)
    frames = torch.randint(0, 60, (gt.shape[0], 3) + tuple(gt.shape[1:]), generator=g, dtype=torch.uint8)
    for k in range(1, num_objects + 1):
        colour = torch.tensor([80 * k % 255, 255 - 60 * k, 40 * k], dtype=torch.uint8).view(3, 1, 1)
        frames = torch.where((gt == k).unsqueeze(1), colour, frames)
    sample = VOSDataSample(metainfo=dict(num_objects=num_objects))
    sample.gt_masks = gt.long()
    return frames, sample


def moving_squares(length: int = 3, size: int = 32, num_objects: int = 2, start: int = 0) -> torch.Tensor:
    """``(T, size, size)`` ids: object k is a square moving right by one pixel per frame."""
    gt = torch.zeros(length, size, size, dtype=torch.long)
    for t in range(length):
        for k in range(1, num_objects + 1):
            top = 2 + (k - 1) * (size // 2)
            gt[t, top:top + size // 4, start + t + 2:start + t + 2 + size // 4] = k
    return gt
