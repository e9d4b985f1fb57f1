"""The registries: scopes, parents, lazy locations, cross-scope types."""
import mmengine.registry as mmengine_registry
import pytest
from mmengine import DefaultScope

import mobilevos.registry as registry
from mobilevos.utils import register_all_modules

CHILDREN = ['RUNNERS', 'LOOPS', 'HOOKS', 'OPTIMIZERS', 'OPTIM_WRAPPERS', 'PARAM_SCHEDULERS', 'DATASETS',
            'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'TASK_UTILS', 'METRICS', 'EVALUATOR', 'VISUALIZERS',
            'VISBACKENDS']


@pytest.mark.parametrize('name', CHILDREN)
def test_registry_is_child_of_mmengine_root(name):
    ours = getattr(registry, name)
    assert ours.scope == 'mobilevos'
    assert ours.parent is getattr(mmengine_registry, name)
    assert ours.parent.children['mobilevos'] is ours
    assert ours._locations, f'{name} has no locations, so nothing would be imported lazily'


@pytest.mark.parametrize('name', ['MEMORY', 'PIXEL_SAMPLERS'])
def test_own_roots_have_scope_and_locations(name):
    ours = getattr(registry, name)
    assert ours.scope == 'mobilevos'
    assert ours.parent is None
    assert ours._locations


def test_cross_scope_type_resolves_mmseg_backbone():
    from mmseg.models.backbones import MobileNetV2
    with DefaultScope.overwrite_default_scope('mobilevos'):
        assert registry.MODELS.get('mmseg.MobileNetV2') is MobileNetV2
        backbone = registry.MODELS.build(dict(type='mmseg.MobileNetV2', widen_factor=0.25, out_indices=(1, )))
    assert isinstance(backbone, MobileNetV2)


def test_mmengine_types_resolve_from_our_scope():
    import torch
    with DefaultScope.overwrite_default_scope('mobilevos'):
        optimizer = registry.OPTIMIZERS.build(dict(type='Adam', params=[torch.nn.Parameter(torch.zeros(1))]))
    assert isinstance(optimizer, torch.optim.Adam)


def test_register_all_modules_sets_default_scope():
    register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'mobilevos'
