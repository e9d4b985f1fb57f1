"""The one mask I/O module: the reading rule (void, DAVIS 2016 0/255), atomic writes, frames."""
import os

import numpy as np
import pytest
from PIL import Image

import mobilevos.utils.io as io_module
from mobilevos.utils.io import (check_mask_file, davis_palette, image_info, palette_array, read_frame,
                                read_mask, read_palette_mask, rgb_to_ids, void_to_background, write_image,
                                write_mask)

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


def test_grayscale_0_255_is_object_1_and_palette_255_is_void(tmp_path):
    raw = np.array([[0, 255], [255, 0]], dtype=np.uint8)
    Image.fromarray(raw).save(tmp_path / 'g.png')  # DAVIS 2016 style 0/255 'L'
    ids, palette = read_palette_mask(tmp_path / 'g.png')
    assert palette is None
    np.testing.assert_array_equal(ids, [[0, 1], [1, 0]])
    Image.fromarray(raw > 0).save(tmp_path / 'bit.png')  # 1-bit
    assert Image.open(tmp_path / 'bit.png').mode == '1'
    np.testing.assert_array_equal(read_mask(tmp_path / 'bit.png'), [[0, 1], [1, 0]])
    # a palette mask's 255 is void, kept as 255 (the training ignore index)
    write_mask(tmp_path / 'p.png', raw)
    np.testing.assert_array_equal(read_mask(tmp_path / 'p.png'), raw)
    # a grayscale mask with other values holds ids, 255 void as in a palette mask
    ids_and_void = np.array([[0, 1], [2, 255]], dtype=np.uint8)
    Image.fromarray(ids_and_void).save(tmp_path / 'ids.png')
    np.testing.assert_array_equal(read_mask(tmp_path / 'ids.png'), ids_and_void)
    # binary (merge_objects) merges every non-zero value, void included
    np.testing.assert_array_equal(read_mask(tmp_path / 'ids.png', binary=True), [[0, 1], [1, 1]])
    np.testing.assert_array_equal(void_to_background(ids_and_void), [[0, 1], [2, 0]])


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
    with pytest.raises(ValueError, match='must be'):
        palette_array(np.zeros((2, 4)))
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


def test_rgb_colour_table_shared_by_the_masks_of_a_video(tmp_path):
    red, green = (200, 10, 10), (10, 200, 10)
    first = np.zeros((2, 3, 3), np.uint8)
    first[0, 0], first[1, 2] = green, red
    later = np.zeros((2, 3, 4), np.uint8)
    later[..., 3] = 255
    later[0, 1, :3] = red
    Image.fromarray(first).save(tmp_path / 'a.png')
    Image.fromarray(later, mode='RGBA').save(tmp_path / 'b.png')
    table = {}
    ids, palette = read_palette_mask(tmp_path / 'a.png', rgb_colour_ids=table)
    np.testing.assert_array_equal(ids, [[1, 0, 0], [0, 0, 2]])  # ids in colour order: green < red
    assert tuple(palette[1]) == green and tuple(palette[2]) == red
    ids, _ = read_palette_mask(tmp_path / 'b.png', rgb_colour_ids=table)
    np.testing.assert_array_equal(ids, [[0, 2, 0], [0, 0, 0]])  # red keeps its id
    noise = np.random.default_rng(0).integers(0, 255, (16, 16, 3)).astype(np.uint8)
    Image.fromarray(noise).save(tmp_path / 'noise.png')
    with pytest.raises(ValueError, match=r'noise\.png is an RGB image with \d+ non-black colours'):
        read_palette_mask(tmp_path / 'noise.png', rgb_colour_ids={})


def test_writes_are_atomic(tmp_path, monkeypatch):
    path = tmp_path / 'out' / 'm.png'
    write_mask(path, np.ones((4, 5), np.uint8))
    renames = []
    real_replace = io_module.os.replace

    def replace(src, dst):
        renames.append((src, dst))
        assert np.array_equal(np.array(Image.open(dst)), np.ones((4, 5)))  # the old file until the rename
        real_replace(src, dst)

    monkeypatch.setattr(io_module.os, 'replace', replace)
    write_mask(path, np.full((4, 5), 2, np.uint8))
    (src, dst), = renames
    assert os.path.dirname(src) == os.path.dirname(dst) == str(path.parent) and dst == str(path)
    np.testing.assert_array_equal(np.array(Image.open(path)), np.full((4, 5), 2))
    assert os.listdir(path.parent) == ['m.png']

    def broken_save(self, target, **kwargs):
        with open(target, 'wb') as handle:
            handle.write(b'\x89PNG half')
        raise OSError('disk full')

    monkeypatch.setattr(Image.Image, 'save', broken_save)
    with pytest.raises(OSError, match='disk full'):
        write_mask(path, np.zeros((4, 5), np.uint8))
    with pytest.raises(OSError, match='disk full'):
        write_image(tmp_path / 'out' / 'o.jpg', np.zeros((4, 5, 3), np.uint8))
    assert os.listdir(path.parent) == ['m.png']  # no temporary file, no half-written file
    np.testing.assert_array_equal(np.array(Image.open(path)), np.full((4, 5), 2))


def test_write_image_jpeg_and_png(tmp_path):
    image = np.zeros((6, 8, 3), np.uint8)
    image[:, :4] = (250, 0, 0)
    write_image(tmp_path / 'o.jpg', image)
    write_image(tmp_path / 'o.png', image)
    with Image.open(tmp_path / 'o.jpg') as jpeg:
        assert jpeg.format == 'JPEG' and jpeg.size == (8, 6)
    np.testing.assert_array_equal(np.array(Image.open(tmp_path / 'o.png')), image)
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8'):
        write_image(tmp_path / 'x.png', np.zeros((6, 8), np.uint8))
