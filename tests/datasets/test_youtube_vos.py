"""YouTubeVOSDataset: records and malformed layouts (acceptance 4)."""
import json
import os

import numpy as np
import pytest
from PIL import Image

from mobilevos.datasets import YouTubeVOSDataset
from mobilevos.registry import DATASETS
from mobilevos.utils.io import read_mask, write_mask
from .layouts import frame_image, make_youtube


def test_valid_records_with_late_objects(tmp_path):
    root = make_youtube(str(tmp_path))
    dataset = DATASETS.build(dict(type='YouTubeVOSDataset', data_root=root, split='valid'))
    v1, v2 = dataset[0], dataset[1]
    assert v1['video'] == 'v1' and v1['frame_names'] == ['00000', '00005', '00010', '00015']
    assert v1['object_ids'] == [1, 2]
    assert v1['object_first_frame'] == {1: 0, 2: 2}
    assert sorted(v1['annotation_paths']) == [0, 2]
    assert v1['gt_paths'][1] is None and v1['gt_paths'][2].endswith('v1/00010.png')
    assert read_mask(v1['annotation_paths'][2]).max() == 2  # the new object's first mask
    assert v1['object_frames'] == {1: [0, 1, 2, 3], 2: [2, 3]}
    assert v1['categories'] == {1: 'cat', 2: 'dog'}
    assert v1['dataset'] == 'youtube_vos2019' and v1['split'] == 'valid'
    assert v2['object_ids'] == [1] and list(v2['annotation_paths']) == [0]


def test_train_records_every_frame_annotated(tmp_path):
    root = make_youtube(str(tmp_path), split='train')
    record = YouTubeVOSDataset(root, split='train', year=2018, check_files='full')[0]
    assert all(p is not None for p in record['gt_paths'])
    assert record['dataset'] == 'youtube_vos2018'


def test_all_frames_keeps_submission_frames(tmp_path):
    root = make_youtube(str(tmp_path), all_frames=True)
    record = YouTubeVOSDataset(root, split='valid', use_all_frames=True)[0]
    assert record['num_frames'] == 16
    assert record['output_frame_names'] == ['00000', '00005', '00010', '00015']
    assert record['object_first_frame'] == {1: 0, 2: 10}
    assert record['frame_paths'][3].endswith(os.path.join('valid_all_frames', 'JPEGImages', 'v1',
                                                          '00003.jpg'))


def test_missing_or_malformed_meta(tmp_path):
    root = make_youtube(str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r'meta file .*train/meta\.json does not exist'):
        YouTubeVOSDataset(root, split='train')
    meta = os.path.join(root, 'valid', 'meta.json')
    with open(meta, 'w') as handle:
        handle.write('{not json')
    with pytest.raises(ValueError, match=r'meta\.json is not valid JSON'):
        YouTubeVOSDataset(root)
    with open(meta, 'w') as handle:
        json.dump({'videos': {'v1': {'objects': {'1': {'frames': []}}}}}, handle)
    with pytest.raises(ValueError, match=r"object 1 of video 'v1' lists no frames"):
        YouTubeVOSDataset(root)
    with open(meta, 'w') as handle:
        json.dump({'clips': {}}, handle)
    with pytest.raises(ValueError, match='no "videos" mapping'):
        YouTubeVOSDataset(root)


def test_meta_frame_missing_on_disk(tmp_path):
    root = make_youtube(str(tmp_path))
    os.remove(os.path.join(root, 'valid', 'JPEGImages', 'v2', '00010.jpg'))
    with pytest.raises(ValueError, match=r"lists frame '00010' for object 1 of video 'v2'"):
        YouTubeVOSDataset(root)


def test_first_appearance_without_annotation(tmp_path):
    root = make_youtube(str(tmp_path))
    os.remove(os.path.join(root, 'valid', 'Annotations', 'v1', '00010.png'))
    with pytest.raises(FileNotFoundError,
                       match=r'object 2 of video .v1. first appears in frame 00010 .*v1/00010\.png'):
        YouTubeVOSDataset(root)


def test_train_frames_without_annotations(tmp_path):
    root = make_youtube(str(tmp_path), split='train')
    os.remove(os.path.join(root, 'train', 'Annotations', 'v2', '00015.png'))
    with pytest.raises(ValueError, match=r"video 'v2': 1 frames have no annotation, e\.g\. .*v2/00015\.png"):
        YouTubeVOSDataset(root, split='train')


def test_missing_video_folder_and_sizes(tmp_path):
    root = make_youtube(str(tmp_path))
    frame_image((10, 10)).save(os.path.join(root, 'valid', 'JPEGImages', 'v1', '00005.jpg'))
    with pytest.raises(ValueError, match=r'v1/00005\.jpg is 10x10'):
        YouTubeVOSDataset(root, check_files='full')
    write_mask(os.path.join(root, 'valid', 'Annotations', 'v2', '00000.png'), np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match=r'mask .*v2/00000\.png is 4x4'):
        YouTubeVOSDataset(root, videos=['v2'])
    Image.fromarray(np.zeros((16, 24, 3),
                             np.uint8)).save(os.path.join(root, 'valid', 'Annotations', 'v2', '00000.png'))
    with pytest.raises(ValueError, match=r"v2/00000\.png has PIL mode 'RGB'"):
        YouTubeVOSDataset(root, videos=['v2'])
    import shutil
    shutil.rmtree(os.path.join(root, 'valid', 'JPEGImages', 'v2'))
    with pytest.raises(FileNotFoundError, match=r'frame folder .*JPEGImages/v2 does not exist'):
        YouTubeVOSDataset(root, videos=['v2'])
    with pytest.raises(ValueError, match=r"video 'v9' is not in"):
        YouTubeVOSDataset(root, videos=['v9'])
