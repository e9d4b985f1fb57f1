"""ImageNetPretrained init_cfg: torchvision's key layouts load into our encoders; offline URLs fail clearly.

The checkpoints are built with torchvision's real key names and shapes (``imagenet_weights.py``).
"""
import copy
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mobilevos.models.backbones import IMAGENET_URLS, ImageNetPretrainedInit
from mobilevos.registry import MODELS
from mobilevos.utils.checkpoint import CheckpointMismatchError
from mobilevos.utils.cli import MissingDataError, config_keys_in_errors, keys_holding
from tests.models.backbones.imagenet_weights import SHAPES, fake_imagenet, fake_imagenet_files
from tests.models.backbones.resnets import stride16_resnet

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def test_teacher_encoders_from_torchvision_resnets(tmp_path):
    r50 = fake_imagenet('resnet50', tmp_path / 'resnet50.pth')
    r18 = fake_imagenet('resnet18', tmp_path / 'resnet18.pth', seed=1)
    model_cfg = copy.deepcopy(
        Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'models', 'stcn_r50.py')).stcn_r50)
    model_cfg.key_encoder.init_cfg = dict(type='mobilevos.ImageNetPretrained',
                                          checkpoint=str(tmp_path / 'resnet50.pth'),
                                          mapping='torchvision_resnet')
    model_cfg.value_encoder.init_cfg = dict(type='mobilevos.ImageNetPretrained',
                                            checkpoint=str(tmp_path / 'resnet18.pth'),
                                            mapping='torchvision_resnet')
    model = MODELS.build(model_cfg)
    model.init_weights()
    key, value = model.key_encoder.state_dict(), model.value_encoder.state_dict()
    assert torch.equal(key['layer3.5.conv3.weight'], r50['layer3.5.conv3.weight'])
    assert torch.equal(key['layer1.0.downsample.1.running_var'], r50['layer1.0.downsample.1.running_var'])
    assert all(torch.equal(v, r50[k]) for k, v in key.items() if not k.endswith('num_batches_tracked'))
    # value encoder: RGB channels from ImageNet, the two mask channels zero; conv biases stay zero
    assert value['conv1.weight'].shape == (64, 5, 7, 7)
    assert torch.equal(value['conv1.weight'][:, :3], r18['conv1.weight'])
    assert not value['conv1.weight'][:, 3:].any()
    assert torch.equal(value['layer2.0.downsample.0.weight'], r18['layer2.0.downsample.0.weight'])
    assert not value['layer2.0.conv1.bias'].any()


def test_mobilenet_v2_value_encoder_from_torchvision(tmp_path):
    mbv2 = fake_imagenet('mobilenet_v2', tmp_path / 'mbv2.pth')
    encoder = MODELS.build(
        dict(type='MobileNetV2Encoder',
             in_channels=5,
             num_stages=4,
             out_indices=(3, ),
             init_cfg=dict(type='mobilevos.ImageNetPretrained',
                           checkpoint=str(tmp_path / 'mbv2.pth'),
                           mapping='torchvision_mobilenet_v2')))
    encoder.init_weights()
    state = encoder.state_dict()
    pairs = {  # ours: torchvision's (written out by hand from the two layouts)
        'conv1.bn.running_mean': 'features.0.1.running_mean',
        'layer1.0.conv.0.conv.weight': 'features.1.conv.0.0.weight',  # block without expansion: dw conv
        'layer1.0.conv.1.conv.weight': 'features.1.conv.1.weight',  # its linear 1x1 conv
        'layer1.0.conv.1.bn.bias': 'features.1.conv.2.bias',
        'layer2.1.conv.0.bn.weight': 'features.3.conv.0.1.weight',  # expansion conv's BN
        'layer3.2.conv.1.conv.weight': 'features.6.conv.1.0.weight',  # dw conv
        'layer4.3.conv.2.conv.weight': 'features.10.conv.2.weight',  # linear conv
        'layer4.3.conv.2.bn.running_var': 'features.10.conv.3.running_var',
    }
    for ours, theirs in pairs.items():
        assert torch.equal(state[ours], mbv2[theirs]), ours
    assert torch.equal(state['conv1.conv.weight'][:, :3], mbv2['features.0.0.weight'])
    assert not state['conv1.conv.weight'][:, 3:].any()


