"""A synthetic VOS dataset in the DAVIS 2017 layout: textured shapes moving over textured backgrounds.

Each video has 1-4 objects (ellipses, rings, polygons, stars, rectangles,
blobs) with their own textures, under affine motion (translation, rotation,
anisotropic scale) with a scale change, drawn back to front over a panning
background. Videos are made so that objects occlude each other, leave the
view and come back, or first appear after frame 0.

Video ``i`` of a split has a *scenario* ``i % 4``: 0 = occlusion + late
appearance + re-entry, 1 = occlusion, 2 = late appearance, 3 = re-entry
(events that need more frames than the video has are dropped); other objects
get events at random. A video is redrawn until its scenario's events can be
seen in its masks, so the first video of each split already has all three
(given >= 3 frames).

Written files (``out_dir``)::

    JPEGImages/480p/<seq>/00000.jpg ...   (the folder keeps the DAVIS name at any size)
    Annotations/480p/<seq>/00000.png ...  palette PNGs, ground truth of every frame
    ImageSets/2017/train.txt, val.txt
    Meta/<seq>.json                       what the masks show: per object its per-frame visible
                                          and in-view (unoccluded) areas, first visible frame,
                                          frames out of view, re-entry; occlusions per pair
    Meta/dataset.json                     the arguments and the sequence lists

Object ids are chosen so that the largest id is visible in frame 0: the
official DAVIS evaluation counts objects ``1..max id of frame 0``, so it
then evaluates late objects too. Everything is a function of ``seed``: video
``i`` of a split depends on ``(seed, split, i)`` only, and the same arguments
give byte-identical files.
"""
import json
import os
import os.path as osp
import shutil
import time
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np

from mobilevos.utils.io import davis_palette, write_mask

GENERATOR_VERSION = 1
SHAPES = ('ellipse', 'ring', 'polygon', 'star', 'rectangle', 'blob')
TEXTURES = ('stripes', 'checker', 'noise', 'dots', 'gradient')
SCENARIOS = ('all', 'occlusion', 'late', 'reentry')
_SPRITE_RADIUS = 32  # shapes are drawn in a (2R+1)^2 sprite, then warped into the frame
_MAX_ATTEMPTS = 200


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
    radius = _SPRITE_RADIUS
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


# -- motion -------------------------------------------------------------------------------
class _ObjectPlan:
    """Shape, texture and per-frame affine pose of one object."""

    def __init__(self, rng: np.random.Generator, height: int, width: int, num_frames: int):
        self.shape_kind = str(rng.choice(SHAPES))
        self.texture_kind = str(rng.choice(TEXTURES))
        self.sprite = make_shape(rng, self.shape_kind)
        self.texture = make_texture(rng, *self.sprite.shape, self.texture_kind)
        ys, xs = np.nonzero(self.sprite)
        self.sprite_extent = float(np.max(np.hypot(ys - _SPRITE_RADIUS, xs - _SPRITE_RADIUS))) + 1.0
        side = min(height, width)
        base = rng.uniform(0.14, 0.26) * side / _SPRITE_RADIUS
        growth = rng.uniform(-0.04, 0.04)
        times = np.arange(num_frames)
        self.scale = base * np.exp(growth * times)  # (T,) sprite px -> frame px
        self.aspect = rng.uniform(0.8, 1.2)
        self.angle = rng.uniform(0, 2 * np.pi) + rng.uniform(-0.15, 0.15) * times
        self.role = 'plain'
        self.position = np.zeros((num_frames, 2))  # (T, 2) centre (x, y)

    def extent(self, t: int) -> float:
        """Radius in frame pixels of the circle holding the object at frame ``t``."""
        return self.sprite_extent * self.scale[t] * max(self.aspect, 1.0)

    def matrix(self, t: int) -> np.ndarray:
        """``(2, 3)`` affine map from sprite to frame coordinates at frame ``t``."""
        cos, sin = np.cos(self.angle[t]), np.sin(self.angle[t])
        linear = self.scale[t] * np.array([[cos, -sin], [sin, cos]]) @ np.diag([self.aspect, 1.0])
        offset = self.position[t] - linear @ np.array([_SPRITE_RADIUS, _SPRITE_RADIUS], dtype=np.float64)
        return np.concatenate([linear, offset[:, None]], axis=1)


