"""extract_state_dict, load_state_dict_strict, load_weights (safe loading: tests/engine/test_checkpoint.py)."""
import pytest
import torch
import torch.nn as nn

from mobilevos.utils.checkpoint import (STUDENT_PREFIX, CheckpointMismatchError, extract_state_dict,
                                        load_state_dict_strict, load_weights, save_checkpoint_atomic)


def _state(**tensors):
    return {k: torch.full((2, ), float(v)) for k, v in tensors.items()}


def test_extract_state_dict_layouts():
    bare = _state(a=1, b=2)
    assert extract_state_dict(bare).keys() == {'a', 'b'}
    assert extract_state_dict(dict(state_dict=bare, meta={})).keys() == {'a', 'b'}
    assert extract_state_dict({'module.a': bare['a'], 'module.b': bare['b']}).keys() == {'a', 'b'}
    distill = {'student.a': bare['a'], 'teacher.a': bare['b'], 'connectors.c': bare['b']}
    assert extract_state_dict(dict(state_dict=distill), prefix=STUDENT_PREFIX) == {'a': bare['a']}
    # a plain checkpoint with an optional prefix: every key
    assert extract_state_dict(bare, prefix=STUDENT_PREFIX, prefix_optional=True).keys() == {'a', 'b'}
    with pytest.raises(ValueError,
                       match=r"x.pth: no key starts with 'student.' \(first keys: \['a', 'b'\]\)"):
        extract_state_dict(bare, prefix=STUDENT_PREFIX, source='x.pth')
    with pytest.raises(ValueError, match='y.pth holds no state dict'):
        extract_state_dict([1, 2], source='y.pth')


def test_one_strict_loader_lists_what_does_not_fit(tmp_path):
    module = nn.Linear(3, 2)
    good = {k: torch.ones_like(v) for k, v in module.state_dict().items()}
    load_state_dict_strict(module, good, 'good.pth')
    assert torch.equal(module.weight, torch.ones(2, 3))
    with pytest.raises(CheckpointMismatchError,
                       match=r'm.pth does not match Linear: 1 missing keys \[bias\]; '
                       r'1 unexpected keys \[extra\]'):
        load_state_dict_strict(module, {'weight': good['weight'], 'extra': good['bias']}, 'm.pth')
    with pytest.raises(CheckpointMismatchError,
                       match=r's.pth does not fit Linear: 1 tensors .*weight \(2, 4\)'):
        load_state_dict_strict(module, dict(good, weight=torch.zeros(2, 4)), 's.pth')
    assert torch.equal(module.weight, torch.ones(2, 3)), 'a failed load must not change the weights'
    # from a file, with a prefix
    save_checkpoint_atomic(dict(state_dict={
        f'student.{k}': v * 3
        for k, v in good.items()
    }), tmp_path / 'd.pth')
    load_weights(module, tmp_path / 'd.pth', prefix=STUDENT_PREFIX)
    assert torch.equal(module.bias, torch.full((2, ), 3.0))
    with pytest.raises(CheckpointMismatchError, match='teacher checkpoint .*d.pth does not match'):
        load_weights(module, tmp_path / 'd.pth', source=f'teacher checkpoint {tmp_path / "d.pth"}')
