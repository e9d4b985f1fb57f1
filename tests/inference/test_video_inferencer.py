"""VideoInferencer: 60-frame streaming with a late object, palettes, memory size, processing size."""
import glob
import os.path as osp

import numpy as np
import psutil
import pytest
from PIL import Image

from mobilevos.inference import VideoInferencer, list_frames
from tests.inference.synthetic_video import CUSTOM_PALETTE, write_video
from tests.models.vos.tiny import build_tiny


@pytest.fixture(scope='module')
def video(tmp_path_factory):
    return write_video(str(tmp_path_factory.mktemp('video')), length=60, size=64)


def test_student_writes_60_palette_pngs_with_constant_memory(video, tmp_path):
    inferencer = VideoInferencer(build_tiny())  # the network's test_memory: first + latest
    summary = inferencer(video['frames'], video['masks'], tmp_path / 'out', show_progress=False)
    files = sorted(glob.glob(str(tmp_path / 'out' / '*.png')))
    assert summary.num_frames == 60 and len(files) == 60
    assert [osp.basename(f) for f in files] == [f'{t:05d}.png' for t in range(60)]
    for t, path in enumerate(files):
        with Image.open(path) as image:
            assert image.mode == 'P' and image.size == (64, 64)
            assert image.getpalette()[:768] == CUSTOM_PALETTE
            ids = np.array(image)
        assert set(np.unique(ids)) <= ({0, 3, 7} if t < 20 else {0, 3, 7, 12})
    first = np.array(Image.open(files[0]))
    assert np.array_equal(first, video['gt'][0])  # the annotation is written back as given
    late = np.array(Image.open(files[20]))
    assert np.array_equal(late == 12, video['gt'][20] == 12)
    assert summary.object_ids == [3, 7, 12]
    assert max(summary.memory_frames) <= 2 and summary.memory_frames[1:] == [2] * 59


def test_student_memory_and_rss_stay_flat_per_frame(video):
    inferencer = VideoInferencer(build_tiny(), memory='first+latest')
    frames = (np.array(Image.open(p).convert('RGB')) for p in video['frame_files'])
    annotations = {0: video['gt'][0], 20: np.where(video['gt'][20] == 12, 12, 0)}
    process = psutil.Process()
    rss, nbytes, held = [], [], []
    for result in inferencer.propagate(frames, annotations, num_frames=60):
        rss.append(process.memory_info().rss)
        nbytes.append(result.memory_bytes)
        held.append(result.memory_frames)
    assert len(held) == 60 and max(held) == 2
    assert len(set(nbytes[21:])) == 1  # same bytes held from the late object on
    growth = max(rss[30:]) - rss[30]
    print(f'RSS at frame 30: {rss[30] / 2**20:.1f} MiB, growth until frame 59: {growth / 2**20:.2f} MiB')
    assert growth < 8 * 2**20


def test_teacher_memory_grows_as_mem_every_says(video, tmp_path):
    inferencer = VideoInferencer(build_tiny(), memory='infinite:5')
    summary = inferencer(video['frames'], video['masks'], tmp_path / 'out', show_progress=False)
    expected = [t // 5 + 1 + (1 if t % 5 else 0) for t in range(59)]  # 0, 5, 10, ... plus the latest frame
    expected.append(expected[-1])  # the last frame is not encoded into memory
    assert summary.memory_frames == expected
    assert summary.memory_frames[-1] == 13


def test_processing_size_and_overlays(tmp_path):
    video = write_video(str(tmp_path / 'video'), length=4, size=64, ids=(1, 2), late=None, ext='.jpg')
    inferencer = VideoInferencer(build_tiny(), size=32)
    assert inferencer.processing_size(64, 96) == (32, 48)
    summary = inferencer(list_frames(video['frames']),
                         video['masks'][0],
                         tmp_path / 'out',
                         overlay=True,
                         show_progress=False)
    assert len(summary.overlay_files) == 4
    with Image.open(summary.overlay_files[0]) as image:
        assert image.size == (64, 64) and image.mode == 'RGB'
    for path in summary.mask_files:
        with Image.open(path) as image:
            assert image.size == (64, 64)
    assert np.array_equal(np.array(Image.open(summary.mask_files[0])), video['gt'][0])


def test_frames_before_the_first_annotation_are_empty(tmp_path):
    video = write_video(str(tmp_path / 'video'), length=5, size=32, ids=(5, ), late=None)
    mask = osp.join(video['frames'], '..', 'masks', '00002.png')
    Image.open(video['masks'][0]).save(mask)  # annotate frame 2 instead of frame 0
    summary = VideoInferencer(build_tiny())(video['frames'], [mask], tmp_path / 'out', show_progress=False)
    assert summary.memory_frames[:2] == [0, 0]
    for path in summary.mask_files[:2]:
        assert not np.array(Image.open(path)).any()
    assert np.array_equal(np.array(Image.open(summary.mask_files[2])), video['gt'][0])


def test_rgb_mask_colours_become_objects_and_come_back(tmp_path):
    video = write_video(str(tmp_path / 'video'), length=3, size=32, ids=(1, 2), late=None)
    rgb = np.zeros((32, 32, 3), dtype=np.uint8)
    rgb[video['gt'][0] == 1] = (255, 0, 0)
    rgb[video['gt'][0] == 2] = (0, 0, 255)
    mask = str(tmp_path / 'rgb.png')
    Image.fromarray(rgb, mode='RGB').save(mask)
    summary = VideoInferencer(build_tiny())(video['frames'], mask, tmp_path / 'out', show_progress=False)
    with Image.open(summary.mask_files[0]) as image:
        assert image.mode == 'P'
        assert np.array_equal(np.array(image.convert('RGB')), rgb)  # same colours, now as a palette PNG
    assert summary.object_ids == [1, 2]  # blue (0,0,255) sorts before red
