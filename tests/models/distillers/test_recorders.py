"""Recorders: module outputs and inputs by path, method outputs on one instance, record/data indices."""
import pytest
import torch
import torch.nn as nn

from mobilevos.models.distillers import RecorderManager
from tests.toy import ToyDenseModel


class _Twice(nn.Module):
    """Calls ``block`` twice (like a decoder run once per frame) and ``pair`` once."""

    def __init__(self):
        super().__init__()
        self.block = nn.Conv2d(2, 2, 1)
        self.pair = _Pair()

    def tag(self, x):
        return x * 10

    def forward(self, x):
        a = self.block(x)
        b = self.block(a)
        self.tag(b)
        return self.pair(b)


class _Pair(nn.Module):

    def forward(self, x):
        return x + 1, x - 1


def _manager(cfgs, model):
    manager = RecorderManager(cfgs, owner='student')
    manager.prepare(model)
    return manager


def test_module_outputs_per_call_and_concatenated():
    model = _Twice()
    manager = _manager(dict(out=dict(type='ModuleOutputs', source='block'),
                            inp=dict(type='ModuleInputs', source='block'),
                            pair=dict(type='ModuleOutputs', source='pair')), model)
    x = torch.randn(3, 2, 4, 4)
    with manager:
        model(x)
    out = manager.get_recorder('out')
    first, second = model.block(x), model.block(model.block(x))
    assert torch.allclose(out.get_record_data(0), first)
    assert torch.allclose(out.get_record_data(-1), second)
    assert torch.allclose(out.get_record_data(None), torch.cat([first, second]))
    assert torch.allclose(manager.get_recorder('inp').get_record_data(0), x)  # 1-tuple unwrapped
    pair = manager.get_recorder('pair')
    assert torch.allclose(pair.get_record_data(0, data_idx=1), second - 1)
    assert torch.allclose(out.get_record_data('1:'), second)
    assert torch.allclose(out.get_record_data(':'), torch.cat([first, second]))
    assert torch.allclose(out.get_record_data([1, 0]), torch.cat([second, first]))
    with pytest.raises(RuntimeError, match='recorded 2 call'):
        out.get_record_data(2)
    with pytest.raises(RuntimeError, match='selects none'):
        out.get_record_data('2:')
    # Outside the block nothing is recorded, and the next block starts empty.
    model(x)
    assert len(out.data_buffer) == 2
    with manager:
        pass
    with pytest.raises(RuntimeError, match='recorded nothing'):
        out.get_record_data(0)


def test_method_outputs_wrap_one_instance_only():
    model, other = _Twice(), _Twice()
    manager = _manager(dict(tag=dict(type='MethodOutputs', source='tag')), model)
    x = torch.randn(1, 2, 2, 2)
    with manager:
        assert 'tag' in model.__dict__ and 'tag' not in other.__dict__
        other(x)
        assert manager.get_recorder('tag').data_buffer == []
        model(x)
    assert 'tag' not in model.__dict__  # removed again: the class method is back
    record = manager.get_recorder('tag').get_record_data(0)
    assert torch.allclose(record, model.block(model.block(x)) * 10)


def test_method_on_a_submodule_and_toy_frame_labels():
    toy = ToyDenseModel(width=2)
    manager = _manager(dict(labels=dict(type='MethodOutputs', source='frame_labels')), toy)
    labels = [torch.zeros(4, 4, dtype=torch.long), torch.ones(4, 4, dtype=torch.long)]
    with manager:
        toy([torch.rand(3, 4, 4), torch.rand(3, 4, 4)], labels=labels, mode='loss')
    assert torch.equal(manager.get_recorder('labels').get_record_data(0), torch.stack(labels))
    nested = _manager(dict(fwd=dict(type='MethodOutputs', source='pair.forward')), _Twice())
    assert nested.get_recorder('fwd').method_name == 'forward'


def test_unknown_sources_are_clear_errors():
    with pytest.raises(ValueError, match="no module 'decoder.missing'"):
        _manager(dict(feat=dict(type='ModuleOutputs', source='decoder.missing')), _Twice())
    with pytest.raises(ValueError, match="no method 'labels'"):
        _manager(dict(feat=dict(type='MethodOutputs', source='labels')), _Twice())
    with pytest.raises(ValueError, match='type and source'):
        RecorderManager(dict(feat=dict(type='ModuleOutputs')), owner='teacher')
    with pytest.raises(KeyError, match='no student recorder named'):
        _manager({}, _Twice()).get_recorder('feat')
