"""One ``benchmark.py`` row in a fresh process, and the statistics computed from the rows.

- :func:`run_isolated` / :func:`run_row`: a warm-up pass, then the timed pass of a whole video
  through ``VideoInferencer.propagate``, in its own process (its peak RSS is the row's own);
- :func:`summarise` / :func:`median_steps`: ms/frame statistics of one row;
- :func:`add_object_costs` / :func:`add_agreement`: what rows say about each other (cost per extra
  object of the objects sweep, mask IoU against the torch row).
"""
import statistics
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Dict, List, Sequence

import numpy as np
import torch

from mobilevos.deploy.verify import mean_object_iou
from mobilevos.inference import VideoInferencer
from mobilevos.models.vos.steps import STEP_METHODS
from tools.analysis.benchmark_backends import row_segmenter
from tools.analysis.benchmark_measure import StepTimer, frame_stream, module_profile, video_pool
from tools.analysis.benchmark_stcn import peak_rss_mb


def run_row(spec: dict) -> dict:
    """Time one row; runs in its own process (peak RSS is the row's). See ``benchmark.py``'s docstring.

    Args:
        spec: ``config``, ``checkpoint``, ``seed``, ``backend``, ``deploy_dir``, ``precision``,
            ``frames``, ``size``, ``objects``, ``threads``, ``device``, ``warmup``, ``max_seconds``,
            ``check_frames``, ``profile_depth`` (0: no module profile), ``progress``, ``label``.

    Returns:
        ``latency_ms`` and ``steps_ms`` per timed frame, ``masks`` of the first ``check_frames``
        frames, ``capped``, ``rss_warm_mb``, ``peak_rss_mb``, ``peak_gpu_mb`` and ``profile``.
    """
    torch.set_num_threads(spec['threads'])
    size, objects, count = tuple(spec['size']), spec['objects'], spec['frames']
    device = torch.device(spec['device'])
    segmenter, network = row_segmenter(spec, device)
    model = StepTimer(segmenter, device)
    inferencer = VideoInferencer(model, device=device)
    pool, ids = video_pool(size, objects, spec['seed'])
    for _ in inferencer.propagate(frame_stream(pool, spec['warmup']), {0: ids}, num_frames=spec['warmup']):
        pass
    model.next_frame()
    rss_warm = peak_rss_mb()
    latency, steps, masks, capped = [], [], [], False
    progress = None
    if spec['progress']:
        from tqdm import tqdm
        progress = tqdm(total=count, desc=spec['label'], unit='frame', leave=False)
    start = last = time.perf_counter()
    for result in inferencer.propagate(frame_stream(pool, count), {0: ids}, num_frames=count):
        now = time.perf_counter()
        latency.append(1000 * (now - last))
        steps.append({k: 1000 * v for k, v in model.next_frame().items()})
        last = now
        if len(masks) < spec['check_frames']:
            masks.append(result.ids)
        if progress is not None:
            progress.update(1)
        if spec['max_seconds'] is not None and now - start > spec['max_seconds'] and len(latency) < count:
            capped = True
            break
    if progress is not None:
        progress.close()
    profile = None
    peak_gpu = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == 'cuda' else None
    if spec['profile_depth'] and network is not None:
        profile = module_profile(network, size, objects, spec['profile_depth'])
    return dict(latency_ms=latency,
                steps_ms=steps,
                masks=masks,
                capped=capped,
                rss_warm_mb=rss_warm,
                peak_rss_mb=peak_rss_mb(),
                peak_gpu_mb=peak_gpu,
                profile=profile)


def run_isolated(spec: dict) -> dict:
    """:func:`run_row` in a fresh (spawned) process."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context('spawn')) as pool:
        return pool.submit(run_row, spec).result()


# --------------------------------------------------------------------------------------- statistics --
def summarise(latency: Sequence[float]) -> dict:
    """ms/frame statistics over the frames after the first (the annotated frame has no read-out)."""
    timed = list(latency[1:]) or list(latency)
    p10, _, p90 = (float(v) for v in np.percentile(timed, [10, 50, 90]))
    tail = timed[-max(1, len(timed) // 10):]
    median = float(statistics.median(timed))
    return dict(ms_per_frame=median,
                fps=1000.0 / median,
                ms_p10=p10,
                ms_p90=p90,
                ms_mean=float(np.mean(timed)),
                ms_last10pct=float(statistics.median(tail)),
                frames_timed=len(latency))


def median_steps(latency: Sequence[float], steps: Sequence[Dict[str, float]]) -> Dict[str, float]:
    """Median ms per frame of each step, and of the rest of the loop (``other``), after the first frame."""
    frames = [dict(f, other=ms - sum(f.values())) for ms, f in zip(latency, steps)]
    timed = frames[1:] or frames
    return {s: float(statistics.median([f.get(s, 0.0) for f in timed])) for s in STEP_METHODS + ('other', )}


def add_object_costs(records: List[dict]) -> None:
    """``ms_per_extra_object`` of the objects-sweep rows: (ms at K - ms at K0) / (K - K0), K0 the fewest."""
    groups = defaultdict(list)
    for r in records:
        if r.get('sweep') and r.get('ms_per_frame') is not None:
            groups[(r['config'], r['backend'], r['frames'])].append(r)
    for rows in groups.values():
        base = min(rows, key=lambda r: r['objects'])
        for r in rows:
            if r['objects'] > base['objects']:
                r['ms_per_extra_object'] = ((r['ms_per_frame'] - base['ms_per_frame']) /
                                            (r['objects'] - base['objects']))
                r['extra_object_base'] = base['objects']


def add_agreement(records: List[dict], masks: Dict[int, List[np.ndarray]]) -> None:
    """``min_iou_vs_torch`` / ``mean_iou_vs_torch``: per-frame mean object IoU of a row's masks against
    the torch row's (first ``--check-frames`` frames), worst and mean."""
    torch_rows = {
        (r['config'], r['frames'], r['objects']): i
        for i, r in enumerate(records) if r['backend'] == 'torch' and i in masks
    }
    for i, r in enumerate(records):
        ref = torch_rows.get((r['config'], r['frames'], r['objects']))
        if r['backend'] != 'torch' and i in masks and ref is not None:
            ious = [mean_object_iou(a, b) for a, b in zip(masks[i], masks[ref])]
            if ious:
                r['min_iou_vs_torch'], r['mean_iou_vs_torch'] = min(ious), float(np.mean(ious))
