"""The synthetic generator: layout, what its masks show (occlusion, late objects, re-entry), determinism."""
import hashlib
import json
import os

import numpy as np
import pytest
from PIL import Image

from mobilevos.datasets import DAVISDataset, ensure_synthetic_davis, generate_video, make_synthetic_davis
from mobilevos.utils.io import davis_palette, read_frame, read_mask

SIZE = (32, 48)
FRAMES = 5
DATASET_ARGS = dict(num_videos=4, num_frames=FRAMES, size=SIZE, seed=3, num_val_videos=2)


@pytest.fixture(scope='module')
def dataset_dir(tmp_path_factory):
    out = str(tmp_path_factory.mktemp('synthetic') / 'data')
    summary = make_synthetic_davis(out, **DATASET_ARGS)
    assert summary['train'] == ['syn-train-0000', 'syn-train-0001', 'syn-train-0002', 'syn-train-0003']
    return out


def _masks(root, video):
    folder = os.path.join(root, 'Annotations', '480p', video)
    return np.stack([read_mask(os.path.join(folder, f'{t:05d}.png')) for t in range(FRAMES)])


def _meta(root, video):
    with open(os.path.join(root, 'Meta', f'{video}.json')) as handle:
        return json.load(handle)


def _videos(root):
    names = []
    for split in ('train', 'val'):
        with open(os.path.join(root, 'ImageSets', '2017', f'{split}.txt')) as handle:
            names += handle.read().split()
    return names


def _late(masks):
    ids = set(np.unique(masks[1:])) - {0}
    return sorted(i for i in ids if not (masks[0] == i).any())


def _reappearing(masks):
    """Object id -> frames where it is absent between two frames where it is present."""
    found = {}
    for obj in set(np.unique(masks)) - {0}:
        present = [bool((m == obj).any()) for m in masks]
        first = present.index(True)
        gaps = [t for t in range(first + 1, len(present)) if not present[t] and any(present[t + 1:])]
        if gaps:
            found[int(obj)] = gaps
    return found


def _touching(mask, a, b):
    """4-neighbour contact between pixels of ids a and b."""
    horizontal = ((mask[:, :-1] == a) & (mask[:, 1:] == b)) | ((mask[:, :-1] == b) & (mask[:, 1:] == a))
    vertical = ((mask[:-1] == a) & (mask[1:] == b)) | ((mask[:-1] == b) & (mask[1:] == a))
    return bool(horizontal.any() or vertical.any())


def test_layout_and_formats(dataset_dir):
    assert _videos(dataset_dir) == [
        'syn-train-0000', 'syn-train-0001', 'syn-train-0002', 'syn-train-0003', 'syn-val-0000', 'syn-val-0001'
    ]
    frame = read_frame(os.path.join(dataset_dir, 'JPEGImages', '480p', 'syn-val-0001', '00004.jpg'))
    assert frame.shape == (32, 48, 3) and frame.std() > 5  # textured, not flat
    mask = Image.open(os.path.join(dataset_dir, 'Annotations', '480p', 'syn-val-0001', '00004.png'))
    assert mask.mode == 'P' and mask.size == (48, 32)
    assert mask.getpalette()[:768] == davis_palette().flatten().tolist()
    with open(os.path.join(dataset_dir, 'Meta', 'dataset.json')) as handle:
        config = json.load(handle)
    assert config['seed'] == 3 and config['size'] == [32, 48] and config['num_frames'] == FRAMES


def test_masks_show_occlusion_late_appearance_and_reentry(dataset_dir):
    seen = {'late': [], 'reentry': [], 'occlusion': []}
    for video in _videos(dataset_dir):
        masks = _masks(dataset_dir, video)
        meta = _meta(dataset_dir, video)
        ids = sorted(set(np.unique(masks)) - {0})
        assert 1 <= len(ids) <= 4
        assert [o['id'] for o in meta['objects']] == ids
        # the sidecar describes these masks
        for obj in meta['objects']:
            assert obj['visible_area'] == [int((m == obj['id']).sum()) for m in masks]
            assert all(v <= a for v, a in zip(obj['visible_area'], obj['in_view_area']))
        # the largest id is in frame 0, so the official "1..max id of frame 0" rule sees every object
        assert (masks[0] == max(ids)).any()
        late = _late(masks)
        assert late == sorted(o['id'] for o in meta['objects'] if o['late'])
        for obj in late:  # a late object's first visible frame is the frame where it enters
            first = [t for t in range(FRAMES) if (masks[t] == obj).any()][0]
            assert first == [o for o in meta['objects'] if o['id'] == obj][0]['first_visible_frame'] > 0
        reentering = []
        for obj, gaps in _reappearing(masks).items():
            info = [o for o in meta['objects'] if o['id'] == obj][0]
            left = [t for t in gaps if info['in_view_area'][t] == 0]  # out of view, not only hidden
            if left:
                assert info['reenters'] and set(left) <= set(info['out_of_view_frames'])
                reentering.append(obj)
        occlusions = []
        for occ in meta['occlusions']:
            back = [o for o in meta['objects'] if o['id'] == occ['back']][0]
            for t, hidden in zip(occ['frames'], occ['occluded_pixels']):
                assert (masks[t] == occ['back']).any() and (masks[t] == occ['front']).any()
                assert _touching(masks[t], occ['front'], occ['back'])
                assert hidden > 0 and back['in_view_area'][t] - back['visible_area'][t] >= hidden
            occlusions.append(occ)
        if late:
            seen['late'].append(video)
        if reentering:
            seen['reentry'].append(video)
        if occlusions:
            seen['occlusion'].append(video)
        if video.endswith('-0000'):  # scenario 'all' of each split
            assert late and reentering and occlusions, video
    assert all(seen.values()), seen


