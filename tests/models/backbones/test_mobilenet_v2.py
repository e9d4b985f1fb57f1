"""MobileNetV2Encoder: extra input channels and truncation of mmseg's MobileNetV2."""
import pytest
import torch
from mmseg.models.backbones import MobileNetV2

from mobilevos.registry import MODELS

STRIDE16 = dict(strides=(1, 2, 2, 2, 1, 1, 1), dilations=(1, 1, 1, 1, 1, 1, 1))


def test_five_channel_input_and_truncation():
    encoder = MODELS.build(
        dict(type='MobileNetV2Encoder', in_channels=5, num_stages=4, out_indices=(3, ), **STRIDE16))
    out = encoder(torch.zeros(2, 5, 64, 64))
    assert isinstance(out, tuple) and len(out) == 1
    assert out[0].shape == (2, 64, 4, 4)  # layer4 of MobileNetV2: 64 channels at stride 16
    assert not hasattr(encoder, 'layer5') and encoder.layers == ['layer1', 'layer2', 'layer3', 'layer4']
    full = MobileNetV2(out_indices=(3, ), **STRIDE16)
    own = sum(p.numel() for p in encoder.parameters())
    assert own < sum(p.numel() for p in full.parameters()) / 5  # stages 5-7 hold most weights


def test_same_weights_as_mmseg_for_rgb_input():
    torch.manual_seed(0)
    ours = MODELS.build(dict(type='MobileNetV2Encoder', num_stages=7, out_indices=(1, 2, 6),
                             **STRIDE16)).eval()
    theirs = MobileNetV2(out_indices=(1, 2, 6), **STRIDE16)
    theirs.eval()  # mmseg's train() returns None, so no chaining here
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(1, 3, 32, 32)
    for a, b in zip(ours(x), theirs(x)):
        assert torch.equal(a, b)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match='out_indices'):
        MODELS.build(dict(type='MobileNetV2Encoder', num_stages=3, out_indices=(4, )))
    with pytest.raises(ValueError, match='num_stages'):
        MODELS.build(dict(type='MobileNetV2Encoder', num_stages=8))
