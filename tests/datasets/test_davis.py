"""DAVISDataset: records and malformed layouts (acceptance 4)."""
import os

import numpy as np
import pytest
from PIL import Image

from mobilevos.datasets import DAVISDataset
from mobilevos.registry import DATASETS
from mobilevos.utils.io import davis_palette, read_mask, write_mask
from .layouts import frame_image, make_davis

RECORD_KEYS = {
    'video', 'frame_paths', 'frame_names', 'num_frames', 'annotation_paths', 'gt_paths', 'object_ids',
    'object_first_frame', 'object_frames', 'categories', 'palette', 'size', 'merge_objects',
    'output_frame_names', 'dataset', 'split', 'sample_idx'
}


def test_davis2017_val_records(tmp_path):
    root = make_davis(str(tmp_path))
    dataset = DATASETS.build(dict(type='DAVISDataset', data_root=root, split='val'))
    assert len(dataset) == 2
    record = dataset[0]  # empty pipeline: the record itself
    assert set(record) == RECORD_KEYS
    assert record['video'] == 'bike' and record['num_frames'] == 4
    assert record['frame_names'] == ['00000', '00001', '00002', '00003']
    assert record['frame_paths'][2] == os.path.join(root, 'JPEGImages', '480p', 'bike', '00002.jpg')
    assert record['annotation_paths'] == {0: os.path.join(root, 'Annotations', '480p', 'bike', '00000.png')}
    assert record['gt_paths'][3].endswith('bike/00003.png')
    assert record['object_ids'] == [1, 2] and record['object_first_frame'] == {1: 0, 2: 0}
    assert record['size'] == (16, 24)
    assert record['palette'] == davis_palette().flatten().tolist()
    assert record['merge_objects'] is False and record['dataset'] == 'davis2017'
    assert record['output_frame_names'] == record['frame_names']


def test_first_appearance_mode_finds_late_objects(tmp_path):
    root = make_davis(str(tmp_path), videos={'late': [[1], [1], [1, 3], [1, 3], [3]]})
    record = DAVISDataset(root, split='val', input_masks='first_appearance')[0]
    assert record['object_ids'] == [1, 3]
    assert record['object_first_frame'] == {1: 0, 3: 2}
    assert sorted(record['annotation_paths']) == [0, 2]
    assert record['object_frames'] == {1: [0, 1, 2, 3], 3: [2, 3, 4]}
    official = DAVISDataset(root, split='val')[0]
    assert official['object_ids'] == [1] and list(official['annotation_paths']) == [0]


def test_a_late_object_is_input_alone_in_its_first_frame(tmp_path):
    # The ground-truth PNG of frame 2 holds objects 1 and 3. The test loop inputs only object 3 there:
    # object 1 is tracked since frame 0, and its true mask at frame 2 is for the metric, not the network.
    from mobilevos.engine.loops import _input_annotations
    root = make_davis(str(tmp_path), videos={'late': [[1], [1], [1, 3], [1, 3], [3]]})
    record = DAVISDataset(root, split='val', input_masks='first_appearance')[0]
    truth = read_mask(record['annotation_paths'][2])
    assert set(np.unique(truth)) == {0, 1, 3}
    inputs = _input_annotations(record)
    assert sorted(inputs) == [0, 2]
    np.testing.assert_array_equal(inputs[0], read_mask(record['annotation_paths'][0]))  # frame 0: all of it
    np.testing.assert_array_equal(inputs[2], np.where(truth == 3, 3, 0))


def test_davis2016_merges_objects_and_reads_grayscale(tmp_path):
    root = make_davis(str(tmp_path), year=2016)
    gray = os.path.join(root, 'Annotations', '480p', 'cat', '00001.png')
    Image.fromarray((read_mask(gray) > 0).astype(np.uint8) * 255).save(gray)  # DAVIS 2016 0/255 'L'
    dataset = DAVISDataset(root, split='val', year=2016)
    bike, cat = dataset[0], dataset[1]
    assert bike['object_ids'] == [1] and bike['merge_objects'] is True and bike['dataset'] == 'davis2016'
    assert read_mask(cat['gt_paths'][1], binary=cat['merge_objects']).max() == 1


def test_davis2016_legacy_split_file(tmp_path):
    root = make_davis(str(tmp_path), year=2016)
    os.remove(os.path.join(root, 'ImageSets', '2016', 'val.txt'))
    os.makedirs(os.path.join(root, 'ImageSets', '480p'))
    with open(os.path.join(root, 'ImageSets', '480p', 'val.txt'), 'w') as handle:
        handle.write('/JPEGImages/480p/cat/00000.jpg /Annotations/480p/cat/00000.png\n'
                     '/JPEGImages/480p/cat/00001.jpg /Annotations/480p/cat/00001.png\n')
    assert [r['video'] for r in DAVISDataset(root, split='val', year=2016)] == ['cat']


