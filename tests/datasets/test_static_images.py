"""StaticImageDataset: one-frame records and malformed layouts (acceptance 4)."""
import os

import numpy as np
import pytest
from PIL import Image

from mobilevos.registry import DATASETS
from mobilevos.utils.io import write_mask
from .layouts import frame_image, make_static_images


def _build(root, **kwargs):
    cfg = dict(type='StaticImageDataset', data_root=root, img_dir='images', ann_dir='masks')
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_one_frame_records(tmp_path):
    dataset = _build(make_static_images(str(tmp_path)))
    assert len(dataset) == 2
    record = dataset[1]
    assert record['video'] == 'b' and record['num_frames'] == 1
    assert record['frame_paths'] == [os.path.join(str(tmp_path), 'images', 'b.jpg')]
    assert record['annotation_paths'] == {0: os.path.join(str(tmp_path), 'masks', 'b.png')}
    assert record['object_ids'] == [1] and record['merge_objects'] is True and record['size'] == (12, 14)


def test_same_folder_and_id_masks(tmp_path):
    root = make_static_images(str(tmp_path), same_folder=True)
    write_mask(os.path.join(root, 'images', 'a.png'), np.pad(np.array([[2, 5]], np.uint8),
                                                             ((0, 11), (0, 12))))
    dataset = _build(root, ann_dir='images', binary=False)
    assert [r['video'] for r in dataset] == ['a', 'b']
    assert dataset[0]['object_ids'] == [2, 5] and dataset[0]['palette'] is not None
    assert dataset[1]['object_ids'] == [1] and dataset[1]['palette'] is None  # 0/255 grayscale: object 1
    write_mask(os.path.join(root, 'images', 'b.png'), np.full((12, 14), 255, np.uint8))  # void only
    with pytest.raises(ValueError, match=r'mask .*images/b\.png holds no object'):
        _build(root, ann_dir='images', binary=False)


def test_image_without_mask(tmp_path):
    root = make_static_images(str(tmp_path))
    frame_image((12, 14)).save(os.path.join(root, 'images', 'c.jpg'))
    with pytest.raises(ValueError, match=r'image .*images/c\.jpg has no mask .*masks/c\.png'):
        _build(root)


def test_size_mismatch_and_rgb_mask(tmp_path):
    root = make_static_images(str(tmp_path))
    Image.fromarray(np.zeros((5, 5), np.uint8)).save(os.path.join(root, 'masks', 'a.png'))
    with pytest.raises(ValueError, match=r'mask .*masks/a\.png is 5x5'):
        _build(root)
    Image.fromarray(np.zeros((12, 14, 3), np.uint8)).save(os.path.join(root, 'masks', 'a.png'))
    with pytest.raises(ValueError, match=r"masks/a\.png has PIL mode 'RGB'"):
        _build(root)


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'mask folder .*masks does not exist'):
        _build(str(tmp_path))