def test_generate_video_is_deterministic_and_varied():
    a = generate_video(5, 'val', 2, 4, (24, 24))
    b = generate_video(5, 'val', 2, 4, (24, 24))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[2] == b[2]
    c = generate_video(5, 'train', 2, 4, (24, 24))
    assert not np.array_equal(a[0], c[0])
    shapes, counts = set(), set()
    for index in range(12):
        _, masks, meta = generate_video(1, 'train', index, 3, (24, 32))
        shapes.update(o['shape'] for o in meta['objects'])
        counts.add(len(meta['objects']))
        assert masks.shape == (3, 24, 32)
    assert len(shapes) >= 3 and min(counts) >= 1 and max(counts) <= 4 and len(counts) >= 2


def test_davis_reader_gives_late_objects_at_first_appearance(dataset_dir):
    dataset = DAVISDataset(dataset_dir, split='val', input_masks='first_appearance')
    for record in dataset:
        masks = _masks(dataset_dir, record['video'])
        for obj, first in record['object_first_frame'].items():
            assert (masks[first] == obj).any() and not (masks[:first] == obj).any()
    assert any(max(r['annotation_paths']) > 0 for r in dataset)


def test_refuses_to_overwrite(tmp_path):
    (tmp_path / 'other').mkdir()
    (tmp_path / 'other' / 'keep.txt').write_text('x')
    with pytest.raises(FileExistsError, match='not empty'):
        make_synthetic_davis(str(tmp_path / 'other'), 1, 2, (16, 16))
    with pytest.raises(FileExistsError, match='holds no synthetic dataset'):
        make_synthetic_davis(str(tmp_path / 'other'), 1, 2, (16, 16), overwrite=True)
    assert (tmp_path / 'other' / 'keep.txt').exists()
    with pytest.raises(ValueError, match='at least 16x16'):
        make_synthetic_davis(str(tmp_path / 'x'), 1, 2, (8, 16))


def test_ensure_creates_once_and_checks_arguments(tmp_path):
    out = str(tmp_path / 'auto')
    first = ensure_synthetic_davis(out, num_videos=1, num_frames=3, size=(16, 16), seed=0)
    assert first['seconds'] > 0 and os.path.isfile(os.path.join(out, 'ImageSets', '2017', 'val.txt'))
    again = ensure_synthetic_davis(out, num_videos=1, num_frames=3, size=(16, 16), seed=0)
    assert again['seconds'] == 0.0 and again['train'] == first['train']
    with pytest.raises(FileExistsError, match='made with 1 videos'):
        ensure_synthetic_davis(out, num_videos=2, num_frames=3, size=(16, 16), seed=0)
    assert not [n for n in os.listdir(tmp_path) if n.startswith('.')]  # no staging folder left


def file_digests(root):
    """Relative path -> sha256 of every file under ``root``."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            with open(path, 'rb') as handle:
                found[os.path.relpath(path, root)] = hashlib.sha256(handle.read()).hexdigest()
    return found


def test_the_files_are_the_generated_videos(dataset_dir):
    """Each video on disk is generate_video(seed, split, index) of the set's settings: masks exactly, frames
    up to JPEG (quality 92) loss, metadata as generated."""
    seed, size = DATASET_ARGS['seed'], DATASET_ARGS['size']
    generated, written = {}, {}
    for name in _videos(dataset_dir):
        _, split, index = name.split('-')
        frames, masks, meta = generate_video(seed, split, int(index), FRAMES, size)
        np.testing.assert_array_equal(_masks(dataset_dir, name), masks)
        on_disk = _meta(dataset_dir, name)
        assert json.loads(json.dumps(meta)) == {k: v for k, v in on_disk.items() if k in meta}
        folder = os.path.join(dataset_dir, 'JPEGImages', '480p', name)
        generated[name] = frames.astype(np.int16)
        written[name] = np.stack([read_frame(os.path.join(folder, f'{t:05d}.jpg')) for t in range(FRAMES)])
    for name, read in written.items():
        # JPEG keeps each frame's mean colour and loses texture detail (noise textures: a mean error of
        # 5-9 grey levels); every other video of the set is several times further away
        assert np.abs(read.mean((1, 2)) - generated[name].mean((1, 2))).max() < 1, name
        own = np.abs(read - generated[name]).mean()
        assert all(own < 0.5 * np.abs(read - other).mean() for n, other in generated.items() if n != name)


def test_same_settings_give_byte_identical_files_and_another_seed_other_files(tmp_path):
    args = dict(num_videos=2, num_frames=3, size=(24, 32), seed=7, num_val_videos=1)
    runs = {}
    for label, seed in (('a', 7), ('b', 7), ('other', 8)):
        make_synthetic_davis(str(tmp_path / label), **dict(args, seed=seed))
        runs[label] = file_digests(str(tmp_path / label))
    assert runs['a'] == runs['b'] and len(runs['a']) > 2 * 3 * 2  # frames and masks of 3 videos, and more
    images = [p for p in runs['a'] if p.endswith(('.jpg', '.png'))]
    assert all(runs['a'][p] != runs['other'][p] for p in images if 'Annotations' not in p)
