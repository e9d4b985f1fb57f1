"""Tiny DAVIS / YouTube-VOS / static-image layouts written into a test's tmp_path."""
import json
import os

import numpy as np
from PIL import Image

from mobilevos.utils.io import write_mask


def frame_image(size, seed=0):
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (size[0], size[1], 3), dtype=np.uint8))


def block_mask(size, t, ids):
    """Object ``k`` of ``ids`` is a 3x3 block in row ``2k``, moving with ``t``."""
    mask = np.zeros(size, dtype=np.uint8)
    for k, obj in enumerate(ids):
        mask[2 * k:2 * k + 3, t % (size[1] - 3):t % (size[1] - 3) + 3] = obj
    return mask


def make_davis(root, videos=None, year=2017, split='val', size=(16, 24), splits=None):
    """``videos``: name -> list (per frame) of object ids present (None: no PNG for that frame)."""
    videos = videos or {'bike': [[1, 2]] * 4, 'cat': [[1]] * 3}
    for name, per_frame in videos.items():
        frame_dir = os.path.join(root, 'JPEGImages', '480p', name)
        mask_dir = os.path.join(root, 'Annotations', '480p', name)
        os.makedirs(frame_dir, exist_ok=True)
        os.makedirs(mask_dir, exist_ok=True)
        for t, ids in enumerate(per_frame):
            frame_image(size, t).save(os.path.join(frame_dir, f'{t:05d}.jpg'))
            if ids is not None:
                write_mask(os.path.join(mask_dir, f'{t:05d}.png'), block_mask(size, t, ids))
    for split_name, names in (splits or {split: list(videos)}).items():
        os.makedirs(os.path.join(root, 'ImageSets', str(year)), exist_ok=True)
        with open(os.path.join(root, 'ImageSets', str(year), f'{split_name}.txt'), 'w') as handle:
            handle.write('\n'.join(names) + '\n')
    return root


def make_youtube(root, split='valid', size=(16, 24), all_frames=False):
    """Video 'v1': object 1 from frame 00000, object 2 from 00010; 'v2': object 1 only.

    train: every frame annotated; valid: only first appearances."""
    frames = ['00000', '00005', '00010', '00015']
    meta = {
        'videos': {
            'v1': {
                'objects': {
                    '1': {
                        'category': 'cat',
                        'frames': frames
                    },
                    '2': {
                        'category': 'dog',
                        'frames': frames[2:]
                    }
                }
            },
            'v2': {
                'objects': {
                    '1': {
                        'category': 'car',
                        'frames': frames[:3]
                    }
                }
            },
        }
    }
    for video, info in meta['videos'].items():
        frame_dir = os.path.join(root, split, 'JPEGImages', video)
        mask_dir = os.path.join(root, split, 'Annotations', video)
        os.makedirs(frame_dir, exist_ok=True)
        os.makedirs(mask_dir, exist_ok=True)
        for t, name in enumerate(frames):
            frame_image(size, t).save(os.path.join(frame_dir, f'{name}.jpg'))
            present = [int(k) for k, o in info['objects'].items() if name in o['frames']]
            first_here = [int(k) for k, o in info['objects'].items() if o['frames'][0] == name]
            if split == 'train' or first_here:
                write_mask(os.path.join(mask_dir, f'{name}.png'),
                           block_mask(size, t, present if split == 'train' else first_here))
        if all_frames:
            all_dir = os.path.join(root, f'{split}_all_frames', 'JPEGImages', video)
            os.makedirs(all_dir, exist_ok=True)
            for index in range(16):
                frame_image(size, index).save(os.path.join(all_dir, f'{index:05d}.jpg'))
    with open(os.path.join(root, split, 'meta.json'), 'w') as handle:
        json.dump(meta, handle)
    return root


def make_static_images(root, names=('a', 'b'), same_folder=False, size=(12, 14), img_dir='images',
                       ann_dir='masks'):
    """Images ``<img_dir>/<name>.jpg`` with 0/255 saliency masks ``<ann_dir>/<name>.png`` (or beside them)."""
    img_dir = os.path.join(root, img_dir)
    mask_dir = img_dir if same_folder else os.path.join(root, ann_dir)
    os.makedirs(img_dir, exist_ok=True)
    os.makedirs(mask_dir, exist_ok=True)
    for i, name in enumerate(names):
        frame_image(size, i).save(os.path.join(img_dir, f'{name}.jpg'))
        mask = np.zeros(size, dtype=np.uint8)
        mask[2:6, 3:9] = 255
        Image.fromarray(mask).save(os.path.join(mask_dir, f'{name}.png'))
    return root