def _interpolate(keys: List[Tuple[int, np.ndarray]], num_frames: int) -> np.ndarray:
    times = np.array([k for k, _ in keys], dtype=np.float64)
    points = np.stack([p for _, p in keys])
    t = np.arange(num_frames)
    return np.stack([np.interp(t, times, points[:, 0]), np.interp(t, times, points[:, 1])], axis=1)


def _side_point(rng: np.random.Generator, side: int, depth: float, height: int, width: int) -> np.ndarray:
    """A point ``depth`` px inside (negative: outside) of image side 0..3 = left, right, top, bottom."""
    if side in (0, 1):
        y = rng.uniform(0.25, 0.75) * height
        x = depth if side == 0 else width - 1 - depth
    else:
        x = rng.uniform(0.25, 0.75) * width
        y = depth if side == 2 else height - 1 - depth
    return np.array([x, y])


def _inside_point(rng: np.random.Generator, margin: float, height: int, width: int) -> np.ndarray:
    low_x, high_x = min(margin, width / 2), max(width - 1 - margin, width / 2)
    low_y, high_y = min(margin, height / 2), max(height - 1 - margin, height / 2)
    return np.array([rng.uniform(low_x, high_x), rng.uniform(low_y, high_y)])


def _plan_plain(obj: _ObjectPlan, rng: np.random.Generator, height: int, width: int, num_frames: int) -> None:
    start = _inside_point(rng, obj.extent(0) * 0.8, height, width)
    speed = rng.uniform(0.3, 0.35 * min(height, width) / max(num_frames - 1, 1) + 0.5)
    heading = rng.uniform(0, 2 * np.pi)
    velocity = speed * np.array([np.cos(heading), np.sin(heading)])
    obj.position = start + velocity * np.arange(num_frames)[:, None]


