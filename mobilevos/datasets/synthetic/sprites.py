"""Sprites of the synthetic videos: textured shapes with an affine pose per frame, drawn into frames.

A sprite is a shape mask in a ``(2R+1, 2R+1)`` square (R = :data:`SPRITE_RADIUS`)
with a texture of the same size; :class:`ObjectPlan` gives it a pose per frame
(the planners in :mod:`.scenes` set its positions and depth), and
:func:`render_masks` / :func:`render_frames` warp it into the frames, back to front.
"""
from typing import Sequence, Tuple

import cv2
import numpy as np

SHAPES = ('ellipse', 'ring', 'polygon', 'star', 'rectangle', 'blob')
TEXTURES = ('stripes', 'checker', 'noise', 'dots', 'gradient')
SPRITE_RADIUS = 32  # shapes are drawn in a (2R+1)^2 sprite, then warped into the frame


# -- textures and shapes ------------------------------------------------------------------
def _random_colour(rng: np.random.Generator) -> np.ndarray:
    return rng.uniform(20, 235, size=3)


def _smooth_noise(rng: np.random.Generator, height: int, width: int, cells: int) -> np.ndarray:
    """``(H, W)`` float noise in [0, 1] from a ``cells x cells`` grid upsampled bicubically."""
    grid = rng.random((cells, cells)).astype(np.float32)
    noise = cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(noise, 0.0, 1.0)


