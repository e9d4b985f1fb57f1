"""Per-frame J, boundary map, F and statistics: reference values and mathematical properties."""
import numpy as np
import pytest

from mobilevos.evaluation import (boundary_f_measure, boundary_radius, db_statistics, disk_kernel,
                                  region_similarity, seg2bmap)
from .davis_reference import ref_boundary_points, ref_f, ref_iou, ref_stats


def _random_masks(seed, shape=(24, 30)):
    rng = np.random.default_rng(seed)
    gt = np.zeros(shape, dtype=np.uint8)
    pred = np.zeros(shape, dtype=np.uint8)
    y, x = rng.integers(2, 12, 2)
    gt[y:y + 10, x:x + 12] = 1
    pred[y + rng.integers(-2, 3):y + 9, x + rng.integers(-3, 3):x + 14] = 1
    pred[rng.random(shape) < 0.05] = 1
    return gt, pred


def test_region_similarity_values():
    gt = np.zeros((4, 4), bool)
    pred = np.zeros((4, 4), bool)
    assert region_similarity(gt, pred) == 1.0  # empty vs empty
    gt[0, :2] = True
    assert region_similarity(gt, pred) == 0.0
    pred[0, 1:3] = True
    assert region_similarity(gt, pred) == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match='shape'):
        region_similarity(gt, pred[:2])


def test_seg2bmap_matches_reference_and_a_hand_example():
    mask = np.zeros((4, 5), dtype=bool)
    mask[1:3, 1:3] = True
    # boundaries are offset half a pixel towards the origin
    expected = np.array([[1, 1, 1, 0, 0],
                         [1, 0, 1, 0, 0],
                         [1, 1, 1, 0, 0],
                         [0, 0, 0, 0, 0]], dtype=bool)  # yapf: disable
    np.testing.assert_array_equal(seg2bmap(mask), expected)
    full = np.ones((3, 3), dtype=bool)
    assert not seg2bmap(full).any()
    for seed in range(5):
        gt, _ = _random_masks(seed)
        points = set(zip(*np.nonzero(seg2bmap(gt))))
        assert points == set(ref_boundary_points(gt, 1))


def test_radius_and_disk():
    assert boundary_radius((480, 854)) == 8  # ceil(0.008 * 979.7)
    assert boundary_radius((32, 48)) == 1
    assert boundary_radius((10, 10), bound_th=3) == 3
    disk = disk_kernel(2)
    assert disk.shape == (5, 5) and disk.sum() == 13 and disk[0, 2] == 1 and disk[0, 1] == 0


@pytest.mark.parametrize('seed', range(6))
@pytest.mark.parametrize('bound_th', [0.008, 0.1, 3])
def test_f_and_j_match_reference(seed, bound_th):
    gt, pred = _random_masks(seed)
    assert boundary_f_measure(gt, pred, bound_th) == pytest.approx(ref_f(gt, pred, 1, bound_th), abs=1e-12)
    assert region_similarity(gt, pred) == pytest.approx(ref_iou(gt, pred, 1), abs=1e-12)


def test_f_properties():
    gt, pred = _random_masks(3)
    # symmetric: swapping masks swaps precision and recall
    assert boundary_f_measure(gt, pred) == pytest.approx(boundary_f_measure(pred, gt))
    assert boundary_f_measure(gt, gt) == 1.0
    empty = np.zeros_like(gt)
    assert boundary_f_measure(empty, empty) == 1.0
    assert boundary_f_measure(gt, empty) == 0.0 and boundary_f_measure(empty, gt) == 0.0
    # a shift within the tolerance radius is a perfect boundary match
    shifted = np.roll(gt, 1, axis=1)
    assert boundary_f_measure(gt, shifted, bound_th=1) == 1.0
    assert boundary_f_measure(gt, np.roll(gt, 4, axis=1), bound_th=1) < 1.0
    # a larger tolerance never lowers F
    assert boundary_f_measure(gt, pred, 0.2) >= boundary_f_measure(gt, pred, 0.05)


def test_db_statistics_matches_reference_for_many_lengths():
    rng = np.random.default_rng(0)
    for length in list(range(1, 30)) + [80, 104]:
        values = rng.random(length)
        mean, recall, decay = db_statistics(values)
        ref = ref_stats(values.tolist())
        assert (mean, recall, decay) == pytest.approx(ref, abs=1e-12)
    rows = rng.random((3, 11))
    means, recalls, decays = db_statistics(rows)
    for row, m, r, d in zip(rows, means, recalls, decays):
        assert (m, r, d) == pytest.approx(ref_stats(row.tolist()), abs=1e-12)


def test_db_statistics_hand_values():
    values = np.array([1.0, 1.0, 0.4, 0.2, 0.0])  # bins (0,1), (1,2), (2,3), (3,4)
    mean, recall, decay = db_statistics(values)
    assert mean == pytest.approx(0.52)
    assert recall == pytest.approx(0.4)
    assert decay == pytest.approx(1.0 - 0.1)
    with pytest.raises(ValueError):
        db_statistics(np.zeros(0))
