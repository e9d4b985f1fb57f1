"""--memory shorthands."""
import pytest

from mobilevos.inference import memory_bank_from_spec, parse_memory
from mobilevos.models.memory import FIFOMemory, FirstLatestMemory, InfiniteMemory


@pytest.mark.parametrize('text, expected', [
    ('infinite', dict(type='InfiniteMemory', mem_every=5)),
    ('infinite:3', dict(type='InfiniteMemory', mem_every=3)),
    ('first', dict(type='FirstLatestMemory', keep_first=True, num_latest=0)),
    ('latest', dict(type='FirstLatestMemory', keep_first=False, num_latest=1)),
    ('first+latest', dict(type='FirstLatestMemory', keep_first=True, num_latest=1)),
    ('first+latest:4', dict(type='FirstLatestMemory', keep_first=True, num_latest=4)),
    ('fifo:2', dict(type='FIFOMemory', size=2)),
    ('{"type": "InfiniteMemory", "mem_every": 2, "top_k": 20}',
     dict(type='InfiniteMemory', mem_every=2, top_k=20)),
])
def test_shorthands(text, expected):
    assert parse_memory(text) == expected


def test_built_banks():
    assert isinstance(memory_bank_from_spec('fifo:3'), FIFOMemory)
    assert isinstance(memory_bank_from_spec('first'), FirstLatestMemory)
    bank = memory_bank_from_spec('{"type": "InfiniteMemory", "top_k": 7}')
    assert isinstance(bank, InfiniteMemory) and bank.top_k == 7


@pytest.mark.parametrize('text', ['everything', 'fifo', 'infinite:0', 'latest:x', '{"mem_every": 2}', '{bad'])
def test_bad_shorthands(text):
    with pytest.raises(ValueError, match='--memory'):
        parse_memory(text)
