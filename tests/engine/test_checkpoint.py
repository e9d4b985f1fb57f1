"""Safe (weights_only) checkpoint loading and atomic writing."""
import collections
import os

import numpy as np
import pytest
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from mobilevos.engine import AtomicLocalBackend
from mobilevos.engine.hooks.weights_only_checkpoint_hook import (WeightsOnlyCheckpointHook,
                                                                 history_buffer_to_plain)
from mobilevos.utils.checkpoint import (CheckpointReadError, UnsafeCheckpointError, load_checkpoint_file,
                                       save_checkpoint_atomic)


class _Payload:
    """Any class outside the allow-list; unpickling it must be refused."""


def test_loads_tensors_numpy_and_counter(tmp_path):
    path = tmp_path / 'ok.pth'
    ckpt = dict(state_dict={'w': torch.arange(3.)}, meta=dict(eta=np.float64(1.5), hist=np.arange(4)),
                milestones=collections.Counter({3: 1}))
    torch.save(ckpt, path)
    loaded = load_checkpoint_file(path)
    assert torch.equal(loaded['state_dict']['w'], torch.arange(3.))
    assert loaded['meta']['eta'] == 1.5
    np.testing.assert_array_equal(loaded['meta']['hist'], np.arange(4))
    assert loaded['milestones'] == collections.Counter({3: 1})


def test_refuses_arbitrary_objects_and_names_file(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _Payload()}, path)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth'):
        load_checkpoint_file(path)
    # The explicit opt-out still works for trusted files.
    assert isinstance(load_checkpoint_file(path, weights_only=False)['x'], _Payload)


def test_refuses_raw_history_buffer(tmp_path):
    # A raw HistoryBuffer (as plain mmengine saves it) is refused by name; unpickling it would
    # also need the builtin getattr, which safe loading must never allow.
    path = tmp_path / 'raw.pth'
    buffer = HistoryBuffer()
    buffer.update(1.0)
    torch.save({'message_hub': {'log_scalars': {'loss': buffer}}}, path)
    with pytest.raises(UnsafeCheckpointError, match='HistoryBuffer'):
        load_checkpoint_file(path)


@pytest.mark.parametrize('content', [b'hello\n', bytes(range(256)) * 4])
def test_file_that_is_not_a_checkpoint_is_not_called_unsafe(tmp_path, content):
    # torch's safe loader mentions weights_only in every failure; only a refused global is "unsafe",
    # and the message must not advise unsafe loading for a file that is simply not a checkpoint
    path = tmp_path / 'notes.pth'
    path.write_bytes(content)
    with pytest.raises(CheckpointReadError) as info:
        load_checkpoint_file(path)
    assert not isinstance(info.value, UnsafeCheckpointError)
    assert str(path) in str(info.value) and 'weights_only=False' not in str(info.value)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_file(tmp_path / 'nope.pth')


def test_mmengine_local_scheme_uses_safe_loader(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': _Payload()}, path)
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint(str(path), map_location='cpu')


def test_history_buffers_round_trip_through_hook(tmp_path):
    buffer = HistoryBuffer()
    for value in (1.0, 2.0, 4.0):
        buffer.update(value)
    ckpt = {'message_hub': {'log_scalars': {'train/loss': buffer}}}
    hook = WeightsOnlyCheckpointHook()
    hook.before_save_checkpoint(None, ckpt)
    assert ckpt['message_hub']['log_scalars']['train/loss'] == history_buffer_to_plain(buffer)
    path = tmp_path / 'hub.pth'
    torch.save(ckpt, path)
    loaded = load_checkpoint_file(path)
    hook.after_load_checkpoint(None, loaded)
    restored = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(restored, HistoryBuffer)
    assert restored.mean() == pytest.approx(7.0 / 3)
    assert restored.current() == 4.0


def test_atomic_write_keeps_old_file_when_write_fails(tmp_path, monkeypatch):
    target = tmp_path / 'ckpt.pth'
    save_checkpoint_atomic({'v': torch.ones(2)}, target)

    def broken_fsync(fd):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', broken_fsync)
    with pytest.raises(OSError, match='disk full'):
        save_checkpoint_atomic({'v': torch.zeros(2)}, target)
    monkeypatch.undo()
    assert torch.equal(load_checkpoint_file(target)['v'], torch.ones(2))
    assert sorted(os.listdir(tmp_path)) == ['ckpt.pth'], 'a temporary file was left behind'


def test_atomic_backend_put_text(tmp_path):
    backend = AtomicLocalBackend()
    backend.put_text('a', tmp_path / 'last_checkpoint')
    backend.put_text('b', tmp_path / 'last_checkpoint')
    assert (tmp_path / 'last_checkpoint').read_text() == 'b'
    assert os.listdir(tmp_path) == ['last_checkpoint']
