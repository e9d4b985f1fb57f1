"""Clip augmentations keep frames and masks aligned and share or redraw parameters as documented."""
import numpy as np
import pytest

from mobilevos.datasets.transforms import (ClipColorJitter, ClipRandomFlip, ClipRandomGrayscale,
                                           ClipRandomResizedCrop, ClipResize, FrameRandomAffine)


def _clip(num_frames=3, size=(40, 48)):
    """Frames whose red channel equals 100 * mask, so alignment can be checked after warps."""
    frames, masks = [], []
    for t in range(num_frames):
        mask = np.zeros(size, dtype=np.uint8)
        mask[10 + t:26 + t, 12:30] = 1
        mask[2:6, 40:46] = 2
        frame = np.zeros(size + (3, ), dtype=np.uint8)
        frame[..., 0] = mask * 100
        frame[..., 1] = 77
        frames.append(frame)
        masks.append(mask)
    return dict(frames=frames, masks=masks)


def test_random_resized_crop_same_window_and_keeps_first_frame_objects():
    np.random.seed(0)
    for _ in range(20):
        out = ClipRandomResizedCrop(size=(24, 32), scale=(0.3, 1.0), min_object_pixels=4)(_clip())
        assert all(f.shape == (24, 32, 3) for f in out['frames'])
        assert all(m.shape == (24, 32) for m in out['masks'])
        for frame, mask in zip(out['frames'], out['masks']):
            # nearest-resized masks agree with the bilinear-resized red channel away from edges
            assert ((frame[..., 0] > 90) & (mask == 0)).sum() < 0.1 * mask.size
        assert set(np.unique(out['masks'][0])) >= {1}
        # one window for the whole clip: the static object 2 lands on the same pixels in every frame
        assert all(np.array_equal(m == 2, out['masks'][0] == 2) for m in out['masks'][1:])


def test_flip_flips_frames_and_masks_together():
    np.random.seed(0)
    clip = _clip()
    out = ClipRandomFlip(prob=1.0)(_clip())
    for before, after, mask_before, mask_after in zip(clip['frames'], out['frames'], clip['masks'], out['masks']):
        np.testing.assert_array_equal(after, before[:, ::-1])
        np.testing.assert_array_equal(mask_after, mask_before[:, ::-1])
    same = ClipRandomFlip(prob=0.0)(_clip())
    np.testing.assert_array_equal(same['masks'][0], clip['masks'][0])


def test_affine_warps_each_frame_differently_and_keeps_alignment():
    np.random.seed(3)
    clip = _clip()
    out = FrameRandomAffine(degrees=30, shear=10, translate=0.1)(_clip())
    for frame, mask in zip(out['frames'], out['masks']):
        inside = mask == 1
        assert (frame[..., 0][inside] > 50).mean() > 0.9
    moved = [not np.array_equal(a, b) for a, b in zip(out['masks'], clip['masks'])]
    assert all(moved)
    first_only = FrameRandomAffine(degrees=30, translate=0.1, skip_first=True)(_clip())
    np.testing.assert_array_equal(first_only['masks'][0], clip['masks'][0])


def test_color_jitter_per_clip_vs_per_frame():
    base = np.random.RandomState(0).randint(0, 255, (8, 8, 3)).astype(np.uint8)
    clip = dict(frames=[base.copy() for _ in range(3)], masks=[np.zeros((8, 8), np.uint8)] * 3)
    np.random.seed(0)
    shared = ClipColorJitter(0.3, 0.3, 0.3, per_frame=False)(dict(clip))
    assert all(np.array_equal(f, shared['frames'][0]) for f in shared['frames'])
    assert not np.array_equal(shared['frames'][0], base)
    own = ClipColorJitter(0.3, 0.3, 0.3, per_frame=True)(dict(clip))
    assert not np.array_equal(own['frames'][0], own['frames'][1])


def test_grayscale_and_resize():
    np.random.seed(0)
    out = ClipRandomGrayscale(prob=1.0)(_clip())
    frame = out['frames'][0]
    assert np.array_equal(frame[..., 0], frame[..., 1]) and np.array_equal(frame[..., 1], frame[..., 2])
    resized = ClipResize((20, 24))(_clip())
    assert resized['frames'][0].shape == (20, 24, 3) and resized['masks'][0].shape == (20, 24)
    assert set(np.unique(resized['masks'][0])) <= {0, 1, 2}


@pytest.mark.parametrize('transform', [ClipRandomResizedCrop(16), FrameRandomAffine(), ClipResize(16)])
def test_masks_keep_integer_ids(transform):
    np.random.seed(0)
    out = transform(_clip())
    assert all(m.dtype == np.uint8 and set(np.unique(m)) <= {0, 1, 2} for m in out['masks'])
