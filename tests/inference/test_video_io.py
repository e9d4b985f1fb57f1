"""The inferencer's input layer reads annotations by the rule of mobilevos.utils.io, void as background."""
import numpy as np
import pytest
from PIL import Image

from mobilevos.inference import InferenceInputError, read_annotation
from mobilevos.utils.io import davis_palette, write_mask


def test_grayscale_0_255_annotation_is_object_1(tmp_path):
    raw = np.zeros((6, 8), np.uint8)
    raw[2:4, 3:6] = 255
    Image.fromarray(raw).save(tmp_path / '00000.png')  # DAVIS 2016 style
    annotation = read_annotation(tmp_path / '00000.png', frame_size=(6, 8))
    assert annotation.source_mode == 'L' and annotation.object_ids == [1]
    np.testing.assert_array_equal(annotation.ids, raw // 255)
    np.testing.assert_array_equal(annotation.palette, davis_palette())


def test_palette_void_is_background(tmp_path):
    ids = np.zeros((6, 8), np.uint8)
    ids[1:3, 1:3] = 4
    ids[5, :] = 255
    write_mask(tmp_path / 'm.png', ids)
    annotation = read_annotation(tmp_path / 'm.png')
    assert annotation.object_ids == [4]
    assert annotation.ids[5].max() == 0 and annotation.ids[1, 1] == 4


def test_unsupported_mode_names_the_file(tmp_path):
    path = tmp_path / 'deep.png'
    Image.fromarray(np.zeros((4, 4), np.uint16)).save(path)  # 16-bit grayscale
    with pytest.raises(InferenceInputError, match=f"mask {path} has PIL mode 'I"):
        read_annotation(path)
