"""Frame sources (video file, live stream with dropped frames), the MP4 writer and segment_stream."""
import time

import numpy as np
import pytest
from PIL import Image

from mobilevos.inference import InferenceInputError, VideoInferencer
from mobilevos.inference.segment_stream import check_first_mask, segment_stream
from mobilevos.inference.video_source import FolderSource, LiveSource, VideoFileSource, open_source
from mobilevos.utils.io import davis_palette
from mobilevos.visualization.video_writer import VideoWriter, count_video_frames
from tests.inference.synthetic_video import object_masks, write_video
from tests.models.vos.tiny import build_tiny


def make_mp4(path, length=20, size=64, fps=24.0):
    """A synthetic MP4 of moving squares; returns the ``(T, H, W)`` ids drawn."""
    gt = object_masks(length, size, ids=(1, 2), late=None)
    colours = np.array([[20, 20, 20], [230, 60, 60], [60, 230, 60]], dtype=np.uint8)
    with VideoWriter(path, fps=fps, crf=10) as writer:
        for t in range(length):
            writer.write(colours[gt[t]])
    return gt


def test_video_file_is_streamed_with_its_header_facts(tmp_path):
    gt = make_mp4(tmp_path / 'clip.mp4', length=20, size=64)
    source = VideoFileSource(tmp_path / 'clip.mp4')
    assert source.size == (64, 64) and source.num_frames == 20 and source.fps == pytest.approx(24.0)
    frames = list(source)
    assert len(frames) == 20 and frames[0].shape == (64, 64, 3) and frames[0].dtype == np.uint8
    # lossy codec, but the object colours survive: frame 5's first object is red
    red = frames[5][gt[5] == 1].mean(axis=0)
    assert red[0] > 180 and red[1] < 110
    assert count_video_frames(tmp_path / 'clip.mp4') == 20


def test_odd_sizes_are_padded_for_the_encoder(tmp_path):
    with VideoWriter(tmp_path / 'odd.mp4') as writer:
        for _ in range(3):
            writer.write(np.full((33, 47), 200, dtype=np.uint8))
    assert VideoFileSource(tmp_path / 'odd.mp4').size == (34, 48)
    with pytest.raises(ValueError, match='same size'):
        with VideoWriter(tmp_path / 'bad.mp4') as writer:
            writer.write(np.zeros((16, 16, 3), np.uint8))
            writer.write(np.zeros((32, 16, 3), np.uint8))


def test_bad_videos_are_clear_errors(tmp_path):
    junk = tmp_path / 'junk.mp4'
    junk.write_bytes(b'this is not a video' * 10)
    with pytest.raises(InferenceInputError, match='junk.mp4 cannot be opened as a video'):
        VideoFileSource(junk)
    with pytest.raises(InferenceInputError, match='does not exist'):
        VideoFileSource(tmp_path / 'missing.mp4')
    make_mp4(tmp_path / 'long.mp4', length=12, size=32)
    with pytest.raises(InferenceInputError, match='12 frames, more than the limit of 10'):
        VideoFileSource(tmp_path / 'long.mp4', max_frames=10)
    with pytest.raises(InferenceInputError, match='exactly one source'):
        open_source(frames=str(tmp_path), video=str(junk))


def test_live_source_drops_frames_when_the_consumer_is_slow(tmp_path):
    make_mp4(tmp_path / 'cam.mp4', length=20, size=32, fps=40.0)
    source = LiveSource(str(tmp_path / 'cam.mp4'), realtime=True)  # 40 frames/s, like a camera
    assert source.size == (32, 32) and source.num_frames is None
    delivered = 0
    for _ in source:
        delivered += 1
        time.sleep(0.15)  # a consumer at ~6 frames/s
    assert source.decoded == 20
    assert source.dropped > 0 and delivered < 20
    assert delivered + source.dropped == 20  # every frame is either handed out or dropped, none queued


def test_live_source_stops_at_max_frames(tmp_path):
    # Paced like a camera (24 frames/s for about 4 s), so a consumer slowed down by a busy machine still
    # finds 3 new frames long before the stream ends; unpaced, the reader can decode the whole file first.
    make_mp4(tmp_path / 'cam.mp4', length=100, size=32)
    source = LiveSource(str(tmp_path / 'cam.mp4'), max_frames=3, realtime=True)
    assert len(list(source)) == 3 and source.delivered == 3
    assert source.decoded < 100  # the reader was stopped, not run to the end of the stream