def _plan_late(obj: _ObjectPlan, rng: np.random.Generator, height: int, width: int, num_frames: int,
               first: int) -> None:
    side = int(rng.integers(4))
    entry = _side_point(rng, side, 0.3 * obj.extent(first), height, width)
    outside = _side_point(rng, side, -(obj.extent(max(first - 1, 0)) + 2), height, width)
    outside[1 - side // 2] = entry[1 - side // 2]
    inward = entry - outside
    inward = inward / max(np.linalg.norm(inward), 1e-6)
    final = entry + inward * rng.uniform(0.5, 2.0) * (num_frames - 1 - first)
    keys = [(0, outside), (first - 1, outside), (first, entry)]
    if first < num_frames - 1:
        keys.append((num_frames - 1, final))
    obj.position = _interpolate(keys if first > 1 else keys[1:], num_frames)


def _plan_reentry(obj: _ObjectPlan, rng: np.random.Generator, height: int, width: int, num_frames: int,
                  exit_frame: int, back_frame: int) -> None:
    side = int(rng.integers(4))
    extent0 = obj.extent(0)
    start = _side_point(rng, side, extent0 * rng.uniform(0.9, 1.3), height, width)
    away = max(obj.extent(t) for t in range(exit_frame, back_frame)) + 2
    outside = _side_point(rng, side, -away, height, width)
    outside[1 - side // 2] = start[1 - side // 2]
    back = _side_point(rng, side, 0.3 * obj.extent(back_frame), height, width)
    keys = [(0, start), (exit_frame, outside), (back_frame - 1, outside), (back_frame, back)]
    if back_frame < num_frames - 1:
        inward = back - outside
        inward = inward / max(np.linalg.norm(inward), 1e-6)
        keys.append((num_frames - 1, back + inward * rng.uniform(0.5, 2.0) * (num_frames - 1 - back_frame)))
    if exit_frame == back_frame - 1:
        keys = [keys[0], keys[1], keys[3]] + keys[4:]
    obj.position = _interpolate(keys, num_frames)


def _plan_occluder(front: _ObjectPlan, back: _ObjectPlan, rng: np.random.Generator, height: int, width: int,
                   num_frames: int, frame: int) -> None:
    heading = rng.uniform(0, 2 * np.pi)
    offset = rng.uniform(0.3, 0.8) * back.extent(frame) * np.array([np.cos(heading), np.sin(heading)])
    target = back.position[frame] + offset
    speed = rng.uniform(0.3, 0.25 * min(height, width) / max(num_frames - 1, 1) + 0.5)
    heading = rng.uniform(0, 2 * np.pi)
    velocity = speed * np.array([np.cos(heading), np.sin(heading)])
    front.position = target + velocity * (np.arange(num_frames) - frame)[:, None]


# -- one video ----------------------------------------------------------------------------
def _scenario_events(scenario: str, num_frames: int) -> Dict[str, bool]:
    wanted = {
        'occlusion': scenario in ('all', 'occlusion'),
        'late': scenario in ('all', 'late'),
        'reentry': scenario in ('all', 'reentry'),
    }
    wanted['late'] &= num_frames >= 2
    wanted['reentry'] &= num_frames >= 3
    return wanted


def _draw_plans(rng: np.random.Generator, height: int, width: int, num_frames: int,
                wanted: Dict[str, bool]) -> Tuple[List[_ObjectPlan], Optional[Tuple[int, int, int]]]:
    """Objects with their poses; returns them in depth order (back first) and the planned occlusion."""
    # Roles needed: a re-entering object, a late one, a plain occluder; plus a frame-0 object when the
    # late one would be alone, and an object to occlude when the occluder would be alone.
    minimum = int(wanted['reentry']) + int(wanted['late']) + int(wanted['occlusion'])
    if wanted['late'] and not (wanted['reentry'] or wanted['occlusion']):
        minimum += 1
    if wanted['occlusion'] and minimum == 1:
        minimum += 1
    minimum = max(1, minimum)
    count = int(rng.integers(minimum, 5))
    objects = [_ObjectPlan(rng, height, width, num_frames) for _ in range(count)]
    late_latest = max(1, (num_frames - 1) // 2)
    roles = ['plain'] * count
    slot = 0
    if wanted['reentry']:
        roles[slot] = 'reentry'
        slot += 1
    if wanted['late']:
        roles[slot] = 'late'
        slot += 1
    for index in range(slot, count):  # random extra events; keep a plain object for occlusions
        if wanted['occlusion'] and index == count - 1:
            break
        draw = rng.random()
        if draw < 0.2 and num_frames >= 2:
            roles[index] = 'late'
        elif draw < 0.4 and num_frames >= 3:
            roles[index] = 'reentry'
    if all(role == 'late' for role in roles):
        roles[-1] = 'plain'
    for obj, role in zip(objects, roles):
        obj.role = role
        if role == 'late':
            obj.first_frame = int(rng.integers(1, late_latest + 1))
            _plan_late(obj, rng, height, width, num_frames, obj.first_frame)
        elif role == 'reentry':
            exit_frame = int(rng.integers(1, num_frames - 1))
            back_frame = int(rng.integers(exit_frame + 1, min(num_frames - 1, exit_frame + 3) + 1))
            _plan_reentry(obj, rng, height, width, num_frames, exit_frame, back_frame)
        else:
            _plan_plain(obj, rng, height, width, num_frames)
    occlusion = None
    if wanted['occlusion']:
        front = count - 1  # plain by construction
        back = int(rng.integers(0, count - 1))
        visible = [t for t in range(num_frames) if _planned_visible(objects[back], t, height, width)]
        later = [t for t in visible if t > 0] or visible
        frame = int(rng.choice(later)) if later else 0
        _plan_occluder(objects[front], objects[back], rng, height, width, num_frames, frame)
        occlusion = (front, back, frame)
    depth = rng.permutation(count)
    if occlusion is not None and depth[occlusion[0]] < depth[occlusion[1]]:
        depth[occlusion[0]], depth[occlusion[1]] = depth[occlusion[1]], depth[occlusion[0]]
    for obj, level in zip(objects, depth):
        obj.depth = int(level)
    return objects, occlusion


def _planned_visible(obj: _ObjectPlan, t: int, height: int, width: int) -> bool:
    x, y = obj.position[t]
    margin = 0.3 * obj.extent(t)
    return margin <= x <= width - 1 - margin and margin <= y <= height - 1 - margin


def _render_masks(objects: Sequence[_ObjectPlan], height: int, width: int,
                  num_frames: int) -> Tuple[np.ndarray, np.ndarray]:
    """``(T, H, W)`` uint8 map of the front object (index + 1) and ``(K, T, H, W)`` bool in-view masks."""
    order = sorted(range(len(objects)), key=lambda i: objects[i].depth)
    label = np.zeros((num_frames, height, width), dtype=np.uint8)
    amodal = np.zeros((len(objects), num_frames, height, width), dtype=bool)
    for t in range(num_frames):
        for index in order:
            warped = cv2.warpAffine(objects[index].sprite,
                                    objects[index].matrix(t), (width, height),
                                    flags=cv2.INTER_NEAREST,
                                    borderMode=cv2.BORDER_CONSTANT,
                                    borderValue=0)
            inside = warped > 0
            amodal[index, t] = inside
            label[t][inside] = index + 1
    return label, amodal


def _analyse(label: np.ndarray, amodal: np.ndarray, min_area: int) -> dict:
    """Facts about each object and each occluding pair, from the rendered masks."""
    count, num_frames = amodal.shape[:2]
    visible = np.stack([(label == index + 1).reshape(num_frames, -1).sum(1) for index in range(count)])
    in_view = amodal.reshape(count, num_frames, -1).sum(2)
    facts = {'visible': visible, 'in_view': in_view, 'occlusions': []}
    for front in range(count):
        for back in range(count):
            if front == back:
                continue
            covered = (amodal[back] & (label == front + 1)).reshape(num_frames, -1).sum(1)
            frames = [
                t for t in range(num_frames)
                if covered[t] >= max(4, 0.1 * in_view[back, t]) and visible[back, t] >= min_area
            ]
            if frames:
                facts['occlusions'].append((front, back, frames, covered))
    return facts


def _events(facts: dict, objects: Sequence[_ObjectPlan], min_area: int) -> Tuple[dict, List[dict]]:
    visible, in_view = facts['visible'], facts['in_view']
    per_object = []
    for index, obj in enumerate(objects):
        seen = np.flatnonzero(visible[index] >= min_area)
        present = np.flatnonzero(visible[index] > 0)
        first = int(present[0]) if present.size else -1
        out_of_view = [int(t) for t in np.flatnonzero(in_view[index] == 0) if first >= 0 and t > first]
        reentry = any(t > first and visible[index, t] == 0 and seen.size and seen.max() > t
                      for t in out_of_view)
        first_ok = bool(first == 0 and visible[index, 0] >= max(min_area, 0.5 * in_view[index, 0]))
        per_object.append({
            'index': index,
            'first_visible_frame': first,
            'late': first > 0,
            'reenters': bool(reentry),
            'out_of_view_frames': out_of_view,
            'visible_at_first_frame_ok': first_ok,
            'late_entry_ok': bool(first > 0 and visible[index, first] >= min_area),
        })
    events = {
        'occlusion': bool(facts['occlusions']),
        'late_appearance': any(o['late'] and o['late_entry_ok'] for o in per_object),
        'reentry': any(o['reenters'] for o in per_object),
    }
    return events, per_object


def _acceptable(objects: Sequence[_ObjectPlan], facts: dict, wanted: Dict[str, bool], min_area: int) -> bool:
    events, per_object = _events(facts, objects, min_area)
    if wanted['occlusion'] and not events['occlusion']:
        return False
    if wanted['late'] and not events['late_appearance']:
        return False
    if wanted['reentry'] and not events['reentry']:
        return False
    for obj, info in zip(objects, per_object):
        if info['first_visible_frame'] < 0:
            return False  # never visible
        if info['first_visible_frame'] == 0 and not info['visible_at_first_frame_ok']:
            return False  # frame-0 objects need a usable first mask
        if info['first_visible_frame'] > 0 and not info['late_entry_ok']:
            return False
    return any(info['first_visible_frame'] == 0 for info in per_object)


def _render_frames(rng: np.random.Generator, objects: Sequence[_ObjectPlan], height: int, width: int,
                   num_frames: int) -> np.ndarray:
    """``(T, H, W, 3)`` uint8 RGB frames: panning background, objects back to front, light noise."""
    margin = max(4, int(0.15 * max(height, width)))
    background = make_background(rng, height + 2 * margin, width + 2 * margin)
    pan = rng.uniform(-1.0, 1.0, 2) * margin / max(num_frames, 1)
    start = rng.uniform(-0.5, 0.5, 2) * margin
    gain = 1 + rng.uniform(-0.06, 0.06) * np.sin(np.arange(num_frames) * rng.uniform(0.2, 0.8))
    order = sorted(range(len(objects)), key=lambda i: objects[i].depth)
    frames = np.zeros((num_frames, height, width, 3), dtype=np.uint8)
    for t in range(num_frames):
        shift = start + pan * t
        crop = np.array([[1, 0, margin + shift[0]], [0, 1, margin + shift[1]]], dtype=np.float64)
        frame = cv2.warpAffine(background,
                               crop, (width, height),
                               flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                               borderMode=cv2.BORDER_REFLECT)
        for index in order:
            matrix = objects[index].matrix(t)
            mask = cv2.warpAffine(objects[index].sprite,
                                  matrix, (width, height),
                                  flags=cv2.INTER_NEAREST,
                                  borderMode=cv2.BORDER_CONSTANT,
                                  borderValue=0) > 0
            texture = cv2.warpAffine(objects[index].texture,
                                     matrix, (width, height),
                                     flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_REFLECT)
            frame[mask] = texture[mask]
        noisy = frame.astype(np.float32) * gain[t] + rng.normal(0, 2.0, frame.shape)
        frames[t] = np.clip(noisy, 0, 255).astype(np.uint8)
    return frames


def generate_video(seed: int, split: str, index: int, num_frames: int,
                   size: Tuple[int, int]) -> Tuple[np.ndarray, np.ndarray, dict]:
    """Make one synthetic video.

    Args:
        seed: dataset seed.
        split: ``'train'`` or ``'val'`` (part of the random stream).
        index: video index in its split; the scenario is ``SCENARIOS[index % 4]``.
        num_frames: ``T >= 1``.
        size: ``(H, W)``, each >= 16.

    Returns:
        ``(frames, masks, meta)``: ``(T, H, W, 3)`` uint8 RGB frames,
        ``(T, H, W)`` uint8 id masks and the JSON-ready metadata (without
        the video name).

    Raises:
        RuntimeError: no draw showed the scenario's events (not expected).
    """
    height, width = size
    rng = np.random.default_rng([seed, 0 if split == 'train' else 1, index])
    scenario = SCENARIOS[index % len(SCENARIOS)]
    wanted = _scenario_events(scenario, num_frames)
    min_area = max(6, int(0.004 * height * width))
    for _ in range(_MAX_ATTEMPTS):
        objects, _ = _draw_plans(rng, height, width, num_frames, wanted)
        label, amodal = _render_masks(objects, height, width, num_frames)
        facts = _analyse(label, amodal, min_area)
        if _acceptable(objects, facts, wanted, min_area):
            break
    else:
        raise RuntimeError(f'synthetic video {split} {index}: no draw in {_MAX_ATTEMPTS} showed {wanted}')

    # Ids: a random order in which the largest id is visible in frame 0.
    count = len(objects)
    ids = rng.permutation(count) + 1
    on_first = [i for i in range(count) if facts['visible'][i, 0] > 0]
    top = int(np.argmax(ids))
    if top not in on_first:
        swap = on_first[int(rng.integers(len(on_first)))]
        ids[top], ids[swap] = ids[swap], ids[top]
    lookup = np.concatenate([[0], ids]).astype(np.uint8)
    masks = lookup[label]
    frames = _render_frames(rng, objects, height, width, num_frames)

    events, per_object = _events(facts, objects, min_area)
    object_meta = []
    for obj, info in sorted(zip(objects, per_object), key=lambda pair: ids[pair[1]['index']]):
        index = info['index']
        object_meta.append({
            'id': int(ids[index]),
            'shape': obj.shape_kind,
            'texture': obj.texture_kind,
            'depth': obj.depth,
            'planned_role': obj.role,
            'first_visible_frame': info['first_visible_frame'],
            'late': info['late'],
            'reenters': info['reenters'],
            'out_of_view_frames': info['out_of_view_frames'],
            'visible_area': facts['visible'][index].astype(int).tolist(),
            'in_view_area': facts['in_view'][index].astype(int).tolist(),
        })
    occlusions = [{
        'front': int(ids[front]),
        'back': int(ids[back]),
        'frames': [int(t) for t in frames_],
        'occluded_pixels': [int(covered[t]) for t in frames_],
    } for front, back, frames_, covered in facts['occlusions']]
    meta = {
        'scenario': scenario,
        'num_frames': num_frames,
        'size': [height, width],
        'min_area': min_area,
        'events': events,
        'objects': object_meta,
        'occlusions': occlusions,
    }
    return frames, masks, meta


# -- dataset ------------------------------------------------------------------------------
def _write_jpeg(path: str, rgb: np.ndarray, quality: int = 92) -> None:
    ok, data = cv2.imencode('.jpg', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise OSError(f'cannot encode frame {path}')
    with open(path, 'wb') as handle:
        handle.write(data.tobytes())


def _write_json(path: str, data: dict) -> None:
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.write('\n')


def _dataset_config(num_videos: int, num_frames: int, size: Tuple[int, int], seed: int,
                    num_val_videos: int) -> dict:
    return {
        'generator': 'mobilevos.datasets.synthetic',
        'version': GENERATOR_VERSION,
        'num_videos': num_videos,
        'num_val_videos': num_val_videos,
        'num_frames': num_frames,
        'size': [int(size[0]), int(size[1])],
        'seed': seed,
    }


def _video_names(split: str, count: int) -> List[str]:
    return [f'syn-{split}-{index:04d}' for index in range(count)]


def make_synthetic_davis(out_dir: str,
                         num_videos: int = 300,
                         num_frames: int = 10,
                         size: Tuple[int, int] = (96, 96),
                         seed: int = 0,
                         num_val_videos: Optional[int] = None,
                         overwrite: bool = False,
                         progress: bool = False) -> dict:
    """Write a synthetic dataset in the DAVIS 2017 layout (see the module docstring).

    Args:
        out_dir: output folder; created. It must not already hold a dataset
            unless ``overwrite`` (which only replaces a folder that holds a
            synthetic dataset made here).
        num_videos: number of train videos (>= 1).
        num_frames: frames per video (>= 1; late appearance needs 2, re-entry 3).
        size: ``(H, W)`` of the frames, each >= 16.
        seed: random seed; the same arguments give byte-identical files.
        num_val_videos: number of val videos; default ``max(1, num_videos // 10)``.
        overwrite: replace a synthetic dataset already in ``out_dir``.
        progress: show a tqdm progress bar.

    Returns:
        ``dict(out_dir, config, train, val, events, seconds)``: the dataset
        config written in ``Meta/dataset.json``, the sequence names per
        split, how many videos show each event, and the time taken.

    Raises:
        ValueError: bad arguments.
        FileExistsError: ``out_dir`` holds files and ``overwrite`` is off, or it
            holds something other than a synthetic dataset.
    """
    height, width = (int(size[0]), int(size[1]))
    if num_videos < 1 or num_frames < 1 or height < 16 or width < 16:
        raise ValueError(
            f'make_synthetic_davis needs num_videos >= 1, num_frames >= 1 and a size of at least '
            f'16x16; got num_videos={num_videos}, num_frames={num_frames}, size={size}')
    num_val_videos = max(1, num_videos // 10) if num_val_videos is None else int(num_val_videos)
    if num_val_videos < 0:
        raise ValueError(f'num_val_videos must be >= 0, got {num_val_videos}')
    marker = osp.join(out_dir, 'Meta', 'dataset.json')
    if osp.isdir(out_dir) and os.listdir(out_dir):
        if not overwrite:
            raise FileExistsError(f'{out_dir} is not empty; pass overwrite=True (--overwrite) to replace a '
                                  'synthetic dataset there')
        if not osp.isfile(marker):
            raise FileExistsError(
                f'{out_dir} is not empty and holds no synthetic dataset ({marker} is missing); '
                'refusing to overwrite it')
        for sub in ('JPEGImages', 'Annotations', 'ImageSets', 'Meta'):
            shutil.rmtree(osp.join(out_dir, sub), ignore_errors=True)

    started = time.perf_counter()
    config = _dataset_config(num_videos, num_frames, (height, width), seed, num_val_videos)
    splits = {'train': _video_names('train', num_videos), 'val': _video_names('val', num_val_videos)}
    palette = davis_palette()
    jobs = [(split, index, name) for split, names in splits.items() for index, name in enumerate(names)]
    iterator = jobs
    if progress:
        from tqdm import tqdm
        iterator = tqdm(jobs, desc='synthetic videos', unit='video')
    os.makedirs(osp.join(out_dir, 'Meta'), exist_ok=True)
    counts = {'occlusion': 0, 'late_appearance': 0, 'reentry': 0}
    for split, index, name in iterator:
        frames, masks, meta = generate_video(seed, split, index, num_frames, (height, width))
        frame_dir = osp.join(out_dir, 'JPEGImages', '480p', name)
        mask_dir = osp.join(out_dir, 'Annotations', '480p', name)
        os.makedirs(frame_dir, exist_ok=True)
        os.makedirs(mask_dir, exist_ok=True)
        for t in range(num_frames):
            _write_jpeg(osp.join(frame_dir, f'{t:05d}.jpg'), frames[t])
            write_mask(osp.join(mask_dir, f'{t:05d}.png'), masks[t], palette)
        _write_json(osp.join(out_dir, 'Meta', f'{name}.json'), dict(meta, video=name, split=split))
        for key in counts:
            counts[key] += int(meta['events'][key])
    os.makedirs(osp.join(out_dir, 'ImageSets', '2017'), exist_ok=True)
    for split, names in splits.items():
        with open(osp.join(out_dir, 'ImageSets', '2017', f'{split}.txt'), 'w', encoding='utf-8') as handle:
            handle.write(''.join(f'{n}\n' for n in names))
    _write_json(marker, dict(config, train=splits['train'], val=splits['val'], events=counts))
    return dict(out_dir=out_dir,
                config=config,
                train=splits['train'],
                val=splits['val'],
                events=counts,
                seconds=time.perf_counter() - started)


def ensure_synthetic_davis(out_dir: str,
                           num_videos: int = 300,
                           num_frames: int = 10,
                           size: Tuple[int, int] = (96, 96),
                           seed: int = 0,
                           num_val_videos: Optional[int] = None,
                           progress: bool = False) -> dict:
    """Make the synthetic dataset in ``out_dir`` unless the same one is already there.

    The dataset is written to a temporary sibling folder and renamed into
    place, so concurrent callers and interrupted runs never leave a partial
    dataset at ``out_dir``.

    Returns:
        The summary of :func:`make_synthetic_davis` (``seconds`` is 0 when the
        dataset was already there).

    Raises:
        FileExistsError: ``out_dir`` holds a dataset made with other arguments
            or something else.
    """
    num_val_videos = max(1, num_videos // 10) if num_val_videos is None else int(num_val_videos)
    wanted = _dataset_config(num_videos, num_frames, size, seed, num_val_videos)
    marker = osp.join(out_dir, 'Meta', 'dataset.json')
    if osp.isdir(out_dir) and os.listdir(out_dir):
        if not osp.isfile(marker):
            raise FileExistsError(f'{out_dir} exists but holds no synthetic dataset ({marker} is missing)')
        with open(marker, encoding='utf-8') as handle:
            found = json.load(handle)
        if {k: found.get(k) for k in wanted} != wanted:
            raise FileExistsError(
                f'{out_dir} holds a synthetic dataset made with {found.get("num_videos")} videos, '
                f'{found.get("num_frames")} frames, size {found.get("size")}, seed '
                f'{found.get("seed")}; asked for {wanted}. Remove it or choose another folder')
        return dict(out_dir=out_dir,
                    config=wanted,
                    train=found['train'],
                    val=found['val'],
                    events=found['events'],
                    seconds=0.0)
    parent = osp.dirname(osp.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    staging = osp.join(parent, f'.{osp.basename(osp.abspath(out_dir))}.tmp-{os.getpid()}')
    shutil.rmtree(staging, ignore_errors=True)
    summary = make_synthetic_davis(staging,
                                   num_videos,
                                   num_frames,
                                   size,
                                   seed,
                                   num_val_videos,
                                   progress=progress)
    try:
        if osp.isdir(out_dir) and not os.listdir(out_dir):
            os.rmdir(out_dir)
        os.rename(staging, out_dir)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if osp.isfile(marker):  # another process finished first
            return ensure_synthetic_davis(out_dir, num_videos, num_frames, size, seed, num_val_videos)
        raise
    summary['out_dir'] = out_dir
    return summary
