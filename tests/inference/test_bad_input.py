"""Bad input: each case gives an error naming the file, and masks already written stay valid."""
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mobilevos.inference import InferenceInputError, VideoInferencer
from tests.inference.synthetic_video import write_video
from tests.models.vos.tiny import build_tiny


@pytest.fixture(scope='module')
def inferencer():
    return VideoInferencer(build_tiny())


@pytest.fixture
def video(tmp_path):
    return write_video(str(tmp_path / 'video'), length=5, size=32, ids=(1, 2), late=None, ext='.jpg')


def assert_written_and_valid(out_dir, count):
    files = sorted(f for f in os.listdir(out_dir) if f.endswith('.png'))
    assert files == [f'{t:05d}.png' for t in range(count)]
    assert not [f for f in os.listdir(out_dir) if f.endswith('.tmp')]
    for name in files:
        with Image.open(osp.join(out_dir, name)) as image:
            image.load()
            assert image.mode == 'P' and image.size == (32, 32)


def test_empty_folder(inferencer, tmp_path, video):
    empty = tmp_path / 'empty'
    empty.mkdir()
    (empty / 'notes.txt').write_text('not a frame')
    with pytest.raises(InferenceInputError, match=f'frames folder {empty} is empty'):
        inferencer(empty, video['masks'], tmp_path / 'out')


def test_missing_frame_keeps_earlier_masks(inferencer, tmp_path, video):
    missing = video['frame_files'][3]
    os.remove(missing)
    os.symlink(osp.join(video['frames'], 'gone.jpg'), missing)  # listed, but not there
    with pytest.raises(InferenceInputError, match=f'frame {missing} is missing'):
        inferencer(video['frames'], video['masks'], tmp_path / 'out', show_progress=False)
    assert_written_and_valid(tmp_path / 'out', 3)


def test_missing_frame_in_a_list(inferencer, tmp_path, video):
    files = video['frame_files'][:2] + [str(tmp_path / 'nowhere.jpg')]
    with pytest.raises(InferenceInputError, match=f'frame {tmp_path / "nowhere.jpg"} is missing'):
        inferencer(files, video['masks'], tmp_path / 'out', show_progress=False)
    assert_written_and_valid(tmp_path / 'out', 2)


def test_unreadable_frame_keeps_earlier_masks(inferencer, tmp_path, video):
    broken = video['frame_files'][2]
    with open(broken, 'wb') as f:
        f.write(b'this is not a jpeg')
    with pytest.raises(InferenceInputError, match=f'frame {broken} cannot be (read|decoded)') as info:
        inferencer(video['frames'], video['masks'], tmp_path / 'out', show_progress=False)
    assert str(info.value).count(str(broken)) == 1  # named once
    assert_written_and_valid(tmp_path / 'out', 2)


def test_frames_of_different_sizes(inferencer, tmp_path, video):
    odd = video['frame_files'][4]
    Image.new('RGB', (40, 32)).save(odd)
    with pytest.raises(InferenceInputError, match=f'frame {odd} is 40x32 .* first frame is 32x32'):
        inferencer(video['frames'], video['masks'], tmp_path / 'out', show_progress=False)
    assert_written_and_valid(tmp_path / 'out', 4)


def test_mask_size_differs_from_frame(inferencer, tmp_path, video):
    mask = str(tmp_path / 'small.png')
    Image.new('P', (16, 16), 1).save(mask)
    with pytest.raises(InferenceInputError, match=f'mask {mask} is 16x16 .* frame .*00000.jpg is 32x32'):
        inferencer(video['frames'], mask, tmp_path / 'out')
    assert not (tmp_path / 'out').exists()


def test_first_mask_without_object(inferencer, tmp_path, video):
    mask = str(tmp_path / 'blank.png')
    Image.new('P', (32, 32), 0).save(mask)
    with pytest.raises(InferenceInputError, match=f'mask {mask} .*contains no object'):
        inferencer(video['frames'], mask, tmp_path / 'out')


def test_rgb_mask_with_too_many_colours_is_refused(inferencer, tmp_path, video):
    mask = str(tmp_path / 'photo.png')
    noise = np.random.default_rng(0).integers(0, 255, (32, 32, 3)).astype(np.uint8)
    Image.fromarray(noise, mode='RGB').save(mask)
    with pytest.raises(InferenceInputError, match=f'mask {mask} is an RGB image with \\d+ non-black colours'):
        inferencer(video['frames'], mask, tmp_path / 'out')


def test_missing_unreadable_or_unmatched_masks(inferencer, tmp_path, video):
    with pytest.raises(InferenceInputError, match=f'mask {tmp_path / "none.png"} does not exist'):
        inferencer(video['frames'], tmp_path / 'none.png', tmp_path / 'out')
    garbage = tmp_path / 'garbage.png'
    garbage.write_bytes(b'\x89PNG but not really')
    with pytest.raises(InferenceInputError, match=f'mask {garbage} cannot be read'):
        inferencer(video['frames'], garbage, tmp_path / 'out')
    stray = str(tmp_path / 'elsewhere.png')
    Image.open(video['masks'][0]).save(stray)
    with pytest.raises(InferenceInputError, match=f'mask {stray} matches no frame'):
        inferencer(video['frames'], [video['masks'][0], stray], tmp_path / 'out')
