"""tools/analysis/copy_first_mask.py: a still video scores J&F 1.0, a moving one its hand-computed J, a late
object is copied from the frame where it enters."""
import json
import os.path as osp

import numpy as np
import pytest

from mobilevos.utils.io import write_mask
from tools.analysis.copy_first_mask import main

SIZE, SIDE = 16, 6


def _square(x: int) -> np.ndarray:
    mask = np.zeros((SIZE, SIZE), np.uint8)  # (H, W) ids
    mask[5:5 + SIDE, x:x + SIDE] = 1
    return mask


def _davis_root(root, videos):
    """A DAVIS-format folder; ``videos`` maps a name to its object's x position per frame."""
    for name, xs in videos.items():
        for t, x in enumerate(xs):
            write_mask(osp.join(root, 'Annotations', '480p', name, f'{t:05d}.png'), _square(x))
    split = root / 'ImageSets' / '2017'
    split.mkdir(parents=True)
    (split / 'val.txt').write_text('\n'.join(videos) + '\n')
    return str(root)


def test_a_still_video_scores_one(tmp_path, capsys):
    root = _davis_root(tmp_path / 'data', {'still': [2, 2, 2, 2]})
    out = tmp_path / 'baseline.json'
    assert main([root, '--split', 'val', '--json', str(out)]) == 0
    result = json.loads(out.read_text())
    assert result['method'] == 'copy-first-mask' and result['inputs'] == 'first_appearance'
    assert result['global']['J&F-Mean'] == pytest.approx(1.0)
    assert 'J&F-Mean' in capsys.readouterr().out


def test_a_moving_object_scores_its_overlap(tmp_path):
    # one pixel a frame to the right: frames 1 and 2 (the evaluated ones) overlap frame 0's square
    # by (6 - k) / (6 + k) for k = 1, 2 pixels; the video not in the split is ignored
    root = _davis_root(tmp_path / 'data', {'moving': [2, 3, 4, 5]})
    (tmp_path / 'data' / 'ImageSets' / '2017' / 'val.txt').write_text('moving\n')
    write_mask(osp.join(root, 'Annotations', '480p', 'other', '00000.png'), _square(0))
    out = tmp_path / 'baseline.json'
    assert main([root, '--split', 'val', '--json', str(out), '--out', str(tmp_path / 'copies')]) == 0
    result = json.loads(out.read_text())['global']
    assert result['J-Mean'] == pytest.approx((5 / 7 + 4 / 8) / 2)
    assert result['F-Mean'] < 1.0 and result['J&F-Mean'] < 0.9
    assert osp.isfile(tmp_path / 'copies' / 'moving' / '00003.png')


def test_a_folder_that_is_not_davis_fails_naming_it(tmp_path, capsys):
    assert main([str(tmp_path / 'nowhere'), '--split', 'val']) == 1
    assert str(tmp_path / 'nowhere') in capsys.readouterr().err


def test_a_late_object_is_copied_from_its_first_frame_over_the_earlier_copy(tmp_path):
    # object 2 moves right from x=2; object 1 enters at frame 2, partly over object 2's frame-0 square
    # (ids as the official rule needs them: the largest id is in frame 0)
    root = tmp_path / 'data'
    frames = []
    for t, x in enumerate([2, 3, 4, 5, 6]):
        mask = 2 * _square(x)
        if t >= 2:
            mask[12:16, 6:12] = 1
            mask[5:11, 6:9] = 1  # over columns 6..8, inside object 2's frame-0 square (columns 2..7)
        frames.append(mask)
        write_mask(osp.join(root, 'Annotations', '480p', 'late', f'{t:05d}.png'), mask)
    (root / 'ImageSets' / '2017').mkdir(parents=True)
    (root / 'ImageSets' / '2017' / 'val.txt').write_text('late\n')
    assert main([str(root), '--split', 'val', '--out', str(tmp_path / 'copies')]) == 0
    from mobilevos.utils.io import read_mask
    copies = [read_mask(osp.join(tmp_path, 'copies', 'late', f'{t:05d}.png')) for t in range(5)]
    np.testing.assert_array_equal(copies[1], 2 * _square(2))  # before object 1 enters: frame 0's mask
    expected = np.where(frames[2] == 1, 1, 2 * _square(2))  # object 1 as it entered, over the copy
    assert (expected == 1).sum() == (frames[2] == 1).sum() and (expected == 2).any()
    for t in (2, 3, 4):
        np.testing.assert_array_equal(copies[t], expected)
