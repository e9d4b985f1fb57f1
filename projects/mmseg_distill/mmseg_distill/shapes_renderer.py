"""Random shapes on a textured background, with exact per-pixel class labels (numpy only)."""
from typing import Tuple

import numpy as np

#: Class names, in label order (0 is the background).
CLASSES = ('background', 'disc', 'square', 'triangle')
PALETTE = ((0, 0, 0), (220, 60, 60), (60, 180, 75), (70, 110, 230))


def _texture(rng: np.random.Generator, size: int) -> np.ndarray:
    """A ``(size, size)`` texture in ``[0, 1]``: random stripes times smooth noise."""
    yy, xx = np.mgrid[0:size, 0:size] / size
    angle, freq = rng.uniform(0, np.pi), rng.uniform(4, 12)
    stripes = 0.5 + 0.5 * np.sin(2 * np.pi * freq * (xx * np.cos(angle) + yy * np.sin(angle)))
    coarse = rng.random((5, 5))
    noise = np.kron(coarse, np.ones((size // 4 + 1, size // 4 + 1)))[:size, :size]
    return 0.4 + 0.3 * stripes + 0.3 * noise


def _shape_mask(kind: int, size: int, cx: float, cy: float, r: float, angle: float) -> np.ndarray:
    """Boolean ``(size, size)`` mask of a disc (1), square (2) or triangle (3) at pixel centres."""
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    dx, dy = xx - cx, yy - cy
    if kind == 1:
        return dx * dx + dy * dy <= r * r
    c, s = np.cos(angle), np.sin(angle)
    u, v = c * dx + s * dy, -s * dx + c * dy  # rotated frame
    if kind == 2:
        return (np.abs(u) <= r * 0.8) & (np.abs(v) <= r * 0.8)
    # equilateral triangle with circumradius r: inside all three edge half-planes
    inside = np.ones((size, size), dtype=bool)
    for k in range(3):
        a = angle + np.pi / 2 + 2 * np.pi * k / 3
        inside &= (-np.cos(a) * dx - np.sin(a) * dy) <= r / 2
    return inside


def render_shapes(rng: np.random.Generator,
                  size: int = 64,
                  max_shapes: int = 4) -> Tuple[np.ndarray, np.ndarray]:
    """One image of 1..max_shapes random shapes (later ones occlude earlier ones).

    Colours and textures are drawn independently of the class, so only the
    shape tells the classes apart.

    Returns:
        ``image (size, size, 3) uint8`` (RGB) and ``labels (size, size) uint8``
        in ``0 .. len(CLASSES) - 1``.
    """
    image = _texture(rng, size)[..., None] * rng.uniform(0.2, 1.0, 3)
    labels = np.zeros((size, size), dtype=np.uint8)
    for _ in range(rng.integers(1, max_shapes + 1)):
        kind = int(rng.integers(1, len(CLASSES)))
        r = rng.uniform(0.12, 0.25) * size
        mask = _shape_mask(kind, size, rng.uniform(r, size - r), rng.uniform(r, size - r), r,
                           rng.uniform(0, 2 * np.pi))
        image[mask] = (_texture(rng, size)[..., None] * rng.uniform(0.2, 1.0, 3))[mask]
        labels[mask] = kind
    image += rng.normal(0.0, 0.02, image.shape)
    return np.clip(image * 255, 0, 255).round().astype(np.uint8), labels
