"""Local stand-ins for torchvision's ImageNet checkpoints, with their real key names and shapes.

The names and shapes are ``torchvision_imagenet_shapes.json`` (read once from torchvision 0.29.1);
the values are random, so a test can tell where each tensor landed.
"""
import json
import os
import os.path as osp
from typing import Dict, List

import torch

from mobilevos.models.backbones import IMAGENET_URLS

HERE = osp.dirname(osp.abspath(__file__))
with open(osp.join(HERE, 'torchvision_imagenet_shapes.json')) as _f:
    SHAPES = json.load(_f)


def fake_imagenet(name: str, path, seed: int = 0) -> Dict[str, torch.Tensor]:
    """Write a torchvision-layout checkpoint of random tensors for ``name`` (a key of IMAGENET_URLS).

    The final layers no encoder of ours has are left uninitialised (never read).
    """
    gen = torch.Generator().manual_seed(seed)
    state = {}
    for key, shape in SHAPES[name].items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(0)
        elif key.startswith(('layer4.', 'fc.', 'classifier.', 'features.18.')):
            state[key] = torch.empty(shape)
        else:
            state[key] = torch.rand(shape, generator=gen)
    torch.save(state, path)
    return state


def fake_imagenet_files(folder) -> Dict[str, str]:
    """Write all three checkpoints into ``folder`` under their URLs' file names; return ``{url: path}``.

    ``folder`` can be torch's hub cache (``<hub>/checkpoints``): a config's URL then resolves to it.
    """
    os.makedirs(folder, exist_ok=True)
    files = {}
    for seed, (name, url) in enumerate(sorted(IMAGENET_URLS.items())):
        path = osp.join(str(folder), osp.basename(url))
        fake_imagenet(name, path, seed=seed)
        files[url] = path
    return files


def local_imagenet_options(config: dict, files: Dict[str, str]) -> List[str]:
    """``--cfg-options`` that point every ``model.`` key holding one of ``files``' URLs at the local file."""
    from mobilevos.utils.cli import keys_holding
    return [f'{key}={path}' for url, path in files.items() for key in keys_holding(config, url)
            if key.startswith('model.')]
