"""Palette mask and frame I/O."""
import numpy as np
import pytest
from PIL import Image

from mobilevos.utils.io import (check_mask_file, davis_palette, image_info, read_frame, read_mask,
                                read_palette_mask, rgb_to_ids, write_mask)

# Published DAVIS / PASCAL VOC colours.
KNOWN = {
    0: (0, 0, 0),
    1: (128, 0, 0),
    2: (0, 128, 0),
    3: (128, 128, 0),
    4: (0, 0, 128),
    7: (128, 128, 128),
    8: (64, 0, 0),
    15: (192, 128, 128),
    255: (224, 224, 192)
}


def test_davis_palette_known_colours():
    palette = davis_palette()
    assert palette.shape == (256, 3) and palette.dtype == np.uint8
    for index, colour in KNOWN.items():
        assert tuple(palette[index]) == colour
    assert len({tuple(c) for c in palette}) == 256
    assert davis_palette(4).shape == (4, 3)
    with pytest.raises(ValueError):
        davis_palette(0)


def test_write_mask_round_trip_is_official_palette_png(tmp_path):
    ids = np.zeros((6, 9), dtype=np.int32)
    ids[1:4, 2:7] = 1
    ids[4:, :3] = 254
    path = tmp_path / 'sub' / 'm.png'
    write_mask(path, ids)
    image = Image.open(path)
    assert image.mode == 'P'
    assert image.getpalette()[:12] == [0, 0, 0, 128, 0, 0, 0, 128, 0, 128, 128, 0]
    np.testing.assert_array_equal(np.array(image), ids)
    back, palette = read_palette_mask(path)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, ids)
    np.testing.assert_array_equal(palette, davis_palette())


def test_write_mask_custom_palette_and_errors(tmp_path):
    write_mask(tmp_path / 'c.png', np.ones((2, 2), np.uint8), palette=[[10, 20, 30], [40, 50, 60]])
    assert Image.open(tmp_path / 'c.png').getpalette()[:6] == [10, 20, 30, 40, 50, 60]
    with pytest.raises(ValueError, match=r'must be \(H, W\)'):
        write_mask(tmp_path / 'x.png', np.zeros((1, 2, 2), np.uint8))
    with pytest.raises(ValueError, match='integers'):
        write_mask(tmp_path / 'x.png', np.zeros((2, 2), np.float32))
    with pytest.raises(ValueError, match=r'\[0, 255\]'):
        write_mask(tmp_path / 'x.png', np.full((2, 2), 256))


def test_grayscale_masks_and_binary(tmp_path):
    raw = np.array([[0, 255], [255, 0]], dtype=np.uint8)
    Image.fromarray(raw).save(tmp_path / 'g.png')  # DAVIS 2016 style 0/255 'L'
    ids, palette = read_palette_mask(tmp_path / 'g.png')
    assert palette is None
    np.testing.assert_array_equal(ids, raw)
    np.testing.assert_array_equal(read_mask(tmp_path / 'g.png', binary=True), raw // 255)


def test_rgb_masks_refused_or_mapped(tmp_path):
    rgb = davis_palette()[np.array([[0, 1], [2, 1]])]
    Image.fromarray(rgb).save(tmp_path / 'rgb.png')
    with pytest.raises(ValueError, match=r"rgb\.png has PIL mode 'RGB'.*rgb_palette"):
        read_mask(tmp_path / 'rgb.png')
    np.testing.assert_array_equal(read_mask(tmp_path / 'rgb.png', rgb_palette=davis_palette()),
                                  [[0, 1], [2, 1]])
    rgb[0, 0] = (1, 2, 3)
    with pytest.raises(ValueError, match=r'colour \(1, 2, 3\) at \(y=0, x=0\)'):
        rgb_to_ids(rgb, davis_palette(), name='m')
    Image.fromarray(np.zeros((2, 2, 4), np.uint8)).save(tmp_path / 'rgba.png')
    with pytest.raises(ValueError, match=r"rgba\.png has PIL mode 'RGBA'"):
        read_mask(tmp_path / 'rgba.png')
    with pytest.raises(ValueError, match=r"rgba\.png has PIL mode 'RGBA'"):
        check_mask_file(tmp_path / 'rgba.png')


def test_read_frame_rgb_order_and_errors(tmp_path):
    image = np.zeros((3, 4, 3), dtype=np.uint8)
    image[0, 0] = (255, 0, 0)
    Image.fromarray(image).save(tmp_path / 'f.png')
    frame = read_frame(tmp_path / 'f.png')
    assert frame.shape == (3, 4, 3) and frame.dtype == np.uint8
    assert tuple(frame[0, 0]) == (255, 0, 0)
    Image.fromarray(np.full((8, 8), 200, np.uint8)).save(tmp_path / 'gray.jpg')
    assert read_frame(tmp_path / 'gray.jpg').shape == (8, 8, 3)
    assert image_info(tmp_path / 'f.png') == ((3, 4), 'RGB')
    with pytest.raises(FileNotFoundError, match='missing.jpg does not exist'):
        read_frame(tmp_path / 'missing.jpg')
    (tmp_path / 'broken.jpg').write_bytes(b'not a jpeg')
    with pytest.raises(OSError, match='broken.jpg cannot be decoded'):
        read_frame(tmp_path / 'broken.jpg')
    with pytest.raises(FileNotFoundError, match='nomask.png does not exist'):
        read_mask(tmp_path / 'nomask.png')
    with pytest.raises(OSError, match='broken.jpg cannot be read'):
        read_mask(tmp_path / 'broken.jpg')
