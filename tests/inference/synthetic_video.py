"""Tiny synthetic videos on disk (DAVIS layout) for inference tests."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from PIL import Image

#: A palette that is not DAVIS's, to check that outputs keep the input palette.
CUSTOM_PALETTE = [0, 0, 0] + [(37 * i) % 256 for i in range(3, 768)]


def object_masks(length: int,
                 size: int,
                 ids: Sequence[int] = (3, 7, 12),
                 late: Optional[int] = 20) -> np.ndarray:
    """``(T, size, size)`` uint8 ids: squares moving diagonally; the last object appears at frame ``late``."""
    masks = np.zeros((length, size, size), dtype=np.uint8)
    side = size // 4
    for t in range(length):
        for i, object_id in enumerate(ids):
            if late is not None and i == len(ids) - 1 and t < late:
                continue
            top = (i * side + t) % (size - side)
            left = (2 * i * side + 2 * t) % (size - side)
            masks[t, top:top + side, left:left + side] = object_id
    return masks


def save_palette_png(path: str, ids: np.ndarray, palette: List[int] = CUSTOM_PALETTE) -> None:
    image = Image.fromarray(ids.astype(np.uint8), mode='P')
    image.putpalette(palette)
    image.save(path)


def write_video(root: str,
                length: int = 60,
                size: int = 64,
                ids: Sequence[int] = (3, 7, 12),
                late: Optional[int] = 20,
                ext: str = '.png') -> Dict[str, object]:
    """Write ``root/frames/00000<ext>...`` and the annotation masks ``root/masks/00000.png`` (+ the late one).

    Returns:
        dict(frames=folder, masks=[mask files], gt=(T, H, W) ids, frame_files=[...]).
    """
    gt = object_masks(length, size, ids, late)
    frames_dir, masks_dir = osp.join(root, 'frames'), osp.join(root, 'masks')
    os.makedirs(frames_dir, exist_ok=True)
    os.makedirs(masks_dir, exist_ok=True)
    rng = np.random.default_rng(0)
    colours = {object_id: rng.integers(100, 255, 3) for object_id in ids}
    frame_files = []
    for t in range(length):
        frame = rng.integers(0, 60, (size, size, 3)).astype(np.uint8)
        for object_id, colour in colours.items():
            frame[gt[t] == object_id] = colour
        path = osp.join(frames_dir, f'{t:05d}{ext}')
        Image.fromarray(frame).save(path)
        frame_files.append(path)
    masks = [osp.join(masks_dir, '00000.png')]
    save_palette_png(masks[0], gt[0])
    if late is not None:
        late_mask = np.where(gt[late] == ids[-1], gt[late], 0)  # only the new object, as in YouTube-VOS
        masks.append(osp.join(masks_dir, f'{late:05d}.png'))
        save_palette_png(masks[1], late_mask)
    return dict(frames=frames_dir, masks=masks, gt=gt, frame_files=frame_files)
