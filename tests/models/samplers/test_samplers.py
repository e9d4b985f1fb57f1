"""Pixel samplers: the boundary band, band-first sampling with a top-up share, grid, random, seeding."""
import pytest
import torch

from mobilevos.models.samplers import (PAD_INDEX, BoundaryPixelSampler, RandomPixelSampler, UniformGridPixelSampler,
                                       boundary_band)
from mobilevos.registry import PIXEL_SAMPLERS


def _square(size=16, lo=4, hi=12, b=1):
    labels = torch.zeros(b, size, size, dtype=torch.long)
    labels[:, lo:hi, lo:hi] = 1
    return labels


def _band_by_hand(size, lo, hi, r):
    """Dilation minus erosion of the square [lo, hi) with a (2r+1) window."""
    band = torch.zeros(size, size, dtype=torch.bool)
    band[max(0, lo - r):hi + r, max(0, lo - r):hi + r] = True
    band[lo + r:hi - r, lo + r:hi - r] = False
    return band


@pytest.mark.parametrize('kernel_size', [3, 5])
def test_band_is_dilation_minus_erosion(kernel_size):
    labels = _square()
    band = boundary_band(labels, kernel_size)
    assert torch.equal(band[0], _band_by_hand(16, 4, 12, kernel_size // 2))


def test_band_ignores_ignored_pixels_and_marks_object_object_edges():
    labels = torch.zeros(1, 6, 6, dtype=torch.long)
    labels[0, :, 3:] = 2
    labels[0, :, 0] = 255
    band = boundary_band(labels, 3)[0]
    assert not band[:, 0].any()  # ignored pixels never, and they make no edge with column 1
    assert not band[:, 1].any()
    assert band[:, 2].all() and band[:, 3].all() and not band[:, 4:].any()
    with pytest.raises(ValueError, match='odd'):
        boundary_band(labels, 4)


def test_boundary_sampler_returns_only_band_pixels_when_band_is_large_enough():
    labels = _square(b=2)
    band = boundary_band(labels, 3).flatten(1)
    n = int(band.sum(1).min())  # 48 band pixels per frame
    for num in (10, n):
        index = BoundaryPixelSampler(num_samples=num, kernel_size=3, seed=0)(labels)
        assert index.shape == (2, num) and index.dtype == torch.long
        for b in range(2):
            assert len(set(index[b].tolist())) == num
            assert band[b, index[b]].all()


@pytest.mark.parametrize('topup_ratio', [0.0, 0.25, 0.5, 1.0])
def test_boundary_sampler_honours_the_topup_share(topup_ratio):
    labels = _square(size=16, lo=6, hi=10)  # a 4x4 object: 32 band pixels
    band = boundary_band(labels, 3).flatten(1)[0]
    n_band = int(band.sum())
    num = 100
    index = BoundaryPixelSampler(num_samples=num, kernel_size=3, topup_ratio=topup_ratio, seed=1)(labels)[0]
    real = index[index != PAD_INDEX]
    expected_topup = round(topup_ratio * (num - n_band))
    assert real.numel() == n_band + expected_topup
    assert len(set(real.tolist())) == real.numel()
    assert band[real].sum() == n_band  # every band pixel is taken
    assert (~band[real]).sum() == expected_topup
    assert (index[real.numel():] == PAD_INDEX).all()  # padding comes last


def test_no_sampler_ever_returns_ignored_pixels():
    gen = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 3, (3, 12, 12), generator=gen)
    labels[:, :, :5] = 255
    samplers = [
        BoundaryPixelSampler(num_samples=150, seed=0),
        RandomPixelSampler(num_samples=150, seed=0),
        UniformGridPixelSampler(num_samples=50),
        UniformGridPixelSampler(num_samples=50, random_offset=True, seed=0)
    ]
    for sampler in samplers:
        index = sampler(labels)
        for b in range(3):
            real = index[b][index[b] != PAD_INDEX]
            assert real.numel() > 0
            assert (labels[b].flatten()[real] != 255).all(), sampler
    # 84 valid pixels per frame: the random sampler takes all of them, then pads.
    index = RandomPixelSampler(num_samples=150, seed=0)(labels)
    assert ((index != PAD_INDEX).sum(1) == 84).all()


def test_random_sampler_draws_distinct_pixels_uniformly():
    labels = torch.zeros(1, 8, 8, dtype=torch.long)
    sampler = RandomPixelSampler(num_samples=16, seed=0)
    counts = torch.zeros(64)
    for _ in range(400):
        index = sampler(labels)[0]
        assert len(set(index.tolist())) == 16
        counts[index] += 1
    # each pixel is expected 100 times; all within a generous band
    assert counts.min() > 50 and counts.max() < 150


def test_uniform_grid_sits_at_cell_centres():
    labels = torch.zeros(2, 16, 16, dtype=torch.long)
    index = UniformGridPixelSampler(num_samples=16)(labels)
    ys, xs = index[0] // 16, index[0] % 16
    assert sorted(set(ys.tolist())) == [2, 6, 10, 14] and sorted(set(xs.tolist())) == [2, 6, 10, 14]
    assert torch.equal(index[0], index[1])
    odd = UniformGridPixelSampler(num_samples=10)(torch.zeros(1, 8, 12, dtype=torch.long))
    assert odd.shape == (1, 10) and len(set(odd[0].tolist())) == 10


@pytest.mark.parametrize('cfg', [
    dict(type='BoundaryPixelSampler', num_samples=20, topup_ratio=0.5),
    dict(type='RandomPixelSampler', num_samples=20),
    dict(type='UniformGridPixelSampler', num_samples=20, random_offset=True),
])
def test_reproducible_under_a_seed(cfg):
    gen = torch.Generator().manual_seed(5)
    labels = torch.randint(0, 2, (2, 16, 16), generator=gen)
    first = PIXEL_SAMPLERS.build(dict(cfg, seed=7))
    second = PIXEL_SAMPLERS.build(dict(cfg, seed=7))
    a1, a2 = first(labels), first(labels)
    assert torch.equal(a1, second(labels)) and torch.equal(a2, second(labels))
    assert not torch.equal(a1, a2)  # the sequence moves on
    other = PIXEL_SAMPLERS.build(dict(cfg, seed=8))
    assert not torch.equal(a1, other(labels))
    # An explicit generator wins over the sampler's own.
    unseeded = PIXEL_SAMPLERS.build(cfg)
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert torch.equal(unseeded(labels, generator=g1), unseeded(labels, generator=g2))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match='num_samples'):
        RandomPixelSampler(num_samples=0)
    with pytest.raises(ValueError, match='topup_ratio'):
        BoundaryPixelSampler(num_samples=4, topup_ratio=1.5)
    with pytest.raises(ValueError, match='kernel_size'):
        BoundaryPixelSampler(num_samples=4, kernel_size=2)
    with pytest.raises(ValueError, match=r'\(B, H, W\)'):
        RandomPixelSampler(num_samples=4)(torch.zeros(4, 4, dtype=torch.long))
