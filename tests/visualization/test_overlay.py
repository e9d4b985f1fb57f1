"""Mask overlays."""
import numpy as np
import pytest

from mobilevos.visualization import mask_boundary, overlay_mask


def test_overlay_blends_objects_and_keeps_background():
    frame = np.full((6, 6, 3), 100, dtype=np.uint8)
    ids = np.zeros((6, 6), dtype=np.uint8)
    ids[1:5, 1:5] = 1
    palette = [0, 0, 0, 200, 0, 0]
    out = overlay_mask(frame, ids, palette, alpha=0.5, outline=False)
    assert (out[0, 0] == 100).all()
    assert tuple(out[2, 2]) == (150, 50, 50)
    outlined = overlay_mask(frame, ids, palette, alpha=0.5, outline=True)
    assert tuple(outlined[1, 1]) == (100, 0, 0) and tuple(outlined[2, 2]) == (150, 50, 50)


def test_boundary_and_errors():
    ids = np.zeros((4, 4), dtype=np.uint8)
    ids[:, 2:] = 1
    edge = mask_boundary(ids)
    assert edge[:, 1:3].all() and not edge[:, 0].any() and not edge[:, 3].any()
    with pytest.raises(ValueError, match='frame'):
        overlay_mask(np.zeros((4, 5, 3), np.uint8), ids)
