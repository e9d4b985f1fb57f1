"""Augmentations of training clips (STCN's recipe), registered in ``TRANSFORMS``.

Every transform takes and returns a ``results`` dict holding

- ``frames``: list of ``T`` arrays ``(H, W, 3)`` uint8 RGB;
- ``masks``: list of ``T`` arrays ``(H, W)`` uint8 object ids (0 background,
  ``1..K`` objects, 255 ignored).

"Clip" transforms draw one set of random parameters for the whole clip;
"frame" transforms draw new ones for each frame. Randomness comes from numpy's
global generator, which mmengine seeds per worker.
"""
from typing import List, Sequence, Tuple, Union

import cv2
import numpy as np

from mobilevos.registry import TRANSFORMS

IGNORE = 255


def _as_pair(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    if isinstance(size, int):
        return size, size
    height, width = size
    return int(height), int(width)


@TRANSFORMS.register_module()
class ClipRandomResizedCrop:
    """Crop the same random window from every frame and resize it to ``size``.

    The window covers a ``scale`` fraction of the frame area with an aspect
    ratio in ``ratio``. Up to ``max_attempts`` windows are tried until every
    object of the first frame keeps at least ``min_object_pixels`` pixels.

    Args:
        size: output ``(height, width)`` or one int for a square.
        scale: range of the window's area as a fraction of the frame's.
        ratio: range of the window's width / height.
        min_object_pixels: pixels each first-frame object must keep.
        max_attempts: windows tried before the last one is taken anyway.
    """

    def __init__(self,
                 size: Union[int, Sequence[int]] = 384,
                 scale: Tuple[float, float] = (0.25, 1.0),
                 ratio: Tuple[float, float] = (3 / 4, 4 / 3),
                 min_object_pixels: int = 16,
                 max_attempts: int = 10):
        self.size = _as_pair(size)
        self.scale = scale
        self.ratio = ratio
        self.min_object_pixels = min_object_pixels
        self.max_attempts = max_attempts

    def _random_window(self, height: int, width: int) -> Tuple[int, int, int, int]:
        area = height * width
        for _ in range(10):
            target_area = area * np.random.uniform(*self.scale)
            log_ratio = np.log(self.ratio)
            aspect = np.exp(np.random.uniform(*log_ratio))
            w = int(round(np.sqrt(target_area * aspect)))
            h = int(round(np.sqrt(target_area / aspect)))
            if 0 < w <= width and 0 < h <= height:
                top = np.random.randint(0, height - h + 1)
                left = np.random.randint(0, width - w + 1)
                return top, left, h, w
        return 0, 0, height, width  # fall back to the whole frame

    def _keeps_objects(self, first_mask: np.ndarray, window: Tuple[int, int, int, int]) -> bool:
        top, left, h, w = window
        ids = [i for i in np.unique(first_mask) if i not in (0, IGNORE)]
        crop = first_mask[top:top + h, left:left + w]
        return all((crop == i).sum() >= self.min_object_pixels for i in ids)

    def __call__(self, results: dict) -> dict:
        height, width = results['masks'][0].shape
        window = self._random_window(height, width)
        for _ in range(self.max_attempts - 1):
            if self._keeps_objects(results['masks'][0], window):
                break
            window = self._random_window(height, width)
        top, left, h, w = window
        out_h, out_w = self.size
        results['frames'] = [
            cv2.resize(f[top:top + h, left:left + w], (out_w, out_h), interpolation=cv2.INTER_LINEAR)
            for f in results['frames']
        ]
        results['masks'] = [
            cv2.resize(m[top:top + h, left:left + w], (out_w, out_h), interpolation=cv2.INTER_NEAREST)
            for m in results['masks']
        ]
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(size={self.size}, scale={self.scale}, ratio={self.ratio})'


@TRANSFORMS.register_module()
class ClipResize:
    """Resize every frame (bilinear) and mask (nearest) to ``size``.

    Args:
        size: output ``(height, width)`` or one int for a square.
    """

    def __init__(self, size: Union[int, Sequence[int]]):
        self.size = _as_pair(size)

    def __call__(self, results: dict) -> dict:
        out_h, out_w = self.size
        results['frames'] = [cv2.resize(f, (out_w, out_h), interpolation=cv2.INTER_LINEAR) for f in results['frames']]
        results['masks'] = [cv2.resize(m, (out_w, out_h), interpolation=cv2.INTER_NEAREST) for m in results['masks']]
        return results


@TRANSFORMS.register_module()
class ClipRandomFlip:
    """Flip the whole clip left-right with probability ``prob``."""

    def __init__(self, prob: float = 0.5):
        self.prob = prob

    def __call__(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            results['frames'] = [np.ascontiguousarray(f[:, ::-1]) for f in results['frames']]
            results['masks'] = [np.ascontiguousarray(m[:, ::-1]) for m in results['masks']]
        return results


def random_affine_matrix(height: int, width: int, degrees: float, shear: float,
                         scale: Tuple[float, float], translate: float) -> np.ndarray:
    """A random 2x3 affine matrix about the image centre.

    Rotation is uniform in ``[-degrees, degrees]``, shear (x) in
    ``[-shear, shear]`` degrees, isotropic scale in ``scale``, translation up
    to ``translate`` times the image size.
    """
    angle = np.deg2rad(np.random.uniform(-degrees, degrees))
    shear_x = np.deg2rad(np.random.uniform(-shear, shear))
    zoom = np.random.uniform(*scale)
    tx = np.random.uniform(-translate, translate) * width
    ty = np.random.uniform(-translate, translate) * height
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shearing = np.array([[1.0, np.tan(shear_x)], [0.0, 1.0]])
    linear = zoom * rotation @ shearing
    centre = np.array([width / 2.0, height / 2.0])
    offset = centre - linear @ centre + np.array([tx, ty])
    return np.concatenate([linear, offset[:, None]], axis=1).astype(np.float64)


@TRANSFORMS.register_module()
class FrameRandomAffine:
    """Warp each frame and its mask with its own random affine transform.

    Pixels that come from outside the frame are black in the image and
    background in the mask. With ``skip_first=True`` frame 0 is kept as is
    (its mask is the given annotation).

    Args:
        degrees: maximum rotation in degrees.
        shear: maximum shear in degrees.
        scale: range of isotropic scaling.
        translate: maximum translation as a fraction of the frame size.
        skip_first: leave the first frame unwarped.
    """

    def __init__(self,
                 degrees: float = 15.0,
                 shear: float = 10.0,
                 scale: Tuple[float, float] = (0.9, 1.1),
                 translate: float = 0.0,
                 skip_first: bool = False):
        self.degrees = degrees
        self.shear = shear
        self.scale = scale
        self.translate = translate
        self.skip_first = skip_first

    def __call__(self, results: dict) -> dict:
        frames: List[np.ndarray] = []
        masks: List[np.ndarray] = []
        for t, (frame, mask) in enumerate(zip(results['frames'], results['masks'])):
            if t == 0 and self.skip_first:
                frames.append(frame)
                masks.append(mask)
                continue
            height, width = mask.shape
            matrix = random_affine_matrix(height, width, self.degrees, self.shear, self.scale, self.translate)
            frames.append(cv2.warpAffine(frame, matrix, (width, height), flags=cv2.INTER_LINEAR,
                                         borderMode=cv2.BORDER_CONSTANT, borderValue=0))
            masks.append(cv2.warpAffine(mask, matrix, (width, height), flags=cv2.INTER_NEAREST,
                                        borderMode=cv2.BORDER_CONSTANT, borderValue=0))
        results['frames'], results['masks'] = frames, masks
        return results


def _blend(image: np.ndarray, other: Union[np.ndarray, float], factor: float) -> np.ndarray:
    return np.clip(factor * image + (1.0 - factor) * other, 0, 255)


@TRANSFORMS.register_module()
class ClipColorJitter:
    """Random brightness, contrast and saturation changes.

    Each factor is drawn from ``[1 - x, 1 + x]``. With ``per_frame=False`` one
    set of factors is used for the whole clip; with ``True`` each frame draws
    its own. STCN uses both: small per-frame jitter and a larger per-clip one.
    """

    def __init__(self, brightness: float = 0.1, contrast: float = 0.03, saturation: float = 0.03,
                 per_frame: bool = False):
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.per_frame = per_frame

    def _factors(self) -> Tuple[float, float, float]:
        return tuple(np.random.uniform(1 - x, 1 + x) for x in (self.brightness, self.contrast, self.saturation))

    @staticmethod
    def _apply(frame: np.ndarray, factors: Tuple[float, float, float]) -> np.ndarray:
        brightness, contrast, saturation = factors
        image = frame.astype(np.float32) * brightness
        image = np.clip(image, 0, 255)
        gray = image @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # (H, W)
        image = _blend(image, float(gray.mean()), contrast)
        gray = image @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
        image = _blend(image, gray[..., None], saturation)
        return image.round().astype(np.uint8)

    def __call__(self, results: dict) -> dict:
        factors = self._factors()
        frames = []
        for frame in results['frames']:
            if self.per_frame:
                factors = self._factors()
            frames.append(self._apply(frame, factors))
        results['frames'] = frames
        return results


@TRANSFORMS.register_module()
class ClipRandomGrayscale:
    """Turn the whole clip grey with probability ``prob``."""

    def __init__(self, prob: float = 0.05):
        self.prob = prob

    def __call__(self, results: dict) -> dict:
        if np.random.rand() < self.prob:
            weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
            results['frames'] = [
                np.repeat((f.astype(np.float32) @ weights).round().astype(np.uint8)[..., None], 3, axis=2)
                for f in results['frames']
            ]
        return results
