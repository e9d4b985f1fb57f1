"""The per-frame measures of the DAVIS benchmark, as the official evaluation defines them.

Definitions follow ``davisvideochallenge/davis2017-evaluation`` (``davis2017/metrics.py``
and ``davis2017/utils.py``), re-implemented here:

- J (region similarity): ``|gt & pred| / |gt | pred|``, and 1 when both masks
  are empty.
- F (boundary F-measure): one-pixel boundaries from :func:`seg2bmap`; a
  boundary pixel of one mask matches if a boundary pixel of the other lies
  within a disk of radius ``ceil(bound_th * image diagonal)`` (``bound_th``
  0.008 gives 8 px at 854x480). Precision is over the predicted boundary,
  recall over the ground-truth boundary; an empty predicted boundary gives
  precision 1, an empty ground-truth boundary recall 1; F is
  ``2PR / (P + R)`` (0 when ``P + R == 0``).
- :func:`db_statistics`: Mean, Recall (fraction of frames > 0.5) and Decay
  (mean of the first quarter of the frames minus mean of the last quarter,
  with the official overlapping quartile bins).
"""
from typing import Tuple

import cv2
import numpy as np

#: Fraction of the image diagonal used as boundary tolerance by DAVIS.
DEFAULT_BOUND_TH = 0.008


