"""A backbone registered from projects/ is built through our registry."""
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config
from mmengine.utils import import_modules_from_strings

from mobilevos.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(ROOT, 'projects', 'example_backbone', 'configs', 'tiny_backbone_example.py')


def test_plugin_backbone_is_built_from_config_custom_imports():
    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    cfg = Config.fromfile(CONFIG)
    # What mmengine's Runner does with custom_imports before building anything.
    import_modules_from_strings(**cfg.custom_imports)
    backbone = MODELS.build(cfg.backbone)
    assert type(backbone).__name__ == 'TinyConvBackbone'
    assert type(backbone).__module__.startswith('projects.example_backbone')
    feats = backbone(torch.zeros(2, 3, 32, 32))
    assert [f.shape[1] for f in feats] == list(backbone.out_channels)
    assert [32 // f.shape[-1] for f in feats] == list(backbone.strides)


def test_package_does_not_name_the_plugin():
    for folder, _, files in os.walk(osp.join(ROOT, 'mobilevos')):
        for name in files:
            if name.endswith('.py'):
                with open(osp.join(folder, name)) as f:
                    assert 'TinyConvBackbone' not in f.read(), osp.join(folder, name)
