"""load_model_weights: plain, mmengine and distillation checkpoints; clear errors."""
import pytest
import torch

from mobilevos.engine import UnsafeCheckpointError
from mobilevos.inference import CheckpointMismatchError, load_model_weights
from tests.models.vos.tiny import build_tiny


class Payload:
    """An arbitrary pickled object, refused by safe loading."""


def same_weights(a, b):
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


@pytest.fixture(scope='module')
def trained():
    return build_tiny(seed=1)


def test_plain_and_mmengine_checkpoints(trained, tmp_path):
    torch.save(trained.state_dict(), tmp_path / 'plain.pth')
    torch.save(dict(state_dict=trained.state_dict(), meta=dict(iter=3)), tmp_path / 'runner.pth')
    for name in ('plain.pth', 'runner.pth'):
        model = build_tiny(seed=2)
        assert not same_weights(model, trained)
        assert load_model_weights(model, tmp_path / name) == ([], [])
        assert same_weights(model, trained)


def test_distillation_checkpoint_gives_the_student(trained, tmp_path):
    teacher = build_tiny(seed=3)
    state = {f'student.{k}': v for k, v in trained.state_dict().items()}
    state.update({f'teacher.{k}': v for k, v in teacher.state_dict().items()})
    torch.save(dict(state_dict=state, meta={}), tmp_path / 'distill.pth')
    model = build_tiny(seed=2)
    load_model_weights(model, tmp_path / 'distill.pth')
    assert same_weights(model, trained)


def test_missing_and_unexpected_keys_are_listed(trained, tmp_path):
    state = trained.state_dict()
    state.pop('key_proj.proj.weight')
    state['extra.weight'] = torch.zeros(1)
    torch.save(state, tmp_path / 'partial.pth')
    with pytest.raises(CheckpointMismatchError,
                       match=r'partial.pth .*1 missing keys \[key_proj.proj.weight\]; '
                       r'1 unexpected keys \[extra.weight\]'):
        load_model_weights(build_tiny(), tmp_path / 'partial.pth')
    missing, unexpected = load_model_weights(build_tiny(), tmp_path / 'partial.pth', strict=False)
    assert missing == ['key_proj.proj.weight'] and unexpected == ['extra.weight']


def test_shape_mismatch_and_unsafe_files(tmp_path):
    wide = build_tiny(key_dim=16)
    torch.save(wide.state_dict(), tmp_path / 'wide.pth')
    with pytest.raises(ValueError, match=r'wide.pth does not fit STMNetwork: .*key_proj.proj.weight'):
        load_model_weights(build_tiny(), tmp_path / 'wide.pth')

    torch.save(dict(state_dict={}, payload=Payload()), tmp_path / 'unsafe.pth')
    with pytest.raises(UnsafeCheckpointError, match='unsafe.pth'):
        load_model_weights(build_tiny(), tmp_path / 'unsafe.pth')