def test_first_mask_checks():
    with pytest.raises(InferenceInputError, match='contains no object'):
        check_first_mask(np.full((8, 8), 255, np.uint8), (8, 8))
    with pytest.raises(InferenceInputError, match='is 8x4 \\(WxH\\) but the video is 16x16'):
        check_first_mask(np.ones((4, 8), np.uint8), (16, 16))


def test_segment_stream_writes_masks_overlay_and_matte(tmp_path):
    gt = make_mp4(tmp_path / 'clip.mp4', length=20, size=64)
    inferencer = VideoInferencer(build_tiny(seed=1), memory='fifo:2')
    annotation = np.where(gt[0] == 2, 7, gt[0]).astype(np.uint8)  # ids 1 and 7
    seen = []
    summary = segment_stream(inferencer,
                             VideoFileSource(tmp_path / 'clip.mp4'),
                             annotation,
                             davis_palette(),
                             out_dir=tmp_path / 'masks',
                             overlay_video=tmp_path / 'overlay.mp4',
                             alpha_video=tmp_path / 'alpha.mp4',
                             on_frame=lambda done, total: seen.append((done, total)))
    assert summary.num_frames == 20 and len(summary.mask_files) == 20 and summary.fps > 0
    assert summary.object_ids == [1, 7]
    assert seen[0] == (1, 20) and seen[-1] == (20, 20)
    with Image.open(summary.mask_files[0]) as first:
        assert first.mode == 'P' and np.array_equal(np.array(first), annotation)
    assert count_video_frames(tmp_path / 'overlay.mp4') == 20
    assert count_video_frames(tmp_path / 'alpha.mp4') == 20
    matte = next(iter(VideoFileSource(tmp_path / 'alpha.mp4')))[..., 0]
    assert matte[annotation > 0].mean() > 200 and matte[annotation == 0].mean() < 50


def test_folder_source_reads_frames_lazily(tmp_path):
    video = write_video(str(tmp_path / 'v'), length=4, size=32, late=None)
    source = FolderSource(video['frames'])
    assert source.size == (32, 32) and source.num_frames == 4
    assert [f.shape for f in source] == [(32, 32, 3)] * 4


def test_infer_tool_streams_a_video_file(tmp_path, capsys):
    import importlib.util
    import os
    import os.path as osp

    import torch

    from mobilevos.utils.io import write_mask
    from tests.models.vos.tiny import TINY_MODEL
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    spec = importlib.util.spec_from_file_location('tools_infer_video', osp.join(root, 'tools', 'infer.py'))
    infer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(infer)
    (tmp_path / 'tiny.py').write_text(f'model = {TINY_MODEL!r}\n')
    torch.save(dict(state_dict=build_tiny(seed=5).state_dict(), meta={}), tmp_path / 'tiny.pth')
    gt = make_mp4(tmp_path / 'clip.mp4', length=20, size=64)
    write_mask(tmp_path / 'first.png', gt[0])
    out = tmp_path / 'out'
    rc = infer.main([
        str(tmp_path / 'tiny.py'),
        str(tmp_path / 'tiny.pth'), '--video',
        str(tmp_path / 'clip.mp4'), '--mask',
        str(tmp_path / 'first.png'), '--out',
        str(out), '--overlay-video',
        str(out / 'overlay.mp4'), '--alpha-video',
        str(out / 'alpha.mp4'), '--no-progress'
    ])
    printed = capsys.readouterr().out
    assert rc == 0
    assert 'RSS at start:' in printed and 'RSS at end:' in printed and 'frames/s achieved' in printed
    assert sorted(f for f in os.listdir(out) if f.endswith('.png')) == [f'{t:05d}.png' for t in range(20)]
    assert count_video_frames(out / 'overlay.mp4') == 20 and count_video_frames(out / 'alpha.mp4') == 20
    # a mask of another size is refused before any frame is segmented, naming the file
    write_mask(tmp_path / 'small.png', gt[0][:32])
    assert infer.main([
        str(tmp_path / 'tiny.py'),
        str(tmp_path / 'tiny.pth'), '--video',
        str(tmp_path / 'clip.mp4'), '--mask',
        str(tmp_path / 'small.png'), '--out',
        str(tmp_path / 'out2'), '--no-progress'
    ]) != 0
    assert 'small.png is 64x32 (WxH)' in capsys.readouterr().err
