"""Output channels and strides read from any backbone; a backbone defined here plugs into the network."""
import pytest
import torch
import torch.nn as nn

from mobilevos.models.backbones import probe_feature_spec
from mobilevos.registry import MODELS
from tests.models.backbones.resnets import stride16_resnet
from tests.models.vos.tiny import make_clip, moving_squares, tiny_cfg


def test_probe_reads_mmseg_resnet_and_leaves_it_untouched():
    backbone = stride16_resnet(18, out_indices=(0, 1, 2))
    backbone.train()
    before = {k: v.clone() for k, v in backbone.state_dict().items()}
    spec = probe_feature_spec(backbone, 3, 64)
    assert spec.channels == (64, 128, 256)
    assert spec.strides == (4, 8, 16)
    assert backbone.training
    for key, value in backbone.state_dict().items():  # batch-norm statistics unchanged
        assert torch.equal(value, before[key]), key


def test_probe_error_names_the_backbone():
    backbone = stride16_resnet(18)
    with pytest.raises(ValueError, match=r'value_encoder \(mmseg.ResNet\).*5 input channels'):
        probe_feature_spec(backbone, 5, 64, name='value_encoder (mmseg.ResNet)')


def test_network_needs_a_stride_16_map():
    cfg = tiny_cfg()
    cfg['key_encoder']['out_indices'] = (1, 2)  # strides 4 and 8 only
    with pytest.raises(ValueError, match='key_encoder .* no output with stride 16'):
        MODELS.build(cfg)


@MODELS.register_module(name='_TestPluginBackbone', force=True)
class PluginBackbone(nn.Module):
    """Declares nothing about its outputs: the network reads them."""

    def __init__(self, in_channels: int = 3, width: int = 6):
        super().__init__()
        layers, channels = [], in_channels
        for i in range(4):  # strides 2, 4, 8, 16; widths 6, 12, 18, 24
            layers.append(nn.Sequential(nn.Conv2d(channels, width * (i + 1), 3, 2, 1), nn.ReLU()))
            channels = width * (i + 1)
        self.stages = nn.ModuleList(layers)

    def forward(self, x):
        outs = []
        for stage in self.stages:
            x = stage(x)
            outs.append(x)
        return outs[1:]  # a list, strides 4, 8, 16


def test_plugin_backbone_needs_no_other_config_edit():
    cfg = tiny_cfg(key_encoder=dict(type='_TestPluginBackbone'),
                   value_encoder=dict(type='_TestPluginBackbone', in_channels=5, width=4))
    model = MODELS.build(cfg)
    assert model.key_spec.channels == (12, 18, 24) and model.key_spec.strides == (4, 8, 16)
    assert model.value_spec.channels == (8, 12, 16)
    assert model.key_proj.proj.in_channels == 24  # neck/heads took in_channels from the backbone
    assert model.value_fuser.block1.conv1.in_channels == 16 + 24
    assert model.decoder.up_16_8.skip_conv.in_channels == 18
    frames, sample = make_clip(moving_squares(2, 32), 2)
    data = model.data_preprocessor(dict(inputs=[frames], data_samples=[sample]), True)
    loss = model(**data, mode='loss')['loss_ce']
    loss.backward()
    assert torch.isfinite(loss)
    assert model.key_encoder.stages[0][0].weight.grad.abs().sum() > 0
