"""A plain, loop-based re-statement of the official DAVIS 2017 semi-supervised measures.

Written for the tests only: pixel loops and point-to-point distances, no
shifted-array tricks, no OpenCV, so it shares no code path with
``mobilevos.evaluation``. Definitions (davis2017-evaluation):

- J: |gt & pred| / |gt | pred|, 1 when the union is empty.
- boundary: pixel (y, x) is on the boundary when it differs from one of its
  east, south or south-east neighbours that lies inside the image.
- F: radius r = ceil(0.008 * diagonal) (or bound_th pixels if >= 1); a
  boundary point matches when a boundary point of the other mask lies at
  squared distance <= r^2; precision over the prediction, recall over the
  ground truth; empty prediction boundary -> P = 1, empty GT boundary -> R = 1;
  F = 2PR / (P + R), 0 if P + R = 0.
- Mean, Recall (> 0.5), Decay: mean of bin 0 minus mean of bin 3, bins bounded
  by round-half-up(1 + i (n - 1) / 4) - 1, i = 0..4, both ends inclusive.
- objects 1..N, N = largest id (not 255) of the first GT frame; GT 255 is
  background; frames 1..T-2 evaluated.
"""
import math


def ref_iou(gt, pred, obj):
    inter = union = 0
    for y in range(len(gt)):
        for x in range(len(gt[0])):
            g, p = gt[y][x] == obj, pred[y][x] == obj
            inter += g and p
            union += g or p
    return 1.0 if union == 0 else inter / union


def ref_boundary_points(mask, obj):
    height, width = len(mask), len(mask[0])
    points = []
    for y in range(height):
        for x in range(width):
            here = mask[y][x] == obj
            for dy, dx in ((0, 1), (1, 0), (1, 1)):
                ny, nx = y + dy, x + dx
                if ny < height and nx < width and (mask[ny][nx] == obj) != here:
                    points.append((y, x))
                    break
    return points


def _matched(points, others, radius):
    count = 0
    for y, x in points:
        for oy, ox in others:
            if (y - oy)**2 + (x - ox)**2 <= radius * radius:
                count += 1
                break
    return count


def ref_f(gt, pred, obj, bound_th=0.008):
    height, width = len(gt), len(gt[0])
    radius = bound_th if bound_th >= 1 else math.ceil(bound_th * math.sqrt(height * height + width * width))
    gt_points = ref_boundary_points(gt, obj)
    pred_points = ref_boundary_points(pred, obj)
    if not pred_points and not gt_points:
        precision = recall = 1.0
    elif not pred_points:
        precision, recall = 1.0, 0.0
    elif not gt_points:
        precision, recall = 0.0, 1.0
    else:
        precision = _matched(pred_points, gt_points, radius) / len(pred_points)
        recall = _matched(gt_points, pred_points, radius) / len(gt_points)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def ref_stats(values):
    n = len(values)
    mean = sum(values) / n
    recall = sum(1 for v in values if v > 0.5) / n
    edges = [int(math.floor(1 + i * (n - 1) / 4 + 0.5 + 1e-10)) - 1 for i in range(5)]
    first = values[edges[0]:edges[1] + 1]
    last = values[edges[3]:edges[4] + 1]
    return mean, recall, sum(first) / len(first) - sum(last) / len(last)


def _clean(frame):
    return [[0 if v == 255 else int(v) for v in row] for row in frame]


def ref_sequence(gt_frames, pred_frames, bound_th=0.008, num_objects=None):
    """Per-object lists of J and F over frames 1..T-2 (frames as nested lists or arrays)."""
    gt_frames = [_clean(f) for f in gt_frames]
    pred_frames = [[[int(v) for v in row] for row in f] for f in pred_frames]
    if num_objects is None:
        num_objects = max(v for row in gt_frames[0] for v in row)
    per_object = {}
    for obj in range(1, num_objects + 1):
        js = [ref_iou(gt_frames[t], pred_frames[t], obj) for t in range(1, len(gt_frames) - 1)]
        fs = [ref_f(gt_frames[t], pred_frames[t], obj, bound_th) for t in range(1, len(gt_frames) - 1)]
        per_object[obj] = (js, fs)
    return per_object


def ref_global(sequences):
    """``sequences``: list of (name, per_object) -> (global dict, per-object rows)."""
    columns = {k: [] for k in ('JM', 'JR', 'JD', 'FM', 'FR', 'FD')}
    rows = []
    for name, per_object in sequences:
        for obj, (js, fs) in per_object.items():
            jm, jr, jd = ref_stats(js)
            fm, fr, fd = ref_stats(fs)
            for key, value in zip(columns, (jm, jr, jd, fm, fr, fd)):
                columns[key].append(value)
            rows.append({'Sequence': f'{name}_{obj}', 'J-Mean': jm, 'F-Mean': fm})
    mean = {k: sum(v) / len(v) for k, v in columns.items()}
    return {
        'J&F-Mean': (mean['JM'] + mean['FM']) / 2,
        'J-Mean': mean['JM'],
        'J-Recall': mean['JR'],
        'J-Decay': mean['JD'],
        'F-Mean': mean['FM'],
        'F-Recall': mean['FR'],
        'F-Decay': mean['FD'],
    }, rows
