"""Clip sampling for training: gaps, objects, reversal, static pseudo-videos, curriculum."""
import numpy as np
import pytest
import torch
from PIL import Image

from mobilevos.datasets.clip_dataset import VOSClipDataset, sample_clip_indices
from mobilevos.structures import VOSDataSample


@pytest.mark.parametrize('length, num_frames, max_skip', [(20, 3, 5), (6, 3, 25), (3, 3, 10), (50, 5, 1)])
def test_clip_indices_respect_gaps_and_bounds(length, num_frames, max_skip):
    rng = np.random.RandomState(0)
    for _ in range(200):
        idx = sample_clip_indices(length, num_frames, max_skip, rng)
        assert len(idx) == num_frames
        assert 0 <= idx[0] and idx[-1] < length
        gaps = np.diff(idx)
        assert (gaps >= 1).all() and (gaps <= max_skip).all(), idx


def test_clip_indices_reach_max_skip():
    rng = np.random.RandomState(0)
    gaps = set()
    for _ in range(300):
        gaps.update(np.diff(sample_clip_indices(100, 3, 7, rng)).tolist())
    assert gaps == set(range(1, 8))


def test_short_video_repeats_frames():
    idx = sample_clip_indices(2, 3, 5, np.random.RandomState(0))
    assert len(idx) == 3 and set(idx) <= {0, 1} and idx == sorted(idx)


class _Records:
    """A minimal video-record dataset backed by files written in tmp_path."""

    def __init__(self, records):
        self.records = records
        self.metainfo = dict(name='fake')

    def __len__(self):
        return len(self.records)

    def get_data_info(self, idx):
        return self.records[idx]


def _write_video(folder, num_frames, ids_per_frame, size=(12, 16)):
    folder.mkdir(parents=True, exist_ok=True)
    frames, gts = [], []
    for t in range(num_frames):
        image = np.full(size + (3, ), t * 10, dtype=np.uint8)  # frame t is filled with value 10 t
        mask = np.zeros(size, dtype=np.uint8)
        for k, obj in enumerate(ids_per_frame(t)):
            mask[k * 3:k * 3 + 3, :4] = obj
        frame_path, gt_path = folder / f'{t:05d}.jpg', folder / f'{t:05d}.png'
        Image.fromarray(image).save(frame_path, quality=100)
        Image.fromarray(mask, mode='L').save(gt_path)
        frames.append(str(frame_path))
        gts.append(str(gt_path))
    return dict(video=folder.name, frame_paths=frames, gt_paths=gts)


def test_clip_objects_come_from_first_frame_and_are_renumbered(tmp_path):
    # objects 3, 7, 9 in every frame; object 5 only in frames >= 4
    record = _write_video(tmp_path / 'v', 8, lambda t: [3, 7, 9] + ([5] if t >= 4 else []))
    dataset = VOSClipDataset(_Records([record]), pipeline=[dict(type='PackVOSInputs')], num_frames=3,
                             max_skip=2, max_objects=2, reverse_prob=0.0)
    np.random.seed(0)
    for _ in range(20):
        item = dataset[0]
        sample = item['data_samples']
        assert isinstance(sample, VOSDataSample)
        assert item['inputs'].shape == (3, 3, 12, 16) and item['inputs'].dtype == torch.uint8
        ids = set(torch.unique(sample.gt_masks).tolist())
        assert ids <= {0, 1, 2} and {1, 2} <= set(torch.unique(sample.gt_masks[0]).tolist())
        assert sample.num_objects == 2
        first = sample.metainfo['frame_ids'][0]
        assert set(sample.metainfo['object_ids']) <= {3, 7, 9} or first >= 4
        assert sample.metainfo['frame_ids'] == sorted(sample.metainfo['frame_ids'])
        # frames really are the chosen ones (JPEG of a flat image keeps its value)
        values = item['inputs'][:, 0, 0, 0].tolist()
        assert values == pytest.approx([10 * f for f in sample.metainfo['frame_ids']], abs=2)


def test_clips_are_reversed_half_of_the_time(tmp_path):
    record = _write_video(tmp_path / 'v', 10, lambda t: [1])
    dataset = VOSClipDataset(_Records([record]), pipeline=[dict(type='PackVOSInputs')], max_skip=3)
    np.random.seed(1)
    orders = []
    for _ in range(200):
        ids = dataset[0]['data_samples'].metainfo['frame_ids']
        orders.append(ids[0] > ids[-1])
    assert 0.35 < np.mean(orders) < 0.65


def test_static_image_becomes_pseudo_video_with_per_frame_warps(tmp_path):
    folder = tmp_path / 'static'
    folder.mkdir()
    image = (np.arange(32 * 32 * 3) % 251).astype(np.uint8).reshape(32, 32, 3)
    mask = np.zeros((32, 32), dtype=np.uint8)
    mask[8:24, 8:24] = 1
    Image.fromarray(image).save(folder / 'a.png')
    Image.fromarray(mask, mode='L').save(folder / 'a_mask.png')
    record = dict(video='a', frame_paths=[str(folder / 'a.png')], gt_paths=[str(folder / 'a_mask.png')])
    pipeline = [dict(type='FrameRandomAffine', degrees=20, shear=10, translate=0.2, skip_first=True),
                dict(type='PackVOSInputs')]
    dataset = VOSClipDataset(_Records([record]), pipeline=pipeline, num_frames=3)
    np.random.seed(0)
    item = dataset[0]
    frames, masks = item['inputs'], item['data_samples'].gt_masks
    assert frames.shape[0] == 3
    assert torch.equal(masks[0], torch.from_numpy(mask).long())
    assert not torch.equal(masks[1], masks[0]) and not torch.equal(masks[2], masks[1])


def test_max_skip_is_shared_and_divided(tmp_path):
    record = _write_video(tmp_path / 'v', 4, lambda t: [1])
    dataset = VOSClipDataset(_Records([record]), max_skip=5, skip_divisor=5)
    assert dataset.max_skip == 1
    dataset.set_max_skip(25)
    assert dataset.max_skip == 5