def make_texture(rng: np.random.Generator, height: int, width: int, kind: str) -> np.ndarray:
    """``(H, W, 3)`` uint8 texture of ``kind`` (one of :data:`TEXTURES`) with random colours."""
    first, second = _random_colour(rng), _random_colour(rng)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    if kind == 'stripes':
        angle = rng.uniform(0, np.pi)
        period = rng.uniform(4, 12)
        phase = np.cos(angle) * xs + np.sin(angle) * ys
        weight = 0.5 + 0.5 * np.sin(2 * np.pi * phase / period)
    elif kind == 'checker':
        cell = int(rng.integers(3, 9))
        weight = (((ys // cell) + (xs // cell)) % 2).astype(np.float32)
    elif kind == 'noise':
        weight = _smooth_noise(rng, height, width, int(rng.integers(3, 8)))
    elif kind == 'dots':
        spacing = rng.uniform(5, 10)
        radius = spacing * rng.uniform(0.2, 0.4)
        dist = np.hypot((xs % spacing) - spacing / 2, (ys % spacing) - spacing / 2)
        weight = (dist < radius).astype(np.float32)
    elif kind == 'gradient':
        angle = rng.uniform(0, 2 * np.pi)
        phase = np.cos(angle) * xs + np.sin(angle) * ys
        weight = (phase - phase.min()) / max(float(np.ptp(phase)), 1.0)
    else:
        raise ValueError(f'unknown texture {kind!r}')
    grain = rng.normal(0, 6, size=(height, width, 1))
    image = first * weight[..., None] + second * (1 - weight[..., None]) + grain
    return np.clip(image, 0, 255).astype(np.uint8)


def make_background(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """``(H, W, 3)`` uint8: two textures blended by smooth noise, lower contrast than objects."""
    base = make_texture(rng, height, width, str(rng.choice(TEXTURES))).astype(np.float32)
    detail = make_texture(rng, height, width, str(rng.choice(TEXTURES))).astype(np.float32)
    blend = _smooth_noise(rng, height, width, int(rng.integers(2, 5)))[..., None]
    image = base * blend + detail * (1 - blend)
    image = 128 + 0.7 * (image - 128)
    return np.clip(image, 0, 255).astype(np.uint8)


def make_shape(rng: np.random.Generator, kind: str) -> np.ndarray:
    """``(2R+1, 2R+1)`` uint8 0/1 mask of a shape centred in the sprite (R = 32)."""
    radius = SPRITE_RADIUS
    size = 2 * radius + 1
    mask = np.zeros((size, size), dtype=np.uint8)
    centre = (radius, radius)
    if kind in ('ellipse', 'ring'):
        axes = (radius - 1, int(radius * rng.uniform(0.5, 0.95)))
        cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        if kind == 'ring':
            inner = (int(axes[0] * rng.uniform(0.35, 0.55)), int(axes[1] * rng.uniform(0.35, 0.55)))
            cv2.ellipse(mask, centre, inner, float(rng.uniform(0, 180)), 0, 360, 0, -1)
    elif kind in ('polygon', 'star'):
        count = int(rng.integers(3, 8)) if kind == 'polygon' else int(rng.integers(4, 8))
        if kind == 'polygon':
            angles = np.sort(rng.uniform(0, 2 * np.pi, count))
            radii = rng.uniform(0.55, 1.0, count) * (radius - 1)
        else:
            angles = np.arange(2 * count) * np.pi / count + rng.uniform(0, np.pi)
            radii = np.where(
                np.arange(2 * count) % 2 == 0, radius - 1, (radius - 1) * rng.uniform(0.35, 0.55))
        points = np.stack([radius + radii * np.cos(angles), radius + radii * np.sin(angles)], axis=1)
        cv2.fillPoly(mask, [np.round(points).astype(np.int32)], 1)
    elif kind == 'rectangle':
        half_w, half_h = radius * rng.uniform(0.5, 0.95), radius * rng.uniform(0.3, 0.7)
        box = ((float(radius), float(radius)), (2 * half_w, 2 * half_h), float(rng.uniform(0, 180)))
        cv2.fillPoly(mask, [np.round(cv2.boxPoints(box)).astype(np.int32)], 1)
    elif kind == 'blob':
        for _ in range(int(rng.integers(3, 6))):
            offset = rng.uniform(-0.45, 0.45, 2) * radius
            blob_radius = int(radius * rng.uniform(0.3, 0.5))
            cv2.circle(mask, (int(radius + offset[0]), int(radius + offset[1])), blob_radius, 1, -1)
    else:
        raise ValueError(f'unknown shape {kind!r}')
    if not mask.any():  # degenerate polygon: fall back to a disc
        cv2.circle(mask, centre, radius - 1, 1, -1)
    return mask


# -- a sprite with a pose per frame -------------------------------------------------------
class ObjectPlan:
    """Shape, texture and per-frame affine pose of one object.

    The constructor draws the shape, texture, scale (with a slow growth or
    shrink), aspect and rotation; the planners of :mod:`.scenes` then set
    ``role``, ``position`` (``(T, 2)`` centre ``(x, y)`` in frame pixels) and
    ``depth`` (0 = furthest back).
    """

    def __init__(self, rng: np.random.Generator, height: int, width: int, num_frames: int):
        self.shape_kind = str(rng.choice(SHAPES))
        self.texture_kind = str(rng.choice(TEXTURES))
        self.sprite = make_shape(rng, self.shape_kind)
        self.texture = make_texture(rng, *self.sprite.shape, self.texture_kind)
        ys, xs = np.nonzero(self.sprite)
        self.sprite_extent = float(np.max(np.hypot(ys - SPRITE_RADIUS, xs - SPRITE_RADIUS))) + 1.0
        side = min(height, width)
        base = rng.uniform(0.14, 0.26) * side / SPRITE_RADIUS
        growth = rng.uniform(-0.04, 0.04)
        times = np.arange(num_frames)
        self.scale = base * np.exp(growth * times)  # (T,) sprite px -> frame px
        self.aspect = rng.uniform(0.8, 1.2)
        self.angle = rng.uniform(0, 2 * np.pi) + rng.uniform(-0.15, 0.15) * times
        self.role = 'plain'
        self.position = np.zeros((num_frames, 2))  # (T, 2) centre (x, y)
        self.depth = 0

    def extent(self, t: int) -> float:
        """Radius in frame pixels of the circle holding the object at frame ``t``."""
        return self.sprite_extent * self.scale[t] * max(self.aspect, 1.0)

    def matrix(self, t: int) -> np.ndarray:
        """``(2, 3)`` affine map from sprite to frame coordinates at frame ``t``."""
        cos, sin = np.cos(self.angle[t]), np.sin(self.angle[t])
        linear = self.scale[t] * np.array([[cos, -sin], [sin, cos]]) @ np.diag([self.aspect, 1.0])
        offset = self.position[t] - linear @ np.array([SPRITE_RADIUS, SPRITE_RADIUS], dtype=np.float64)
        return np.concatenate([linear, offset[:, None]], axis=1)

    def warp_mask(self, t: int, height: int, width: int) -> np.ndarray:
        """``(H, W)`` bool: the pixels the object covers at frame ``t`` (ignoring other objects)."""
        return cv2.warpAffine(self.sprite,
                              self.matrix(t), (width, height),
                              flags=cv2.INTER_NEAREST,
                              borderMode=cv2.BORDER_CONSTANT,
                              borderValue=0) > 0


# -- drawing ------------------------------------------------------------------------------
def _back_to_front(objects: Sequence[ObjectPlan]) -> list:
    return sorted(range(len(objects)), key=lambda i: objects[i].depth)


def render_masks(objects: Sequence[ObjectPlan], height: int, width: int,
                 num_frames: int) -> Tuple[np.ndarray, np.ndarray]:
    """``(T, H, W)`` uint8 map of the front object (index + 1) and ``(K, T, H, W)`` bool in-view masks."""
    label = np.zeros((num_frames, height, width), dtype=np.uint8)
    amodal = np.zeros((len(objects), num_frames, height, width), dtype=bool)
    order = _back_to_front(objects)
    for t in range(num_frames):
        for index in order:
            inside = objects[index].warp_mask(t, height, width)
            amodal[index, t] = inside
            label[t][inside] = index + 1
    return label, amodal


def render_frames(rng: np.random.Generator, objects: Sequence[ObjectPlan], height: int, width: int,
                  num_frames: int) -> np.ndarray:
    """``(T, H, W, 3)`` uint8 RGB frames: panning background, objects back to front, light noise."""
    margin = max(4, int(0.15 * max(height, width)))
    background = make_background(rng, height + 2 * margin, width + 2 * margin)
    pan = rng.uniform(-1.0, 1.0, 2) * margin / max(num_frames, 1)
    start = rng.uniform(-0.5, 0.5, 2) * margin
    gain = 1 + rng.uniform(-0.06, 0.06) * np.sin(np.arange(num_frames) * rng.uniform(0.2, 0.8))
    order = _back_to_front(objects)
    frames = np.zeros((num_frames, height, width, 3), dtype=np.uint8)
    for t in range(num_frames):
        shift = start + pan * t
        crop = np.array([[1, 0, margin + shift[0]], [0, 1, margin + shift[1]]], dtype=np.float64)
        frame = cv2.warpAffine(background,
                               crop, (width, height),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT)
        for index in order:
            mask = objects[index].warp_mask(t, height, width)
            texture = cv2.warpAffine(objects[index].texture,
                                     objects[index].matrix(t), (width, height),
                                     flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_REFLECT)
            frame[mask] = texture[mask]
        noisy = frame.astype(np.float32) * gain[t] + rng.normal(0, 2.0, frame.shape)
        frames[t] = np.clip(noisy, 0, 255).astype(np.uint8)
    return frames
