"""Scenario planning of one synthetic video: objects, their motion, a check that the masks show the events.

Video ``i`` of a split has a *scenario* ``i % 4`` (:data:`SCENARIOS`): 0 =
occlusion + late appearance + re-entry, 1 = occlusion, 2 = late appearance,
3 = re-entry (events that need more frames than the video has are dropped);
other objects get events at random. A draw of objects and motions is
rendered to masks and analysed; the video is redrawn until its scenario's
events can be seen in the masks (:func:`generate_video`).
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

from .sprites import ObjectPlan, render_frames, render_masks

SCENARIOS = ('all', 'occlusion', 'late', 'reentry')
_MAX_ATTEMPTS = 200


# -- motion -------------------------------------------------------------------------------
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


def _plan_plain(obj: ObjectPlan, rng: np.random.Generator, height: int, width: int, num_frames: int) -> None:
    start = _inside_point(rng, obj.extent(0) * 0.8, height, width)
    speed = rng.uniform(0.3, 0.35 * min(height, width) / max(num_frames - 1, 1) + 0.5)
    heading = rng.uniform(0, 2 * np.pi)
    velocity = speed * np.array([np.cos(heading), np.sin(heading)])
    obj.position = start + velocity * np.arange(num_frames)[:, None]


def _plan_late(obj: ObjectPlan, rng: np.random.Generator, height: int, width: int, num_frames: int,
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


def _plan_reentry(obj: ObjectPlan, rng: np.random.Generator, height: int, width: int, num_frames: int,
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


def _plan_occluder(front: ObjectPlan, back: ObjectPlan, rng: np.random.Generator, height: int, width: int,
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
                wanted: Dict[str, bool]) -> List[ObjectPlan]:
    """Objects with their roles, poses and depths (an occluder is in front of the object it occludes)."""
    # Roles needed: a re-entering object, a late one, a plain occluder; plus a frame-0 object when the
    # late one would be alone, and an object to occlude when the occluder would be alone.
    minimum = int(wanted['reentry']) + int(wanted['late']) + int(wanted['occlusion'])
    if wanted['late'] and not (wanted['reentry'] or wanted['occlusion']):
        minimum += 1
    if wanted['occlusion'] and minimum == 1:
        minimum += 1
    minimum = max(1, minimum)
    count = int(rng.integers(minimum, 5))
    objects = [ObjectPlan(rng, height, width, num_frames) for _ in range(count)]
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
            first = int(rng.integers(1, late_latest + 1))
            _plan_late(obj, rng, height, width, num_frames, first)
        elif role == 'reentry':
            exit_frame = int(rng.integers(1, num_frames - 1))
            back_frame = int(rng.integers(exit_frame + 1, min(num_frames - 1, exit_frame + 3) + 1))
            _plan_reentry(obj, rng, height, width, num_frames, exit_frame, back_frame)
        else:
            _plan_plain(obj, rng, height, width, num_frames)
    front = back = None
    if wanted['occlusion']:
        front = count - 1  # plain by construction
        back = int(rng.integers(0, count - 1))
        visible = [t for t in range(num_frames) if _planned_visible(objects[back], t, height, width)]
        later = [t for t in visible if t > 0] or visible
        frame = int(rng.choice(later)) if later else 0
        _plan_occluder(objects[front], objects[back], rng, height, width, num_frames, frame)
    depth = rng.permutation(count)
    if front is not None and depth[front] < depth[back]:
        depth[front], depth[back] = depth[back], depth[front]
    for obj, level in zip(objects, depth):
        obj.depth = int(level)
    return objects


def _planned_visible(obj: ObjectPlan, t: int, height: int, width: int) -> bool:
    x, y = obj.position[t]
    margin = 0.3 * obj.extent(t)
    return margin <= x <= width - 1 - margin and margin <= y <= height - 1 - margin


def _analyse(label: np.ndarray, amodal: np.ndarray, min_area: int) -> dict:
    """Facts about each object and each occluding pair, from the rendered masks.

    Args:
        label: ``(T, H, W)`` uint8, the front object's index + 1 per pixel (0 = background).
        amodal: ``(K, T, H, W)`` bool, each object's pixels ignoring the others.
        min_area: pixels an object needs to count as seen.

    Returns:
        ``dict(visible, in_view, occlusions)``: ``(K, T)`` visible and in-view
        areas, and ``(front, back, frames, covered)`` per occluding pair.
    """
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


def _events(facts: dict, min_area: int) -> Tuple[dict, List[dict]]:
    """The video's events (occlusion, late appearance, re-entry) and what each object does."""
    visible, in_view = facts['visible'], facts['in_view']
    per_object = []
    for index in range(len(visible)):
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


def _acceptable(events: dict, per_object: Sequence[dict], wanted: Dict[str, bool]) -> bool:
    """Whether the masks show the wanted events, every object is usable and one is in frame 0."""
    if wanted['occlusion'] and not events['occlusion']:
        return False
    if wanted['late'] and not events['late_appearance']:
        return False
    if wanted['reentry'] and not events['reentry']:
        return False
    for info in per_object:
        if info['first_visible_frame'] < 0:
            return False  # never visible
        if info['first_visible_frame'] == 0 and not info['visible_at_first_frame_ok']:
            return False  # frame-0 objects need a usable first mask
        if info['first_visible_frame'] > 0 and not info['late_entry_ok']:
            return False
    return any(info['first_visible_frame'] == 0 for info in per_object)


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
        objects = _draw_plans(rng, height, width, num_frames, wanted)
        label, amodal = render_masks(objects, height, width, num_frames)
        facts = _analyse(label, amodal, min_area)
        events, per_object = _events(facts, min_area)
        if _acceptable(events, per_object, wanted):
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
    frames = render_frames(rng, objects, height, width, num_frames)

    object_meta = []
    for obj, info in sorted(zip(objects, per_object), key=lambda pair: ids[pair[1]['index']]):
        k = info['index']
        object_meta.append({
            'id': int(ids[k]),
            'shape': obj.shape_kind,
            'texture': obj.texture_kind,
            'depth': obj.depth,
            'planned_role': obj.role,
            'first_visible_frame': info['first_visible_frame'],
            'late': info['late'],
            'reenters': info['reenters'],
            'out_of_view_frames': info['out_of_view_frames'],
            'visible_area': facts['visible'][k].astype(int).tolist(),
            'in_view_area': facts['in_view'][k].astype(int).tolist(),
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