def test_wrong_shapes_are_an_error(tmp_path):
    fake_imagenet('resnet18', tmp_path / 'resnet18.pth')
    encoder = stride16_resnet(50)
    with pytest.raises(CheckpointMismatchError, match=r'resnet18\.pth does not fit ResNet: .*other shapes'):
        ImageNetPretrainedInit(str(tmp_path / 'resnet18.pth'), mapping='torchvision_resnet')(encoder)


def test_a_cached_url_is_read_from_the_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    (tmp_path / 'hub' / 'checkpoints').mkdir(parents=True)
    r18 = fake_imagenet('resnet18',
                        tmp_path / 'hub' / 'checkpoints' / osp.basename(IMAGENET_URLS['resnet18']))
    encoder = stride16_resnet(18)
    ImageNetPretrainedInit(IMAGENET_URLS['resnet18'], mapping='torchvision_resnet')(encoder)
    assert torch.equal(encoder.layer3[1].conv2.weight, r18['layer3.1.conv2.weight'])


def test_offline_url_names_the_url_and_the_config_key(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    url = 'http://127.0.0.1:9/models/resnet50-0676ba61.pth'  # nothing listens there: like being offline
    cfg = Config(dict(model=dict(key_encoder=dict(type='mmseg.ResNet', init_cfg=dict(checkpoint=url)))))
    encoder = stride16_resnet(50)
    with pytest.raises(MissingDataError) as info:
        with config_keys_in_errors(cfg):
            ImageNetPretrainedInit(url, mapping='torchvision_resnet')(encoder)
    message = str(info.value)
    assert f'cannot download the ImageNet weights {url}' in message
    assert '--cfg-options model.key_encoder.init_cfg.checkpoint=PATH' in message


def test_unknown_mapping_is_rejected():
    with pytest.raises(ValueError, match='mapping must be one of'):
        ImageNetPretrainedInit('x.pth', mapping='timm')


def _by_value(state):
    """``{tensor bytes: key}`` of a state dict's float tensors (random values: each one is unique)."""
    return {v.numpy().tobytes(): k for k, v in state.items() if v.is_floating_point()}


def test_every_mobilenet_v2_tensor_is_used_once_by_a_full_encoder(tmp_path):
    """All of torchvision's ``features.0-17`` tensors land in a 7-stage encoder, one each, and fill it."""
    mbv2 = fake_imagenet('mobilenet_v2', tmp_path / 'mbv2.pth')
    encoder = MODELS.build(
        dict(type='MobileNetV2Encoder',
             num_stages=7,
             out_indices=(6, ),
             init_cfg=dict(type='mobilevos.ImageNetPretrained',
                           checkpoint=str(tmp_path / 'mbv2.pth'),
                           mapping='torchvision_mobilenet_v2')))
    encoder.init_weights()
    ours = {k: v for k, v in encoder.state_dict().items() if v.is_floating_point()}
    theirs = _by_value(mbv2)
    source = {k: theirs.get(v.numpy().tobytes()) for k, v in ours.items()}
    assert [k for k, s in source.items() if s is None] == []  # every tensor of ours came from the file
    used = sorted(source.values())
    expected = sorted(k for k in SHAPES['mobilenet_v2']
                      if not k.startswith(('features.18.', 'classifier.')) and 'num_batches' not in k)
    assert used == expected  # each of torchvision's tensors once; only the 1280-channel conv and fc unused
    assert len(used) == 314 - 6 - 2 - (52 - 1)  # less features.18, classifier and 51 BN counters of 0-17


REAL_DATA_CONFIGS = ['stcn_r50_static.py', 'stcn_r50_davis-ytvos.py'] + [
    f'{prefix}{student}{suffix}' for student in ('r18', 'mbv2', 'mbv2-noaspp')
    for prefix, suffix in (('mobilevos_', '_static.py'), ('distill_r50_to_', '_davis-ytvos.py'))
]


@pytest.fixture(scope='module')
def hub_cache(tmp_path_factory):
    """torch's hub dir holding the three checkpoints under their URLs' names, and their contents."""
    hub = tmp_path_factory.mktemp('hub')
    files = fake_imagenet_files(hub / 'checkpoints')
    return str(hub), {url: torch.load(path, weights_only=True) for url, path in files.items()}


@pytest.mark.parametrize('name', REAL_DATA_CONFIGS)
def test_real_data_config_builds_with_imagenet_encoders_from_local_files(name, hub_cache, monkeypatch):
    """The configs' URLs resolve to local files (torch's hub cache) with the real layout; check the weights."""
    hub, states = hub_cache
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: hub)
    cfg = Config.fromfile(osp.join(ROOT, 'configs', name))
    # a distillation config's teacher comes from STCN's converted weights, not ImageNet (its whole
    # distiller is built by tests/tools/test_real_data_configs.py)
    network_cfg = cfg.model.student if cfg.model.type == 'SingleTeacherDistiller' else cfg.model
    network = MODELS.build(network_cfg)
    network.init_weights()
    for encoder_name in ('key_encoder', 'value_encoder'):
        url = network_cfg[encoder_name].init_cfg.checkpoint
        theirs = states[url]
        state = getattr(network, encoder_name).state_dict()
        mobilenet = 'mobilenet' in url
        # where tensors land (written out by hand from the two layouts)
        pairs = ({'layer2.1.conv.0.bn.weight': 'features.3.conv.0.1.weight',
                  'layer1.0.conv.1.conv.weight': 'features.1.conv.1.weight'} if mobilenet else
                 {k: k for k in ('layer3.1.bn2.running_mean', 'layer1.0.conv1.weight')})
        for ours, key in pairs.items():
            assert torch.equal(state[ours], theirs[key]), f'{name}: {encoder_name}.{ours}'
        # the stem: RGB from ImageNet, the value encoders' two mask channels zero
        stem = 'conv1.conv.weight' if mobilenet else 'conv1.weight'
        assert torch.equal(state[stem][:, :3], theirs['features.0.0.weight' if mobilenet else 'conv1.weight'])
        assert state[stem].shape[1] == (5 if encoder_name == 'value_encoder' else 3)
        assert not state[stem][:, 3:].any()
        # every other tensor came from the file, except the zero conv biases of Conv2dWithBias
        found = _by_value(theirs)
        missed = [k for k, v in state.items()
                  if v.is_floating_point() and k != stem and v.numpy().tobytes() not in found]
        assert all(k.endswith('.bias') and not state[k].any() for k in missed), f'{name}: {missed[:5]}'
        assert len(missed) < len(state) // 4


def test_offline_real_data_config_names_its_model_keys_and_the_url_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path / 'hub'))
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'distill_r50_to_mbv2_davis-ytvos.py'))
    url = cfg.model.student.key_encoder.init_cfg.checkpoint
    offline = f'http://127.0.0.1:9/models/{osp.basename(url)}'  # nothing listens there: like being offline
    cfg = Config(json.loads(json.dumps(cfg.to_dict()).replace(url, offline)))
    # the URL is also in base variables (mobilevos_mbv2_imagenet, ...) that do nothing when set
    assert len(keys_holding(cfg.to_dict(), offline)) > 2
    student = MODELS.build(cfg.model.student)
    with pytest.raises(MissingDataError) as info:
        with config_keys_in_errors(cfg):
            student.init_weights()
    message = str(info.value)
    assert '\n' not in message and f'cannot download the ImageNet weights {offline}' in message
    assert message.endswith('--cfg-options model.student.key_encoder.init_cfg.checkpoint=PATH '
                            'model.student.value_encoder.init_cfg.checkpoint=PATH')