def region_similarity(gt: np.ndarray, pred: np.ndarray) -> float:
    """J of one object in one frame.

    Args:
        gt: ``(H, W)`` bool (or 0/1) ground-truth mask.
        pred: ``(H, W)`` bool (or 0/1) predicted mask.

    Returns:
        IoU in [0, 1]; 1.0 when both masks are empty.
    """
    gt = np.asarray(gt, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    if gt.shape != pred.shape:
        raise ValueError(f'ground truth {gt.shape} and prediction {pred.shape} differ in shape')
    union = np.count_nonzero(gt | pred)
    if union == 0:
        return 1.0
    return np.count_nonzero(gt & pred) / union


def seg2bmap(mask: np.ndarray) -> np.ndarray:
    """One-pixel-wide boundary map of a binary mask, as the official ``_seg2bmap``.

    A pixel is on the boundary when it differs from its east, south or
    south-east neighbour (neighbours outside the image are not compared, so
    the bottom-right pixel is never a boundary). Boundaries are thus offset
    by half a pixel towards the origin.

    Args:
        mask: ``(H, W)`` bool (or 0/1) mask.

    Returns:
        ``(H, W)`` bool boundary map.
    """
    seg = np.asarray(mask, dtype=bool)
    boundary = np.zeros_like(seg)
    boundary[:, :-1] |= seg[:, :-1] != seg[:, 1:]
    boundary[:-1, :] |= seg[:-1, :] != seg[1:, :]
    boundary[:-1, :-1] |= seg[:-1, :-1] != seg[1:, 1:]
    return boundary


def boundary_radius(shape: Tuple[int, int], bound_th: float = DEFAULT_BOUND_TH) -> int:
    """Tolerance radius in pixels: ``bound_th`` itself if >= 1, else ``ceil(bound_th * diagonal)``."""
    if bound_th >= 1:
        return int(bound_th)
    return int(np.ceil(bound_th * np.hypot(shape[0], shape[1])))


def disk_kernel(radius: int) -> np.ndarray:
    """``(2r+1, 2r+1)`` uint8 disk: 1 where ``dx^2 + dy^2 <= r^2`` (as ``skimage.morphology.disk``)."""
    offsets = np.arange(-radius, radius + 1)
    return ((offsets[:, None]**2 + offsets[None, :]**2) <= radius**2).astype(np.uint8)


def _crop_window(gt: np.ndarray, pred: np.ndarray, margin: int) -> Tuple[slice, slice]:
    """A window holding both masks' boundaries and their ``margin``-dilations.

    Boundary pixels lie in the masks' union bounding box grown by one pixel
    up/left; a window grown by ``margin + 1`` on every side, clipped to the
    image, gives the same boundaries and matches as the whole image.
    """
    rows = np.flatnonzero(gt.any(axis=1) | pred.any(axis=1))
    cols = np.flatnonzero(gt.any(axis=0) | pred.any(axis=0))
    height, width = gt.shape
    y0, y1 = max(rows[0] - margin - 1, 0), min(rows[-1] + margin + 2, height)
    x0, x1 = max(cols[0] - margin - 1, 0), min(cols[-1] + margin + 2, width)
    return slice(y0, y1), slice(x0, x1)


def boundary_f_measure(gt: np.ndarray, pred: np.ndarray, bound_th: float = DEFAULT_BOUND_TH) -> float:
    """F of one object in one frame.

    Args:
        gt: ``(H, W)`` bool (or 0/1) ground-truth mask.
        pred: ``(H, W)`` bool (or 0/1) predicted mask.
        bound_th: tolerance, a fraction of the image diagonal if < 1, else
            a radius in pixels. The radius is taken from the full frame size.

    Returns:
        Boundary F-measure in [0, 1]; 1.0 when both masks are empty.
    """
    gt = np.asarray(gt, dtype=bool)
    pred = np.asarray(pred, dtype=bool)
    if gt.shape != pred.shape:
        raise ValueError(f'ground truth {gt.shape} and prediction {pred.shape} differ in shape')
    radius = boundary_radius(gt.shape, bound_th)
    if not (gt.any() or pred.any()):
        return 1.0
    rows, cols = _crop_window(gt, pred, radius)
    gt, pred = gt[rows, cols], pred[rows, cols]

    pred_boundary = seg2bmap(pred)
    gt_boundary = seg2bmap(gt)
    num_pred = int(np.count_nonzero(pred_boundary))
    num_gt = int(np.count_nonzero(gt_boundary))
    if num_pred == 0 and num_gt == 0:
        precision = recall = 1.0
    elif num_pred == 0:
        precision, recall = 1.0, 0.0
    elif num_gt == 0:
        precision, recall = 0.0, 1.0
    else:
        kernel = disk_kernel(radius)
        gt_near = cv2.dilate(gt_boundary.astype(np.uint8), kernel).astype(bool)
        pred_near = cv2.dilate(pred_boundary.astype(np.uint8), kernel).astype(bool)
        precision = np.count_nonzero(pred_boundary & gt_near) / num_pred
        recall = np.count_nonzero(gt_boundary & pred_near) / num_gt
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def db_statistics(values: np.ndarray) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, Recall and Decay of per-frame scores, as the official ``db_statistics``.

    Args:
        values: ``(T,)`` or ``(K, T)`` per-frame scores (one row per object),
            ``T >= 1``. NaNs are ignored by the means.

    Returns:
        ``(mean, recall, decay)``, each a float for 1-D input or ``(K,)`` for
        2-D input. Recall is the fraction of frames with a score > 0.5. Decay
        splits the frames into 4 overlapping bins at
        ``round(linspace(1, T, 5) + 1e-10) - 1`` (bin ``i`` runs from
        boundary ``i`` to boundary ``i + 1`` inclusive) and is
        ``mean(bin 0) - mean(bin 3)``.

    Note:
        The official code stores the bin boundaries as uint8, which wraps for
        sequences longer than 255 evaluated frames; here they are int64, so
        both agree on every sequence up to 255 frames (all of DAVIS).
    """
    array = np.asarray(values, dtype=np.float64)
    squeeze = array.ndim == 1
    array = np.atleast_2d(array)
    num_frames = array.shape[1]
    if num_frames == 0:
        raise ValueError('db_statistics needs at least one frame')
    with np.errstate(invalid='ignore'):
        mean = np.nanmean(array, axis=1)
        recall = np.mean(array > 0.5, axis=1)
    edges = (np.round(np.linspace(1, num_frames, 5) + 1e-10) - 1).astype(np.int64)
    first = array[:, edges[0]:edges[1] + 1]
    last = array[:, edges[3]:edges[4] + 1]
    decay = np.nanmean(first, axis=1) - np.nanmean(last, axis=1)
    if squeeze:
        return float(mean[0]), float(recall[0]), float(decay[0])
    return mean, recall, decay
