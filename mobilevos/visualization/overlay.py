"""Mask overlays: colour each object over its frame, with a darker outline."""
from typing import Optional, Sequence, Union

import numpy as np

from mobilevos.utils.io import VOID_ID, palette_array


def mask_boundary(ids: np.ndarray) -> np.ndarray:
    """``(H, W)`` bool, True where a pixel's 4-neighbour has another id."""
    edge = np.zeros(ids.shape, dtype=bool)
    edge[1:, :] |= ids[1:, :] != ids[:-1, :]
    edge[:-1, :] |= ids[1:, :] != ids[:-1, :]
    edge[:, 1:] |= ids[:, 1:] != ids[:, :-1]
    edge[:, :-1] |= ids[:, 1:] != ids[:, :-1]
    return edge


def overlay_mask(frame: np.ndarray,
                 ids: np.ndarray,
                 palette: Union[np.ndarray, Sequence[int], None] = None,
                 alpha: float = 0.5,
                 outline: bool = True,
                 ignore_ids: Optional[Sequence[int]] = (VOID_ID, )) -> np.ndarray:
    """Blend object colours over a frame.

    Args:
        frame: ``(H, W, 3)`` uint8 RGB.
        ids: ``(H, W)`` integer object ids; 0 (background) and ``ignore_ids`` stay uncoloured.
        palette: colour of each id (``(N, 3)`` or flat); default DAVIS.
        alpha: opacity of the colours.
        outline: draw object boundaries in the darkened object colour.

    Returns:
        ``(H, W, 3)`` uint8 RGB.

    Raises:
        ValueError: ``frame`` and ``ids`` differ in size.
    """
    if frame.shape[:2] != ids.shape[:2] or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(
            f'overlay_mask: frame {frame.shape} and ids {ids.shape} must be (H, W, 3) and (H, W)')
    colours = palette_array(palette)[np.clip(ids, 0, 255).astype(np.int64)].astype(np.float32)  # (H, W, 3)
    coloured = ids != 0
    for ignored in ignore_ids or ():
        coloured &= ids != ignored
    out = frame.astype(np.float32)
    out[coloured] = (1 - alpha) * out[coloured] + alpha * colours[coloured]
    if outline:
        edge = mask_boundary(ids) & coloured
        out[edge] = 0.5 * colours[edge]
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)
