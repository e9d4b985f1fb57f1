"""An infinite training sampler that resumes mid-stream, and per-sample random seeds.

:class:`ResumableInfiniteSampler` yields an endless stream of dataset indices:
each pass over the dataset (an "epoch" of the stream) is a permutation drawn
from ``(seed, epoch)``, so any point of the stream can be reached directly. Its
position counts the samples of all ranks together; rank ``r`` of ``W`` takes
the positions ``p`` with ``p % W == r``.

Every index it yields is a :class:`SampleIndex`: an ``int`` that also carries a
seed drawn from ``(seed, position)``. A dataset that draws its augmentation
inside :func:`sample_random_state` (``VOSClipDataset`` does) then gives the
same clip for the same position, whichever process or data-loader worker
prepares it and however many workers there are. Together with the position
stored by :class:`~mobilevos.engine.hooks.ExactResumeHook` this makes a resumed
run see the data an uninterrupted run sees.
"""
import contextlib
import random
from typing import Iterator, Optional

import numpy as np
import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mobilevos.registry import DATA_SAMPLERS

_EPOCH_STREAM, _SAMPLE_STREAM = 0, 1


def derive_seed(seed: int, stream: int, key: int) -> int:
    """A 32-bit seed from ``(seed, stream, key)``; distinct keys give independent streams."""
    return int(np.random.SeedSequence([seed % 2**32, stream, key]).generate_state(1)[0])


class SampleIndex(int):
    """A dataset index that also carries the seed of its sample's random draws.

    Args:
        index: the dataset index.
        seed: the seed for :func:`sample_random_state`.
    """

    seed: int

    def __new__(cls, index: int, seed: int) -> 'SampleIndex':
        obj = super().__new__(cls, index)
        obj.seed = seed
        return obj

    def __reduce__(self):  # data-loader workers receive indices pickled
        return SampleIndex, (int(self), self.seed)


@contextlib.contextmanager
def sample_random_state(index: int) -> Iterator[None]:
    """Draw one sample's random numbers from its own seed.

    For a :class:`SampleIndex`, python's ``random``, numpy's global RNG and
    torch's CPU generator are seeded from ``index.seed`` inside the block and
    given back their previous states after it, so the caller's streams do not
    change. A plain ``int`` leaves the global RNGs alone.
    """
    seed = getattr(index, 'seed', None)
    if seed is None:
        yield
        return
    saved = random.getstate(), np.random.get_state(), torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed)
    torch.default_generator.manual_seed(seed)  # not torch.manual_seed: that would reseed CUDA too
    try:
        yield
    finally:
        random.setstate(saved[0])
        np.random.set_state(saved[1])
        torch.set_rng_state(saved[2])


@DATA_SAMPLERS.register_module()
class ResumableInfiniteSampler(Sampler):
    """Endless shuffled (or ordered) indices that can start at any position.

    Args:
        dataset: the dataset (only its length is used).
        shuffle: permute each pass over the dataset.
        seed: the stream's seed; ``None`` takes the runner's seed, shared by all ranks.
    """

    def __init__(self, dataset, shuffle: bool = True, seed: Optional[int] = None) -> None:
        self.rank, self.world_size = get_dist_info()
        self.size = len(dataset)
        if self.size == 0:
            raise ValueError('ResumableInfiniteSampler: the training dataset is empty')
        self.shuffle = shuffle
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.position = 0

    def set_position(self, position: int) -> None:
        """Start the next ``iter(sampler)`` at stream ``position`` (samples of all ranks consumed)."""
        if position < 0:
            raise ValueError(f'ResumableInfiniteSampler: position must be >= 0, got {position}')
        self.position = int(position)

    def set_epoch(self, epoch: int) -> None:
        """Nothing to do: the stream is endless (``DistSamplerSeedHook`` calls this)."""

    def _pass_order(self, epoch: int) -> list:
        if not self.shuffle:
            return list(range(self.size))
        generator = torch.Generator().manual_seed(derive_seed(self.seed, _EPOCH_STREAM, epoch))
        return torch.randperm(self.size, generator=generator).tolist()

    def __iter__(self) -> Iterator[SampleIndex]:
        # The first position >= self.position that belongs to this rank.
        position = self.position + (self.rank - self.position) % self.world_size
        epoch, order = -1, []
        while True:
            if position // self.size != epoch:
                epoch = position // self.size
                order = self._pass_order(epoch)
            yield SampleIndex(order[position % self.size], derive_seed(self.seed, _SAMPLE_STREAM, position))
            position += self.world_size

    def __len__(self) -> int:
        return self.size