def test_test_dev_needs_only_first_annotation(tmp_path):
    root = make_davis(str(tmp_path), videos={'x': [[1, 2], None, None]}, split='test-dev')
    record = DAVISDataset(root, split='test-dev')[0]
    assert record['gt_paths'][1:] == [None, None] and record['object_ids'] == [1, 2]


# -- malformed layouts ----------------------------------------------------------------------
def test_missing_data_root_and_split_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r'data_root .*nowhere does not exist'):
        DAVISDataset(str(tmp_path / 'nowhere'))
    root = make_davis(str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r'split file .*ImageSets/2017/train\.txt does not exist'):
        DAVISDataset(root, split='train')


def test_sequence_listed_but_missing_on_disk(tmp_path):
    root = make_davis(str(tmp_path), splits={'val': ['bike', 'ghost']})
    with pytest.raises(FileNotFoundError,
                       match=r"sequence 'ghost' is listed .* frame folder .*480p/ghost does not exist"):
        DAVISDataset(root, split='val')


def test_frames_without_annotations(tmp_path):
    root = make_davis(str(tmp_path), videos={'gap': [[1], None, [1]]})
    with pytest.raises(ValueError, match=r"'gap': 1 frames have no annotation, e\.g\. .*gap/00001\.png"):
        DAVISDataset(root, split='val')
    assert DAVISDataset(root, split='val', require_all_gt=False)[0]['gt_paths'][1] is None
    root = make_davis(str(tmp_path / 'b'), videos={'nofirst': [None, [1], [1]]})
    with pytest.raises(FileNotFoundError, match=r'first frame has no annotation .*nofirst/00000\.png'):
        DAVISDataset(root, split='val', require_all_gt=False)


def test_annotation_without_frame(tmp_path):
    root = make_davis(str(tmp_path))
    write_mask(os.path.join(root, 'Annotations', '480p', 'cat', '00007.png'), np.zeros((16, 24), np.uint8))
    with pytest.raises(ValueError, match=r'annotation .*cat/00007\.png has no frame'):
        DAVISDataset(root, split='val')


def test_mismatched_sizes(tmp_path):
    root = make_davis(str(tmp_path))
    frame_image((20, 24)).save(os.path.join(root, 'JPEGImages', '480p', 'bike', '00002.jpg'))
    with pytest.raises(ValueError, match=r'frame .*bike/00002\.jpg is 24x20 but the first frame'):
        DAVISDataset(root, split='val')
    root = make_davis(str(tmp_path / 'b'))
    write_mask(os.path.join(root, 'Annotations', '480p', 'cat', '00002.png'), np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match=r'mask .*cat/00002\.png is 8x8 but the frames'):
        DAVISDataset(root, split='val')
    DAVISDataset(root, split='val', check_files='fast')  # only first frame and input masks checked


def test_mask_that_is_not_an_id_image(tmp_path):
    root = make_davis(str(tmp_path))
    path = os.path.join(root, 'Annotations', '480p', 'bike', '00003.png')
    Image.fromarray(np.zeros((16, 24, 3), np.uint8)).save(path)
    with pytest.raises(ValueError, match=r"bike/00003\.png has PIL mode 'RGB'"):
        DAVISDataset(root, split='val')
    first = os.path.join(root, 'Annotations', '480p', 'cat', '00000.png')
    Image.fromarray(np.zeros((16, 24, 3), np.uint8)).save(first)
    with pytest.raises(ValueError, match=r"cat/00000\.png has PIL mode 'RGB'"):
        DAVISDataset(root, split='val', sequences=['cat'])


def test_empty_first_annotation(tmp_path):
    root = make_davis(str(tmp_path), videos={'void': [[], [1], [1]]})
    with pytest.raises(ValueError, match=r'first annotation .*void/00000\.png .* holds no object'):
        DAVISDataset(root, split='val')


def test_bad_arguments(tmp_path):
    root = make_davis(str(tmp_path))
    with pytest.raises(ValueError, match='year'):
        DAVISDataset(root, year=2018)
    with pytest.raises(ValueError, match='input_masks'):
        DAVISDataset(root, input_masks='every')
    with pytest.raises(ValueError, match='check_files'):
        DAVISDataset(root, check_files='some')


def test_clip_dataset_reads_davis_records(tmp_path):
    root = make_davis(str(tmp_path), videos={'bike': [[1, 2]] * 5})
    clips = DATASETS.build(
        dict(type='VOSClipDataset',
             dataset=dict(type='DAVISDataset', data_root=root),
             num_frames=3,
             max_skip=2))
    clip = clips[0]
    assert len(clip['frames']) == 3 and clip['frames'][0].shape == (16, 24, 3)
    assert set(np.unique(clip['masks'][0])) <= {0, 1, 2}
