"""J&F of sequences against the loop-based reference of the official definitions (acceptance 1)."""
import numpy as np
import pytest
from PIL import Image

from mobilevos.evaluation import (GLOBAL_KEYS, SequenceResult, evaluate_sequence, format_tables,
                                  summarize_results)
from mobilevos.utils.io import write_mask
from .davis_reference import ref_global, ref_sequence


def _ellipse(height, width, cy, cx, ry, rx):
    ys, xs = np.mgrid[0:height, 0:width]
    return ((ys - cy) / ry)**2 + ((xs - cx) / rx)**2 <= 1


def make_gt(num_frames=6, size=(32, 48)):
    """Objects 1 and 3 from frame 0 (3 drawn over 1, they overlap mid-video), 2 appears at frame 2,
    a void band in frame 3."""
    height, width = size
    frames = []
    for t in range(num_frames):
        frame = np.zeros(size, dtype=np.uint8)
        frame[_ellipse(height, width, 0.45 * height, 0.2 * width + 2 * t, 0.25 * height, 0.15 * width)] = 1
        if t >= 2:
            frame[_ellipse(height, width, 0.75 * height, 0.75 * width - t, 0.15 * height, 0.12 * width)] = 2
        top, left = int(0.2 * height), int(0.55 * width) - 3 * t
        frame[top:top + height // 3, left:left + width // 5] = 3
        if t == 3:
            frame[-2:, :] = 255
        frames.append(frame)
    return frames


def _erode(frame):
    out = frame.copy()
    same = np.ones(frame.shape, dtype=bool)
    padded = np.pad(frame, 1, mode='edge')
    for dy, dx in ((0, 1), (2, 1), (1, 0), (1, 2)):
        same &= padded[dy:dy + frame.shape[0], dx:dx + frame.shape[1]] == frame
    out[~same] = 0
    return out


def perturb(gt, kind, rng):
    preds = []
    for t, frame in enumerate(gt):
        frame = np.where(frame == 255, 0, frame).astype(np.uint8)
        if kind == 'exact':
            pred = frame
        elif kind == 'eroded':
            pred = _erode(frame)
        elif kind == 'shifted':
            pred = np.roll(frame, (1, 3), axis=(0, 1))
        elif kind == 'dropped':
            pred = np.where(frame == 3, 0, frame) if t in (2, 3) else frame
        elif kind == 'extra':
            pred = frame.copy()
            pred[1:6, 1:9] = 2  # object 2 before it appears, and a false positive afterwards
            pred[-5:, -7:] = 1
        elif kind == 'empty':
            pred = np.zeros_like(frame)
        elif kind == 'mixed':
            pred = perturb([frame], str(rng.choice(['eroded', 'shifted', 'extra', 'empty'])), rng)[0]
            pred = np.where(rng.random(pred.shape) < 0.03, 0, pred).astype(np.uint8)  # speckle
        else:
            raise ValueError(kind)
        preds.append(pred.astype(np.uint8))
    return preds


KINDS = ['exact', 'eroded', 'shifted', 'dropped', 'extra', 'empty', 'mixed']


@pytest.mark.parametrize('bound_th', [0.008, 0.05, 2])
@pytest.mark.parametrize('kind', KINDS)
def test_sequence_matches_reference(kind, bound_th):
    rng = np.random.default_rng(KINDS.index(kind))
    gt = make_gt()
    pred = perturb(gt, kind, rng)
    result = evaluate_sequence(gt, pred, name='seq', bound_th=bound_th)
    reference = ref_sequence(gt, pred, bound_th=bound_th)
    assert result.object_ids == [1, 2, 3]
    assert result.j.shape == result.f.shape == (3, len(gt) - 2)
    for row, obj in enumerate(result.object_ids):
        np.testing.assert_allclose(result.j[row], reference[obj][0], atol=1e-6, rtol=0)
        np.testing.assert_allclose(result.f[row], reference[obj][1], atol=1e-6, rtol=0)
    summary = summarize_results([result])
    expected_global, expected_rows = ref_global([('seq', reference)])
    for key in GLOBAL_KEYS:
        assert summary['global'][key] == pytest.approx(expected_global[key], abs=1e-6)
    assert [r['Sequence'] for r in summary['per_sequence']] == [r['Sequence'] for r in expected_rows]
    for got, want in zip(summary['per_sequence'], expected_rows):
        assert got['J-Mean'] == pytest.approx(want['J-Mean'], abs=1e-6)
        assert got['F-Mean'] == pytest.approx(want['F-Mean'], abs=1e-6)


def test_several_sequences_and_a_larger_frame_match_reference():
    """Global values average over the objects of all sequences; a 96x128 frame has an F radius of 2."""
    rng = np.random.default_rng(7)
    sequences, results = [], []
    for name, size, frames, kind in [('a', (32, 48), 5, 'mixed'), ('b', (96, 128), 4, 'shifted'),
                                     ('c', (32, 48), 9, 'eroded')]:
        gt = make_gt(frames, size)
        pred = perturb(gt, kind, rng)
        results.append(evaluate_sequence(gt, pred, name=name))
        sequences.append((name, ref_sequence(gt, pred)))
    summary = summarize_results(results)
    expected_global, expected_rows = ref_global(sequences)
    for key in GLOBAL_KEYS:
        assert summary['global'][key] == pytest.approx(expected_global[key], abs=1e-6)
    assert len(summary['per_sequence']) == len(expected_rows) == sum(len(s[1]) for s in sequences)
    assert summary['global']['J&F-Mean'] == pytest.approx(
        (summary['global']['J-Mean'] + summary['global']['F-Mean']) / 2, abs=1e-12)
    assert [v['Sequence'] for v in summary['per_video']] == ['a', 'b', 'c']


def test_perfect_prediction_scores_one_and_empty_scores_zero():
    gt = make_gt()
    perfect = summarize_results([evaluate_sequence(gt, [np.where(f == 255, 0, f) for f in gt])])['global']
    assert perfect['J-Mean'] == perfect['F-Mean'] == perfect['J&F-Mean'] == 1.0
    assert perfect['J-Recall'] == 1.0 and perfect['J-Decay'] == 0.0
    empty = evaluate_sequence(gt, [np.zeros_like(f) for f in gt])
    # object 2 is absent in frame 1 (empty vs empty counts 1) and present afterwards (0)
    np.testing.assert_array_equal(empty.j[1], [1.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(empty.j[0], [0.0] * 4)


def test_first_and_last_frames_are_not_evaluated():
    gt = make_gt()
    pred = [np.where(f == 255, 0, f) for f in gt]
    pred[0] = None
    pred[-1] = None  # not needed
    result = evaluate_sequence(gt, pred)
    assert result.j.min() == 1.0


def test_objects_all_counts_objects_missing_from_the_first_frame():
    gt = make_gt()
    gt = [np.where(f == 3, 4, f).astype(np.uint8) for f in gt]  # ids 1, 4 in frame 0
    for t in range(2, len(gt)):
        gt[t][0:3, 0:3] = 6  # id 6 appears at frame 2
    pred = [np.where(f == 255, 0, f) for f in gt]
    with pytest.raises(ValueError, match=r'id 6 .* 4 objects'):
        evaluate_sequence(gt, pred, name='late')  # official: N = 4 from the first frame
    result = evaluate_sequence(gt, pred, name='late', objects='all')
    assert result.object_ids == [1, 2, 3, 4, 5, 6]
    assert result.j.min() == 1.0  # absent ids 3 and 5 score 1 (empty vs empty)


def test_errors_name_the_sequence_and_frame(tmp_path):
    gt = make_gt()
    pred = [np.where(f == 255, 0, f) for f in gt]
    with pytest.raises(ValueError, match='at least 3'):
        evaluate_sequence(gt[:2], pred[:2], name='short')
    bad = list(pred)
    bad[2] = None
    with pytest.raises(ValueError, match=r"prediction of sequence 'x' frame f2 is missing"):
        evaluate_sequence(gt, bad, name='x', frame_names=[f'f{i}' for i in range(len(gt))])
    bad = list(pred)
    bad[1] = np.zeros((10, 10), dtype=np.uint8)
    with pytest.raises(ValueError, match=r'frame 1 is 10x10 but the ground truth is 48x32'):
        evaluate_sequence(gt, bad, name='x')
    bad = list(pred)
    bad[3] = bad[3].copy()
    bad[3][0, 0] = 7
    with pytest.raises(ValueError, match=r"id 7 but sequence 'x' has 3 objects"):
        evaluate_sequence(gt, bad, name='x')
    with pytest.raises(ValueError, match='no object'):
        evaluate_sequence([np.zeros((8, 8), np.uint8)] * 3, [np.zeros((8, 8), np.uint8)] * 3, name='void')
    with pytest.raises(FileNotFoundError, match='nothere.png'):
        evaluate_sequence(gt, pred[:2] + [str(tmp_path / 'nothere.png')] + pred[3:], name='x')


def test_davis2016_grayscale_0_255_files_are_object_1(tmp_path):
    """DAVIS 2016 ground truth (0/255 'L') against predictions as 0/255 'L' or as palette id 1 files."""
    gt = [(f == 1).astype(np.uint8) for f in make_gt()]  # one object
    pred = perturb(gt, 'eroded', None)
    gt_paths, gray_paths, palette_paths = [], [], []
    for t, (g, p) in enumerate(zip(gt, pred)):
        gt_paths.append(str(tmp_path / f'gt{t}.png'))
        gray_paths.append(str(tmp_path / f'gray{t}.png'))
        palette_paths.append(str(tmp_path / f'pal{t}.png'))
        Image.fromarray(g * 255).save(gt_paths[-1])
        Image.fromarray(p * 255).save(gray_paths[-1])
        write_mask(palette_paths[-1], p)
    expected_j, expected_f = ref_sequence(gt, pred)[1]
    for preds in (gray_paths, palette_paths):
        result = evaluate_sequence(gt_paths, preds, name='blackswan')
        assert result.object_ids == [1]
        np.testing.assert_allclose(result.j[0], expected_j, atol=1e-6, rtol=0)
        np.testing.assert_allclose(result.f[0], expected_f, atol=1e-6, rtol=0)
        assert result.j.min() < 1  # eroded: the scores are not trivially 1
    itself = summarize_results([evaluate_sequence(gt_paths, gt_paths, name='blackswan')])['global']
    assert itself['J&F-Mean'] == 1.0


def test_format_tables_prints_official_headers():
    gt = make_gt()
    summary = summarize_results([evaluate_sequence(gt, perturb(gt, 'eroded', None), name='bike')])
    text = format_tables(summary, title='val')
    assert 'Global results for val' in text and 'Per sequence results for val' in text
    assert 'J&F-Mean' in text and 'bike_3' in text
    assert f"{summary['global']['J-Mean']:.3f}" in text
    assert f"{summary['global']['J-Mean'] * 100:.1f}" in format_tables(summary, percent=True)


def test_per_frame_averages_every_object_at_each_frame_index_over_videos_of_any_length():
    """Hand-made scores: video a (2 objects, 3 evaluated frames), video b (1 object, 2 frames)."""
    a = SequenceResult('a', [1, 2], j=np.array([[1.0, 0.5, 0.2], [0.8, 0.4, 0.0]]),
                       f=np.array([[0.9, 0.5, 0.3], [0.7, 0.1, 0.1]]))
    b = SequenceResult('b', [1], j=np.array([[0.6, 0.3]]), f=np.array([[0.2, 0.6]]))
    rows = summarize_results([a, b])['per_frame']
    assert [r['frame'] for r in rows] == [1, 2, 3]
    assert [r['objects'] for r in rows] == [3, 3, 2]  # b has no third evaluated frame
    assert [r['J-Mean'] for r in rows] == pytest.approx([0.8, 0.4, 0.1])
    assert [r['F-Mean'] for r in rows] == pytest.approx([0.6, 0.4, 0.2])
    assert [r['J&F-Mean'] for r in rows] == pytest.approx([0.7, 0.4, 0.15])
