"""ResumableInfiniteSampler: positions, ranks, per-sample seeds."""
import pickle
from itertools import islice

import numpy as np
import pytest

from mobilevos.datasets import ResumableInfiniteSampler, SampleIndex, sample_random_state


def _take(sampler, n):
    return list(islice(iter(sampler), n))


def test_passes_are_permutations_and_a_later_start_continues_the_stream():
    sampler = ResumableInfiniteSampler(list(range(5)), seed=1)
    stream = _take(sampler, 15)
    for start in (0, 5, 10):
        assert sorted(stream[start:start + 5]) == [0, 1, 2, 3, 4]
    assert stream[:5] != stream[5:10] or stream[5:10] != stream[10:15]  # passes are reshuffled
    sampler.set_position(7)
    resumed = _take(sampler, 8)
    assert resumed == stream[7:15]
    assert [i.seed for i in resumed] == [i.seed for i in stream[7:15]]
    assert len({i.seed for i in stream}) == 15
    assert ResumableInfiniteSampler(list(range(5)), shuffle=False, seed=1).__iter__().__next__() == 0
    with pytest.raises(ValueError, match='empty'):
        ResumableInfiniteSampler([], seed=0)


def test_ranks_take_interleaved_positions():
    full = _take(ResumableInfiniteSampler(list(range(6)), seed=2), 12)
    ranks = []
    for rank in range(2):
        sampler = ResumableInfiniteSampler(list(range(6)), seed=2)
        sampler.rank, sampler.world_size = rank, 2
        sampler.set_position(4)
        ranks.append(_take(sampler, 4))
    assert ranks[0] == full[4:12:2] and ranks[1] == full[5:12:2]


def test_sample_random_state_depends_on_the_seed_only_and_restores_the_global_stream():
    index = SampleIndex(3, seed=123)
    copied = pickle.loads(pickle.dumps(index))  # as a data-loader worker receives it
    assert copied == 3 and copied.seed == 123
    np.random.seed(0)
    with sample_random_state(index):
        first = np.random.rand(3)
    after = np.random.rand()
    np.random.seed(99)
    with sample_random_state(copied):
        assert np.array_equal(np.random.rand(3), first)
    np.random.seed(0)
    assert np.random.rand() == after  # the caller's stream did not move
    with sample_random_state(3):  # a plain int: the global stream is used
        assert np.random.rand() != first[0]
