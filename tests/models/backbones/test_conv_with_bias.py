"""Conv2dWithBias: mmseg's ResNet-18 with it has exactly the value-encoder layout of STCN's checkpoints."""
import json
import os.path as osp

import torch
import torch.nn as nn

from mobilevos.models.backbones import Conv2dWithBias
from tests.models.backbones.resnets import stride16_resnet

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def test_bias_is_kept_even_when_the_builder_asks_for_none():
    conv = Conv2dWithBias(5, 8, 3, padding=1, bias=False)
    assert conv.bias is not None and conv.bias.shape == (8, ) and not conv.bias.any()
    conv.bias.data.fill_(2.0)
    x = torch.randn(1, 5, 4, 4)
    ref = nn.functional.conv2d(x, conv.weight, padding=1) + 2.0
    assert torch.allclose(conv(x), ref, atol=1e-6)


def test_resnet18_value_encoder_matches_stcns_value_encoder_keys():
    encoder = stride16_resnet(18, in_channels=5, conv_cfg=dict(type='mobilevos.Conv2dWithBias'))
    convs = [m for m in encoder.modules() if isinstance(m, nn.Conv2d)]
    assert convs and all(isinstance(m, Conv2dWithBias) for m in convs)
    with open(osp.join(ROOT, 'tools', 'model_converters', 'stcn_state_dict_shapes.json')) as f:
        stcn = json.load(f)['shapes']
    prefix = 'value_encoder.'
    expected = {
        k[len(prefix):]: tuple(s)
        for k, s in stcn.items() if k.startswith(prefix) and '.fuser.' not in k
    }
    assert {k: tuple(v.shape) for k, v in encoder.state_dict().items()} == expected
