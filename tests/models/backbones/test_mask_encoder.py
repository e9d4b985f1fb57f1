"""MaskEncoder: the output stride and channels follow ``channels``; bad arguments are clear errors."""
import pytest
import torch

from mobilevos.models.backbones import MaskEncoder, probe_feature_spec
from mobilevos.registry import MODELS


def test_default_maps_two_mask_channels_to_stride_16():
    encoder = MODELS.build(dict(type='MaskEncoder')).eval()
    (out, ) = encoder(torch.rand(3, 2, 64, 96))
    assert out.shape == (3, 64, 4, 6)
    assert probe_feature_spec(encoder, 2).strides == (16, )


def test_stages_set_stride_and_channels():
    encoder = MaskEncoder(in_channels=3, channels=(8, 12)).eval()
    (out, ) = encoder(torch.rand(1, 3, 32, 48))
    assert out.shape == (1, 12, 8, 12)  # two stride-2 stages: stride 4
    assert encoder.out_channels == 12
    # stage 0 is dense on the masks, later stages are depthwise (groups = channels)
    assert encoder.stages[0].conv.groups == 1 and encoder.stages[1].depthwise_conv.conv.groups == 8


def test_no_stage_is_an_error():
    with pytest.raises(ValueError, match='at least one stage'):
        MaskEncoder(channels=())


def test_output_depends_on_the_masks():
    torch.manual_seed(0)
    encoder = MaskEncoder().eval()
    masks = torch.zeros(1, 2, 64, 64)
    moved = masks.clone()
    masks[:, 0, 8:24, 8:24] = 1
    moved[:, 0, 40:56, 40:56] = 1
    with torch.no_grad():
        assert not torch.allclose(encoder(masks)[0], encoder(moved)[0])
