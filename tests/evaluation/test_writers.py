"""DAVIS result folders and YouTube-VOS submissions (acceptance 3: PNGs in the official palette format)."""
import zipfile

import numpy as np
import pytest
from PIL import Image

from mobilevos.evaluation import YouTubeVOSSubmissionWriter, write_video_masks

# First entries of the DAVIS (PASCAL VOC) palette, as published.
DAVIS_FIRST = [
    0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0, 0, 0, 128, 128, 0, 128, 0, 128, 128, 128, 128, 128, 64, 0, 0,
    192, 0, 0
]


def test_write_video_masks_official_format(tmp_path):
    masks = np.zeros((3, 5, 7), dtype=np.int64)
    masks[1, 1:3, 2:6] = 2
    masks[2, 0, 0] = 4
    paths = write_video_masks(str(tmp_path), 'seq', ['00000', '00001', '00002'], masks)
    assert [p.split('/')[-2:] for p in paths] == [['seq', '00000.png'], ['seq', '00001.png'],
                                                  ['seq', '00002.png']]
    for t, path in enumerate(paths):
        image = Image.open(path)
        assert image.format == 'PNG' and image.mode == 'P'
        assert image.getpalette()[:30] == DAVIS_FIRST
        np.testing.assert_array_equal(np.array(image), masks[t])  # how the official tool reads it


def test_write_video_masks_checks(tmp_path):
    with pytest.raises(ValueError, match=r'expected \(T, H, W\)'):
        write_video_masks(str(tmp_path), 's', ['a'], np.zeros((2, 3, 3), np.uint8))
    with pytest.raises(ValueError, match="frame 'z' to write"):
        write_video_masks(str(tmp_path), 's', ['a'], np.zeros((1, 3, 3), np.uint8), only_frames=['z'])


def test_youtube_vos_writer_layout_zip_and_completeness(tmp_path):
    writer = YouTubeVOSSubmissionWriter(str(tmp_path / 'sub'))
    writer.add_video('v1', ['00000', '00001', '00005'],
                     np.ones((3, 4, 4), np.uint8),
                     only_frames=['00000', '00005'])
    writer.add_video('v2', ['00000'], np.zeros((1, 4, 4), np.uint8), palette=[1, 2, 3])
    with pytest.raises(ValueError, match='v1/00010.png'):
        writer.check_complete({'v1': ['00000', '00010']})
    with pytest.raises(ValueError, match="video 'v3'"):
        writer.zip(expected={'v3': ['00000']})
    path = writer.zip(expected={'v1': ['00000', '00005'], 'v2': ['00000']})
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == [
            'Annotations/v1/00000.png', 'Annotations/v1/00005.png', 'Annotations/v2/00000.png'
        ]
    assert Image.open(tmp_path / 'sub' / 'Annotations' / 'v2' / '00000.png').getpalette()[:3] == [1, 2, 3]
