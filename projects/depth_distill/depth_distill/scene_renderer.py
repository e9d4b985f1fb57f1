"""Ray-cast a random scene of planes and primitives with exact per-pixel depth (numpy only).

The scene: a pinhole camera at the origin (x right, y down, z forward) with a
random pitch, a textured ground plane ``y = camera_height``, a textured back
wall ``z = wall_distance``, and a few spheres and axis-aligned boxes resting on
the ground. Every pixel's ray is intersected analytically with every surface;
the nearest hit gives the pixel's depth (its z coordinate in the camera frame,
as a depth sensor reports it) and its colour (texture x Lambert shading).
Depth is exact at pixel centres: there is no anti-aliasing and no noise on it.
"""
from typing import Tuple

import numpy as np

#: Ray parameters at or beyond this are "no hit".
_FAR = np.float64(1e9)


def _ray_directions(size: int, focal: float, pitch: float) -> np.ndarray:
    """World directions ``(H*W, 3)`` of rays through pixel centres, with camera-frame z component 1."""
    centre = (size - 1) / 2.0
    v, u = np.meshgrid(np.arange(size, dtype=np.float64), np.arange(size, dtype=np.float64), indexing='ij')
    cam = np.stack([(u - centre) / focal, (v - centre) / focal, np.ones_like(u)], axis=-1).reshape(-1, 3)
    c, s = np.cos(pitch), np.sin(pitch)
    rot = np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])  # about the x axis
    return cam @ rot.T  # (N, 3); the camera-frame depth of the point at parameter t is t


def _hit_plane(dirs: np.ndarray, axis: int, offset: float) -> np.ndarray:
    """Ray parameter where ``point[axis] == offset`` (``_FAR`` if behind or parallel)."""
    d = dirs[:, axis]
    with np.errstate(divide='ignore', invalid='ignore'):
        t = offset / d
    return np.where((np.abs(d) > 1e-12) & (t > 0), t, _FAR)


def _hit_sphere(dirs: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    """Nearest positive root of ``|t d - c|^2 = r^2`` (camera outside the sphere)."""
    a = np.einsum('nk,nk->n', dirs, dirs)
    b = -2.0 * dirs @ centre
    c = centre @ centre - radius**2
    disc = b * b - 4 * a * c
    root = np.sqrt(np.maximum(disc, 0.0))
    t = (-b - root) / (2 * a)
    return np.where((disc >= 0) & (t > 0), t, _FAR)


def _hit_box(dirs: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Slab test against an axis-aligned box: entry parameter and the axis of the entry face."""
    with np.errstate(divide='ignore', invalid='ignore'):
        t1 = lo[None] / dirs
        t2 = hi[None] / dirs
    t_near = np.where(np.isnan(t1), -np.inf, np.minimum(t1, t2))  # (N, 3)
    t_far = np.where(np.isnan(t1), np.inf, np.maximum(t1, t2))
    entry = t_near.max(1)
    hit = (entry <= t_far.min(1)) & (entry > 0)
    return np.where(hit, entry, _FAR), t_near.argmax(1)


def _value_noise(rng: np.random.Generator, cells: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Smooth texture in ``[0, 1]``: a random ``cells x cells`` grid, sampled bilinearly at ``(u, v)``."""
    grid = rng.random((cells + 1, cells + 1))
    x = np.mod(u, 1.0) * cells
    y = np.mod(v, 1.0) * cells
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    top = grid[y0, x0] * (1 - fx) + grid[y0, x0 + 1] * fx
    bottom = grid[y0 + 1, x0] * (1 - fx) + grid[y0 + 1, x0 + 1] * fx
    return top * (1 - fy) + bottom * fy


def render_scene(rng: np.random.Generator, size: int = 64) -> Tuple[np.ndarray, np.ndarray]:
    """Render one random scene.

    Args:
        rng: the only source of randomness (the same state gives the same scene).
        size: image side in pixels.

    Returns:
        ``image (size, size, 3) uint8`` (RGB) and ``depth (size, size) float32``
        in metres, every pixel > 0 (the back wall closes the scene).
    """
    focal = size * rng.uniform(0.8, 1.1)
    pitch = rng.uniform(-0.12, 0.12)
    cam_height = rng.uniform(1.0, 1.8)
    wall = rng.uniform(6.0, 12.0)
    dirs = _ray_directions(size, focal, pitch)  # (N, 3)
    n = dirs.shape[0]

    # surface 0: ground, 1: wall, 2..: primitives; normals per candidate
    t_all = [_hit_plane(dirs, 1, cam_height), _hit_plane(dirs, 2, wall)]
    normals = [np.broadcast_to([0.0, -1.0, 0.0], (n, 3)), np.broadcast_to([0.0, 0.0, -1.0], (n, 3))]
    albedo = [rng.uniform(0.3, 1.0, 3), rng.uniform(0.3, 1.0, 3)]
    for _ in range(rng.integers(1, 4)):  # spheres resting on the ground
        radius = rng.uniform(0.3, 0.9)
        z = rng.uniform(2.5, wall - radius)
        centre = np.array([rng.uniform(-0.45, 0.45) * z, cam_height - radius, z])
        t = _hit_sphere(dirs, centre, radius)
        point = dirs * np.where(t < _FAR, t, 0.0)[:, None]
        normals.append((point - centre) / radius)
        t_all.append(t)
        albedo.append(rng.uniform(0.2, 1.0, 3))
    for _ in range(rng.integers(0, 3)):  # boxes resting on the ground
        half = rng.uniform(0.25, 0.8, 3)
        z = rng.uniform(2.5, wall - half[2])
        centre = np.array([rng.uniform(-0.45, 0.45) * z, cam_height - half[1], z])
        t, axis = _hit_box(dirs, centre - half, centre + half)
        face = np.zeros((n, 3))
        face[np.arange(n), axis] = -np.sign(dirs[np.arange(n), axis])  # faces the camera
        normals.append(face)
        t_all.append(t)
        albedo.append(rng.uniform(0.2, 1.0, 3))

    t_all = np.stack(t_all)  # (S, N)
    nearest = t_all.argmin(0)  # (N,)
    depth = t_all[nearest, np.arange(n)]
    point = dirs * depth[:, None]  # (N, 3) hit points in world axes
    normal = np.stack(normals)[nearest, np.arange(n)]  # (N, 3)

    # textures in world coordinates: perspective cues for a monocular network
    texture = np.ones(n)
    ground = nearest == 0
    checker = (np.floor(point[:, 0] / 0.7) + np.floor(point[:, 2] / 0.7)) % 2
    texture[ground] = (0.55 + 0.45 * checker[ground]) * (
        0.8 + 0.2 * _value_noise(rng, 16, point[ground, 0] / 20.0, point[ground, 2] / 20.0))
    back = nearest == 1
    texture[back] = 0.5 + 0.5 * _value_noise(rng, 12, point[back, 0] / 12.0 + 0.5,
                                             point[back, 1] / 12.0 + 0.5)
    light = np.array([0.4, -0.8, -0.45])
    light /= np.linalg.norm(light)
    shade = 0.35 + 0.65 * np.clip(normal @ light, 0.0, 1.0)
    colour = np.stack(albedo)[nearest] * (texture * shade)[:, None]  # (N, 3)
    colour += rng.normal(0.0, 0.01, colour.shape)  # sensor noise on the image only
    image = np.clip(colour * 255.0, 0, 255).round().astype(np.uint8).reshape(size, size, 3)
    # depth along the optical axis: the camera-frame z of t * d_cam is t
    return image, depth.reshape(size, size).astype(np.float32)
