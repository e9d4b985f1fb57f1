"""LiteRT export: the parts that run without litert-torch (CI has none; the conversion is checked by hand,
docs/deploy.md "LiteRT").

The broadcasts that litert-torch 0.10 converts wrongly were rewritten (ASPPNeck's image pool,
STMNetwork.encode_value's key feature); these tests hold the rewrites to the expand-based math they replace.
"""
import sys

import pytest
import torch

from mobilevos.deploy import DeployConfigError, DeployError, build_graph_specs, parse_deploy_config
from mobilevos.deploy.graphs import export_dims
from mobilevos.deploy.litert_export import NamedGraph, import_litert_torch
from mobilevos.models.vos.aspp import ASPPNeck

from .helpers import DEPLOY_CONFIGS


def test_aspp_image_pool_broadcast_is_expand_as():
    torch.manual_seed(0)
    neck = ASPPNeck(in_channels=8, channels=6, dilations=(1, 2)).eval()
    x = torch.randn(2, 8, 5, 7)
    with torch.no_grad():
        branches = neck.branches(x)
        pooled = neck.image_pool(x.mean(dim=(2, 3), keepdim=True))
        expected = neck.merge(torch.cat(branches + [pooled.expand_as(branches[0])], dim=1))
        got = neck(x)
    assert got.shape == (2, 6, 5, 7)
    assert torch.equal(got, expected)


def test_encode_value_key_feature_broadcast_is_expand(tiny_network):
    """Batch 2 and 3 objects: a rewrite that tiled the batch (b0, b1, b0, ...) instead of b0, b0, b0, b1, ...
    would fuse an object's value with another frame's key feature."""
    network = tiny_network
    torch.manual_seed(0)
    frame = torch.randn(2, 3, 32, 48)
    masks = torch.rand(2, 3, 32, 48)
    others = masks.sum(dim=1, keepdim=True) - masks
    with torch.no_grad():
        f16 = torch.randn(2, network.f16_channels, 2, 3)
        got = network.encode_value(frame, f16, masks, others)
        frames = frame.unsqueeze(1).expand(-1, 3, -1, -1, -1)
        x = torch.cat([frames, masks.unsqueeze(2), others.unsqueeze(2)], dim=2).flatten(0, 1)
        feat = network.value_encoder(x)
        feat = feat[network._value_index] if isinstance(feat, (tuple, list)) else feat
        key_feat = f16.unsqueeze(1).expand(-1, 3, -1, -1, -1).flatten(0, 1)
        expected = network.value_fuser(feat, key_feat).unflatten(0, (2, 3))
    assert got.shape == expected.shape == (2, 3, network.value_dim, 2, 3)
    assert torch.equal(got, expected)
    assert not torch.allclose(got[1], got[0])  # the two frames' key features differ


@pytest.fixture(scope='module')
def tiny_network():
    from mobilevos.registry import MODELS
    from tests.models.vos.tiny import tiny_cfg
    return MODELS.build(tiny_cfg()).eval()


def test_litert_config_is_static_fp32():
    cfg = parse_deploy_config(f'{DEPLOY_CONFIGS}/vos_litert_static-480x854.py')
    assert (cfg.backend, cfg.ir, cfg.precisions) == ('litert', 'torch.export', ('fp32', ))
    assert export_dims(cfg) == dict(H=480, W=864, K=cfg.max_objects, T=2)
    with pytest.raises(DeployConfigError, match='static graphs only'):
        parse_deploy_config(
            dict(ir_config=dict(type='torch.export', input_shape=None, dynamic_axes=('height', 'width')),
                 codebase_config=dict(type='mobilevos', max_objects=2),
                 backend_config=dict(type='litert')))
    with pytest.raises(DeployConfigError, match="'fp16' is not offered for litert"):
        parse_deploy_config(
            dict(ir_config=dict(type='torch.export', input_shape=[64, 96]),
                 codebase_config=dict(type='mobilevos', max_objects=2),
                 backend_config=dict(type='litert', precision='fp16')))


def test_named_graph_keeps_the_spec_names(tiny_network):
    cfg = parse_deploy_config(
        dict(ir_config=dict(type='torch.export',
                            input_shape=[32, 48],
                            graph_names=dict(decode=dict(outputs=['logits_out', 'probability']))),
             codebase_config=dict(type='mobilevos', max_objects=2),
             backend_config=dict(type='litert')))
    dims = export_dims(cfg)
    specs = build_graph_specs(tiny_network, cfg)
    names = sorted(s.name for s in specs)
    assert names == ['aggregate', 'decode', 'key_encoder', 'read_memory', 'value_encoder']
    for spec in specs:
        args = spec.example_inputs(dims)
        named = NamedGraph(spec)
        with torch.no_grad():
            outputs = named(**{t.name: a for t, a in zip(spec.inputs, args)})
            expected = spec.module(*args)
        expected = expected if isinstance(expected, tuple) else (expected, )
        assert list(outputs) == [t.name for t in spec.outputs]
        assert all(torch.equal(o, e) for o, e in zip(outputs.values(), expected))
        if spec.name == 'decode':
            assert list(outputs) == ['logits_out', 'probability']


def test_missing_litert_torch_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, 'litert_torch', None)  # import fails as if not installed
    with pytest.raises(DeployError, match='tools/install_litert.sh'):
        import_litert_torch()
