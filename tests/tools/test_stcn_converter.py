"""tools/model_converters/stcn2mobilevos.py: every STCN key is mapped, loads strictly; bad files fail clearly.

STCN's names and shapes come from the committed list ``stcn_state_dict_shapes.json``
(read once from STCN's network); the checkpoints here are made of tensors of those
shapes, each filled with its own index so that a misplaced tensor is caught.
"""
import importlib.util
import json
import os.path as osp

import pytest
import torch

from mobilevos.utils.checkpoint import load_checkpoint_file

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONVERTER = osp.join(ROOT, 'tools', 'model_converters', 'stcn2mobilevos.py')
CONFIG = osp.join(ROOT, 'configs', 'stcn_r50_davis-ytvos.py')
_spec = importlib.util.spec_from_file_location('stcn2mobilevos', CONVERTER)
stcn2mobilevos = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(stcn2mobilevos)

with open(osp.join(ROOT, 'tools', 'model_converters', 'stcn_state_dict_shapes.json')) as _f:
    STCN_SHAPES = json.load(_f)['shapes']


def fake_stcn(shapes=STCN_SHAPES):
    """STCN's state dict with tensor ``i`` filled with ``i`` (``num_batches_tracked`` as int64)."""
    state = {}
    for index, (key, shape) in enumerate(shapes.items()):
        dtype = torch.int64 if key.endswith('num_batches_tracked') else torch.float32
        state[key] = torch.full(shape, index, dtype=dtype)
    return state


def test_reference_is_stcns_network():
    # 405 tensors, 54.43 M parameters (STCN's paper: 54.4 M), 5-channel value stem
    assert len(STCN_SHAPES) == 405
    params = sum(
        torch.Size(s).numel() for k, s in STCN_SHAPES.items()
        if not k.endswith(('running_mean', 'running_var', 'num_batches_tracked')))
    assert params == 54434180
    assert STCN_SHAPES['value_encoder.conv1.weight'] == [64, 5, 7, 7]


@pytest.mark.parametrize('stcn_key, ours', [
    ('key_encoder.res2.0.conv1.weight', 'key_encoder.layer1.0.conv1.weight'),
    ('key_encoder.layer2.0.downsample.0.weight', 'key_encoder.layer2.0.downsample.0.weight'),
    ('key_proj.key_proj.weight', 'key_proj.proj.weight'),
    ('value_encoder.layer3.0.downsample.0.bias', 'value_encoder.layer3.0.downsample.0.bias'),
    ('value_encoder.fuser.block1.downsample.weight', 'value_fuser.block1.shortcut.weight'),
    ('value_encoder.fuser.attention.ChannelGate.mlp.1.weight',
     'value_fuser.attention.channel_gate.mlp.0.weight'),
    ('value_encoder.fuser.attention.ChannelGate.mlp.3.bias', 'value_fuser.attention.channel_gate.mlp.2.bias'),
    ('value_encoder.fuser.attention.SpatialGate.spatial.conv.weight',
     'value_fuser.attention.spatial_gate.conv.weight'),
    ('decoder.compress.downsample.bias', 'decoder.compress.shortcut.bias'),
    ('decoder.up_16_8.out_conv.downsample.weight', 'decoder.up_16_8.refine.shortcut.weight'),
    ('decoder.up_8_4.out_conv.conv2.weight', 'decoder.up_8_4.refine.conv2.weight'),
    ('decoder.up_8_4.skip_conv.bias', 'decoder.up_8_4.skip_conv.bias'),
])
def test_renames(stcn_key, ours):
    assert stcn2mobilevos.rename_key(stcn_key) == ours


def test_cli_converts_a_training_checkpoint_that_loads_strictly(tmp_path, capsys):
    state = fake_stcn()
    src = tmp_path / 'stcn_ddp.pth'  # STCN's training checkpoint layout, saved from DDP
    torch.save(dict(network={f'module.{k}': v for k, v in state.items()}, it=3), src)
    dst = tmp_path / 'converted.pth'
    assert stcn2mobilevos.main([str(src), str(dst), '--config', CONFIG]) == 0
    assert 'loaded strictly' in capsys.readouterr().out
    converted = load_checkpoint_file(dst)
    assert converted['meta']['converted_from'] == str(src)
    weights = converted['state_dict']
    assert len(weights) == len(state)
    # every tensor arrives whole, under its new name
    assert torch.equal(weights['key_encoder.layer1.2.bn3.running_var'],
                       state['key_encoder.res2.2.bn3.running_var'])
    assert torch.equal(weights['value_fuser.attention.channel_gate.mlp.2.weight'],
                       state['value_encoder.fuser.attention.ChannelGate.mlp.3.weight'])
    assert sorted(int(v.flatten()[0]) for v in weights.values()) == list(range(len(state)))


def test_stage0_value_stem_gets_a_zero_other_objects_channel():
    state = fake_stcn()
    stem = torch.randn(64, 4, 7, 7)
    state['value_encoder.conv1.weight'] = stem
    converted = stcn2mobilevos.convert_stcn(state, 's0.pth')
    out = converted['value_encoder.conv1.weight']
    assert out.shape == (64, 5, 7, 7)
    assert torch.equal(out[:, :4], stem)
    assert not out[:, 4].any()


def test_missing_and_extra_keys_are_one_error_line(tmp_path, capsys):
    state = fake_stcn()
    del state['decoder.pred.bias']
    state['decoder.extra.weight'] = torch.zeros(1)
    src = tmp_path / 'broken.pth'
    torch.save(state, src)
    assert stcn2mobilevos.main([str(src), str(tmp_path / 'out.pth')]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count('\n') == 0 and err.startswith('error: ')
    assert str(src) in err and 'decoder.pred.bias' in err and 'decoder.extra.weight' in err
    assert not (tmp_path / 'out.pth').exists()


def test_wrong_shape_is_reported():
    state = fake_stcn()
    state['key_proj.key_proj.weight'] = torch.zeros(32, 1024, 3, 3)
    with pytest.raises(stcn2mobilevos.STCNCheckpointError,
                       match=r'key_proj\.key_proj\.weight \(32, 1024, 3, 3\)'):
        stcn2mobilevos.convert_stcn(state, 'x.pth')


def test_a_mobilevos_checkpoint_is_not_an_stcn_one(tmp_path, capsys):
    src = tmp_path / 'ours.pth'
    torch.save(dict(state_dict={'key_encoder.layer1.0.conv1.weight': torch.zeros(1)}, meta={}), src)
    assert stcn2mobilevos.main([str(src), str(tmp_path / 'out.pth')]) == 1
    err = capsys.readouterr().err
    assert f'{src} is not an STCN checkpoint' in err and 'state_dict' in err
