"""The demo's steps without the browser: drawn masks, uploaded masks, the zip, the sample, the toggles."""
import importlib.util
import os.path as osp
import zipfile

import numpy as np
import pytest

from mobilevos.inference import InferenceInputError, VideoInferencer
from mobilevos.inference.video_source import VideoFileSource
from mobilevos.utils.io import davis_palette, read_mask, write_mask
from mobilevos.visualization.video_writer import count_video_frames
from tests.inference.test_video_source import make_mp4
from tests.models.vos.tiny import build_tiny

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
_spec = importlib.util.spec_from_file_location('demo_pipeline', osp.join(ROOT, 'tools', 'demo',
                                                                         'pipeline.py'))
pipeline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pipeline)


def test_brush_colours_are_the_davis_colours_of_objects_1_to_6():
    assert pipeline.brush_colours()[:2] == ['#800000', '#008000']
    assert len(pipeline.brush_colours()) == pipeline.MAX_DRAWN_OBJECTS


def test_drawing_becomes_one_object_per_colour():
    layer = np.zeros((8, 10, 4), np.uint8)
    layer[1:3, 1:4] = (128, 0, 0, 255)  # brush colour 1
    layer[5:7, 6:9] = (10, 120, 5, 255)  # near colour 2 (anti-aliased edge)
    layer[0, 9] = (0, 128, 0, 40)  # faint: not drawn
    ids = pipeline.mask_from_drawing([layer], (8, 10))
    expected = np.zeros((8, 10), np.uint8)
    expected[1:3, 1:4] = 1
    expected[5:7, 6:9] = 2
    assert np.array_equal(ids, expected)
    with pytest.raises(InferenceInputError, match='drawing is 10x8 \\(WxH\\) but the video is 12x8'):
        pipeline.mask_from_drawing([layer], (8, 12))


def test_first_mask_errors_name_the_problem(tmp_path):
    write_mask(tmp_path / 'small.png', np.ones((4, 4), np.uint8))
    with pytest.raises(InferenceInputError, match="a mask must have its frame's size"):
        pipeline.first_mask('clip.mp4', str(tmp_path / 'small.png'), None, (8, 8))
    with pytest.raises(InferenceInputError, match='drawn\\) contains no object'):
        pipeline.first_mask('clip.mp4', None, [np.zeros((8, 8, 4), np.uint8)], (8, 8))


def test_run_zip_and_toggles(tmp_path):
    gt = make_mp4(tmp_path / 'clip.mp4', length=6, size=32)
    inferencer = VideoInferencer(build_tiny(seed=2), memory='fifo:2')
    result = pipeline.run_demo(inferencer, str(tmp_path / 'clip.mp4'), gt[0], davis_palette(),
                               str(tmp_path / 'run'))
    assert result.num_frames == 6 and result.object_ids == [1, 2]
    with zipfile.ZipFile(result.zip_path) as archive:
        assert sorted(archive.namelist()) == [f'{t:05d}.png' for t in range(6)]
    assert np.array_equal(read_mask(osp.join(result.masks_dir, '00000.png')), gt[0])
    out = pipeline.render_overlay(str(tmp_path / 'clip.mp4'), result.masks_dir, davis_palette(), ['1'],
                                  str(tmp_path / 'only1.mp4'))
    assert count_video_frames(out) == 6
    # frame 0 (the annotation): object 1 is tinted, object 2 is left as the video shows it
    source = next(iter(VideoFileSource(str(tmp_path / 'clip.mp4')))).astype(float)
    drawn = next(iter(VideoFileSource(out))).astype(float)
    change = np.abs(drawn - source).mean(-1)  # (H, W); video coding alone changes pixels a little
    one, two = change[gt[0] == 1].mean(), change[gt[0] == 2].mean()
    assert one > 3 * two and one > 10, (one, two)


def test_sample_is_a_video_and_its_first_mask(tmp_path):
    video, mask = pipeline.make_sample(str(tmp_path), num_frames=3, size=(32, 48))
    assert pipeline.first_frame(video).shape == (32, 48, 3)
    ids = read_mask(mask)
    assert ids.shape == (32, 48) and ids.max() > 0
