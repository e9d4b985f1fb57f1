"""Memory banks: what each policy keeps, late objects, no recomputation, gradients."""
import pytest
import torch

from mobilevos.models.memory import FIFOMemory, FirstLatestMemory, InfiniteMemory
from mobilevos.registry import MEMORY


def frame(t: int, batch: int = 1, objects: int = 2, grad: bool = False):
    """A key (B, 4, 2, 2) and values (B, K, 3, 2, 2) whose entries all equal t."""
    key = torch.full((batch, 4, 2, 2), float(t), requires_grad=grad)
    values = torch.full((batch, objects, 3, 2, 2), float(t), requires_grad=grad)
    return key, values


def run(bank, length: int, annotated=(0, )):
    held = []
    for t in range(length):
        if bank.should_add(t, t in annotated):
            bank.add(*frame(t), frame_idx=t, annotated=t in annotated)
        held.append(bank.frame_indices)
    return held


@pytest.mark.parametrize('cfg', [
    dict(type='InfiniteMemory', mem_every=5),
    dict(type='FirstLatestMemory', keep_first=True, num_latest=1),
    dict(type='FIFOMemory', size=3),
])
def test_banks_are_registered(cfg):
    bank = MEMORY.build(cfg)
    run(bank, 4)
    keys, values, valid = bank.read()
    assert keys.shape[2] == values.shape[3] == valid.shape[2] == bank.num_frames


def test_infinite_keeps_every_mem_every_th_frame_plus_the_latest():
    held = run(InfiniteMemory(mem_every=5), 23)
    assert held[0] == [0]
    assert held[3] == [0, 3]
    assert held[5] == [0, 5]
    assert held[22] == [0, 5, 10, 15, 20, 22]
    every_frame = InfiniteMemory(mem_every=1)
    assert run(every_frame, 4)[-1] == [0, 1, 2, 3]


def test_infinite_without_last_keeps_only_every_mem_every_th_frame_as_stcn_eval():
    bank = InfiniteMemory(mem_every=5, include_last=False)
    held = run(bank, 23)
    assert held[3] == [0] and held[5] == [0, 5] and held[22] == [0, 5, 10, 15, 20]
    assert [t for t in range(21, 27) if bank.should_add(t)] == [25, 26]  # the values of 21-24 are not needed
    held = run(InfiniteMemory(mem_every=5, include_last=False), 14, annotated=(0, 7))
    assert held[13] == [0, 5, 7, 12]


def test_read_stacks_once_per_stored_frame():
    bank = InfiniteMemory(mem_every=5, include_last=False)
    run(bank, 4)
    keys, values, valid = bank.read()
    assert bank.read()[1] is values  # nothing stored since: the same stacked tensors
    bank.add(*frame(5), frame_idx=5)
    keys, values, valid = bank.read()
    assert keys.shape[2] == values.shape[3] == 2 and values[0, 0, 0, 1].eq(5).all()
    bank.add(*frame(7, objects=3), frame_idx=10)  # a third object pads the stored frames
    assert bank.read()[1].shape[1] == 3 and bank.read()[2][0, 2].tolist() == [0, 0, 1]
    bank.reset()
    bank.add(*frame(9), frame_idx=0)
    assert bank.read()[0].shape[2] == 1 and bank.read()[0].eq(9).all()


def test_infinite_keeps_annotated_frames_and_restarts_spacing_there():
    held = run(InfiniteMemory(mem_every=5), 14, annotated=(0, 7))
    assert held[8] == [0, 5, 7, 8]
    assert held[13] == [0, 5, 7, 12, 13]  # 12 = 7 + 5


def test_first_latest_holds_at_most_two_frames():
    bank = FirstLatestMemory(keep_first=True, num_latest=1)
    held = run(bank, 30)
    assert held[0] == [0] and held[1] == [0, 1] and held[29] == [0, 29]
    assert max(len(h) for h in held) == 2 == bank.capacity


def test_queue_ablation_variants():
    first_only = FirstLatestMemory(keep_first=True, num_latest=0)
    assert run(first_only, 5)[-1] == [0]
    assert not first_only.should_add(3)
    assert run(FirstLatestMemory(keep_first=False, num_latest=1), 5)[-1] == [4]
    assert run(FirstLatestMemory(keep_first=True, num_latest=2), 6)[-1] == [0, 4, 5]
    assert run(FirstLatestMemory(keep_first=True, num_latest=None), 5)[-1] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match='keep nothing'):
        FirstLatestMemory(keep_first=False, num_latest=0)


def test_fifo_keeps_the_latest_n():
    bank = FIFOMemory(size=3)
    assert run(bank, 7)[-1] == [4, 5, 6]
    assert bank.capacity == 3


def test_frames_are_stored_not_recomputed_or_copied():
    bank = FirstLatestMemory()
    key0, values0 = frame(0)
    bank.add(key0, values0, 0, annotated=True)
    for t in range(1, 5):
        bank.add(*frame(t), frame_idx=t)
    assert bank._entries[0].key is key0 and bank._entries[0].values is values0
    keys, values, _ = bank.read()
    assert keys[:, :, 0].eq(0).all() and keys[:, :, 1].eq(4).all()
    assert values[:, :, :, 1].eq(4).all()


def test_late_object_gets_zero_values_and_valid_zero_in_older_frames():
    bank = InfiniteMemory(mem_every=1)
    bank.add(*frame(1, objects=2), frame_idx=0, annotated=True)
    bank.add(*frame(2, objects=2), frame_idx=1)
    key, values = frame(3, objects=3)
    bank.add(key, values, 2, annotated=True)
    keys, values, valid = bank.read()
    assert values.shape == (1, 3, 3, 3, 2, 2) and bank.num_objects == 3
    assert valid[0].tolist() == [[1, 1, 1], [1, 1, 1], [0, 0, 1]]
    assert values[0, 2, :, :2].eq(0).all()  # object 3 had no value in frames 0 and 1
    assert values[0, 0, :, 0].eq(1).all()  # object 1 keeps its values


def test_batched_tensors_keep_gradients():
    bank = FirstLatestMemory()
    key0, values0 = frame(1, batch=2, grad=True)
    key1, values1 = frame(2, batch=2, grad=True)
    bank.add(key0, values0, 0, annotated=True, valid=torch.ones(2, 2))
    bank.add(key1, values1, 1, valid=torch.tensor([[1., 1.], [1., 0.]]))
    keys, values, valid = bank.read()
    assert keys.shape == (2, 4, 2, 2, 2) and valid.shape == (2, 2, 2)
    (keys.sum() + values.sum()).backward()
    # each stored frame is read once: d(sum)/d(input) is 1 everywhere
    for tensor in (key0, values0, key1, values1):
        assert torch.equal(tensor.grad, torch.ones_like(tensor))
    assert valid[1, 1].tolist() == [1, 0]


def test_errors():
    bank = InfiniteMemory()
    with pytest.raises(RuntimeError, match='empty'):
        bank.read()
    bank.add(*frame(0), frame_idx=0, annotated=True)
    with pytest.raises(ValueError, match='stored frames'):
        bank.add(torch.zeros(1, 4, 3, 3), torch.zeros(1, 2, 3, 3, 3), 1)
    with pytest.raises(ValueError, match='valid'):
        bank.add(*frame(1), frame_idx=1, valid=torch.ones(1, 3))
    bank.reset()
    assert bank.num_frames == 0 and bank.nbytes == 0
