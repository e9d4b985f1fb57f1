"""Speed of video segmentation networks per frame: ms, FPS, GFLOP, share of the matmul peak, peak RSS.

Examples::

    # one student, quick
    python tools/analysis/benchmark.py configs/mobilevos_mbv2_synthetic.py --size 240x432 --frames 20
    # the teacher and the three students, torch and ONNX Runtime, two lengths, an objects sweep,
    # STCN's own code as the reference row (see docs/benchmarks.md)
    python tools/analysis/benchmark.py configs/stcn_r50_synthetic.py \\
        configs/mobilevos_{r18,mbv2,mbv2-noaspp}_synthetic.py --size 480x854 --objects 2 \\
        --objects-sweep 1,2,8,32 --sweep-frames 20 --frames 50,500 --backend torch,onnxruntime \\
        --max-seconds 600 \\
        --json work_dirs/benchmark/results.json --plot work_dirs/benchmark/results.png \\
        --stcn-dir ../STCN --stcn-python ../stcn_env/bin/python

Each row (config x backend x video length x objects) runs in a fresh process,
so that its peak RSS is its own: a warm-up pass of ``--warmup`` frames, then a
timed pass of the whole video through ``VideoInferencer.propagate`` (the loop
of ``tools/infer.py``), on frames made of random 8x8 blocks (a pool of 8,
generated once, so that the video's length does not change the RSS) with K
objects annotated on frame 0 as vertical strips. ms/frame is the median over
the timed frames after the first (the annotated frame has no memory read-out).
GFLOP per frame are counted by ``torch.utils.flop_counter.FlopCounterMode`` on
the third frame (a propagation frame that also encodes its value). The matmul
peak is the best of 5 fp32 2048x2048 matmuls at the same thread count.
Without ``--ckpt`` the networks have random weights (LeCun normal,
``mobilevos.deploy.verify.lecun_random_init_``): timings are valid, masks are not.

Configs and checkpoints are Python files / pickles you must trust (configs are executed);
checkpoints are read with ``weights_only=True``.
"""
import argparse
import copy
import json
import os
import os.path as osp
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from mmengine.config import Config  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

from mobilevos.apis import init_model  # noqa: E402
from mobilevos.deploy import DeployConfigError, export_network, load_runtime  # noqa: E402
from mobilevos.deploy import META_FILE, parse_deploy_config, read_meta, weights_sha256  # noqa: E402
from mobilevos.deploy.verify import lecun_random_init_, mean_object_iou  # noqa: E402
from mobilevos.inference import VideoInferencer, optimize_for_inference  # noqa: E402
from mobilevos.models.vos.steps import STEP_METHODS  # noqa: E402
from mobilevos.utils.cli import UserError, add_debug_argument, tool_main  # noqa: E402
from tools.analysis.benchmark_stcn import peak_rss_mb  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STCN_DRIVER = osp.join(ROOT, 'tools', 'analysis', 'benchmark_stcn.py')
#: backend -> precision of the exported graphs it runs (None: eager PyTorch)
# torch-fused: the torch network with batch norms folded and channels-last weights
# (VideoInferencer(optimize=True), mobilevos.inference.optimize_for_inference).
BACKENDS = {'torch': None, 'torch-fused': None, 'onnxruntime': 'fp32', 'onnxruntime-int8': 'int8'}
#: deploy config of the exports (its frame size, objects and memory are replaced by the row's)
DEPLOY_CFGS = {
    'fp32': osp.join(ROOT, 'configs', 'deploy', 'vos_onnxruntime_static-480x854.py'),
    'int8': osp.join(ROOT, 'configs', 'deploy', 'vos_onnxruntime-int8_static-480x854.py'),
}
POOL = 8  # distinct frames of the synthetic video
FLOP_FRAME = 2  # the frame whose FLOPs are counted (frames 0 and 1 fill the memory)
MATMUL_N = 2048


# ----------------------------------------------------------------------------------- the input video --
def video_pool(size: Tuple[int, int], objects: int, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """The frames a benchmark video cycles through, and its first-frame annotation.

    Returns:
        ``(POOL, H, W, 3)`` uint8 frames of random 8x8-pixel blocks, and ``(H, W)`` uint8 ids:
        ``objects`` vertical strips of equal width (ids ``1..objects``).

    Raises:
        ValueError: the frame is narrower than ``objects`` pixels.
    """
    height, width = size
    if width < objects:
        raise ValueError(f'--size {height}x{width} is too narrow for {objects} objects (one strip each)')
    rng = np.random.default_rng(seed)
    blocks = rng.integers(0, 256, (POOL, -(-height // 8), -(-width // 8), 3), dtype=np.uint8)
    frames = blocks.repeat(8, 1).repeat(8, 2)[:, :height, :width]
    ids = (1 + np.arange(width) * objects // width).astype(np.uint8)
    return np.ascontiguousarray(frames), np.broadcast_to(ids, (height, width)).copy()


def frame_stream(pool: np.ndarray, count: int) -> Iterator[np.ndarray]:
    """``count`` frames from ``pool``, cycling (never held in memory together)."""
    for index in range(count):
        yield pool[index % len(pool)]


# ----------------------------------------------------------------------------------------- helpers --
def parse_size(text: str) -> Tuple[int, int]:
    try:
        height, width = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise ValueError(f'--size {text!r} is not HxW, e.g. 480x854') from None
    if height < 16 or width < 16:
        raise ValueError(f'--size {text}: frames must be at least 16x16')
    return height, width


def parse_ints(text: str, option: str, minimum: int) -> List[int]:
    try:
        values = [int(v) for v in text.split(',') if v.strip()]
    except ValueError:
        raise ValueError(f'{option} {text!r} is not a comma-separated list of integers') from None
    if not values or min(values) < minimum:
        raise ValueError(f'{option} {text!r}: give integers >= {minimum}')
    return values


def load_network(config: str, checkpoint: Optional[str], seed: int) -> torch.nn.Module:
    """The network of ``config``: the checkpoint's weights, or random ones (LeCun normal, ``seed``)."""
    network = init_model(config, checkpoint)
    if checkpoint is None:
        lecun_random_init_(network, seed=seed)
    return network


def machine_name() -> str:
    if osp.exists('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    return platform.processor() or platform.machine()


def synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (CUDA runs asynchronously; the CPU does not)."""
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def matmul_gflops(device: torch.device, n: int = MATMUL_N, repeats: int = 5) -> float:
    """The device's fp32 matmul throughput (on the CPU at torch's thread count): best of ``repeats``."""
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    torch.mm(a, b)
    best = float('inf')
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        torch.mm(a, b)
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def frame_gflops(network: torch.nn.Module, size: Tuple[int, int], objects: int) -> float:
    """GFLOP of one propagation frame (``FLOP_FRAME``: read-out, decoding and value encoding)."""
    pool, ids = video_pool(size, objects)
    frames = VideoInferencer(network).propagate(frame_stream(pool, FLOP_FRAME + 2), {0: ids},
                                                num_frames=FLOP_FRAME + 2)
    for _ in range(FLOP_FRAME):
        next(frames)
    with FlopCounterMode(display=False) as counter:
        next(frames)
    frames.close()
    return counter.get_total_flops() / 1e9


class StepTimer:
    """A segmenter (network or runtime) whose five step calls are timed; everything else is forwarded.

    ``frame`` holds the seconds of each step since :meth:`next_frame`.
    """

    def __init__(self, model, device: torch.device) -> None:
        self.model = model
        self.device = device
        self.frame: Dict[str, float] = defaultdict(float)

    def __getattr__(self, name: str):
        attr = getattr(self.__dict__['model'], name)
        if name not in STEP_METHODS:
            return attr

        def timed(*args, **kwargs):
            synchronize(self.device)
            start = time.perf_counter()
            out = attr(*args, **kwargs)
            synchronize(self.device)
            self.frame[name] += time.perf_counter() - start
            return out

        return timed

    def next_frame(self) -> Dict[str, float]:
        done, self.frame = dict(self.frame), defaultdict(float)
        return done


def module_profile(network: torch.nn.Module, size: Tuple[int, int], objects: int,
                   depth: int) -> List[Tuple[str, float]]:
    """ms of each submodule (``depth`` levels, inclusive time) in one propagation frame, forward hooks."""
    pool, ids = video_pool(size, objects)
    totals: Dict[str, float] = defaultdict(float)
    starts: Dict[str, List[float]] = defaultdict(list)
    handles = []
    for name, module in network.named_modules():
        if name and name.count('.') < depth:
            handles.append(
                module.register_forward_pre_hook(
                    lambda m, i, name=name: starts[name].append(time.perf_counter())))
            handles.append(
                module.register_forward_hook(lambda m, i, o, name=name: totals.__setitem__(
                    name, totals[name] + time.perf_counter() - starts[name].pop())))
    frames = VideoInferencer(network).propagate(frame_stream(pool, FLOP_FRAME + 2), {0: ids},
                                                num_frames=FLOP_FRAME + 2)
    for _ in range(FLOP_FRAME):
        next(frames)
    totals.clear()
    start = time.perf_counter()
    next(frames)
    frame_ms = 1000 * (time.perf_counter() - start)
    frames.close()
    for handle in handles:
        handle.remove()
    order = [name for name, _ in network.named_modules()]
    return [('(whole frame)', frame_ms)] + [(n, 1000 * totals[n]) for n in order if n in totals]


# ------------------------------------------------------------------------- one row, in a fresh process --
def run_row(spec: dict) -> dict:
    """Time one row; runs in its own process (peak RSS is the row's). See the module docstring."""
    torch.set_num_threads(spec['threads'])
    size, objects, count = tuple(spec['size']), spec['objects'], spec['frames']
    device = torch.device(spec['device'])
    if spec['backend'] in ('torch', 'torch-fused'):
        network = load_network(spec['config'], spec['checkpoint'], spec['seed']).to(device)
        segmenter = optimize_for_inference(network) if spec['backend'] == 'torch-fused' else network
    else:
        network = None
        segmenter = load_runtime(spec['deploy_dir'], precision=spec['precision'], num_threads=spec['threads'])
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


# ------------------------------------------------------------------------------------- ONNX Runtime --
def onnx_export(network: torch.nn.Module,
                config: str,
                checkpoint: Optional[str],
                precision: str,
                size: Tuple[int, int],
                objects: int,
                work_dir: str,
                reuse: bool = False,
                log=print) -> Tuple[Optional[str], str]:
    """Export (or reuse) the static ONNX graphs of ``network`` for frames of ``size`` and K = ``objects``.

    With the deploy config ``DEPLOY_CFGS[precision]`` (int8 exports hold the fp32
    graphs too), the network's own ``test_memory``. The folder is
    ``work_dir/onnx/<config>_<H>x<W>_k<K>_<precision>_<weights digest>``; with ``reuse``, a
    complete export found there (``export_meta.json``, same size) is used as it is (its graphs are
    those of the export code of its day).

    Returns:
        ``(folder, '')``, or ``(None, reason)`` when the network cannot be exported
        (e.g. a growing memory: static graphs read a fixed number of frames).
    """
    cfg = Config.fromfile(DEPLOY_CFGS[precision])
    cfg.ir_config.input_shape = list(size)
    cfg.codebase_config.max_objects = objects
    cfg.codebase_config.memory = copy.deepcopy(network.test_memory_cfg)
    try:
        parsed = parse_deploy_config(cfg)
    except DeployConfigError as err:
        return None, f'not exported: {err}'
    stem = osp.splitext(osp.basename(config))[0]
    folder = osp.join(
        work_dir, 'onnx', f'{stem}_{size[0]}x{size[1]}_k{objects}_{parsed.precision}_'
        f'{weights_sha256(network)[:12]}')
    if reuse and osp.exists(osp.join(folder,
                                     META_FILE)) and read_meta(folder)['input']['frame_size'] == list(size):
        log(f'reusing the ONNX export in {folder}')
        return folder, ''
    start = time.time()
    export_network(copy.deepcopy(network), parsed, folder, config=config, checkpoint=checkpoint, verify=False)
    log(f'exported {stem} (K={objects}, {parsed.precision}) to {folder} in {time.time() - start:.0f} s')
    return folder, ''


# -------------------------------------------------------------------------------------------- STCN --
def stcn_include_last(memories: Sequence[dict]) -> bool:
    """Whether STCN's memory keeps the latest frame: as the first growing memory (a teacher's) among
    the networks' ``test_memory`` does (``InfiniteMemory`` keeps it unless ``include_last=False``);
    STCN's evaluation default (no) when there is none."""
    for memory in memories:
        if memory.get('type') == 'InfiniteMemory':
            return bool(memory.get('include_last', True))
    return False


def run_stcn(args, size: Tuple[int, int], frames: int, video: str, include_last: bool) -> dict:
    """STCN's own ``InferenceCore`` in its own interpreter (``benchmark_stcn.py``); its JSON result."""
    out = osp.join(osp.dirname(video), f'stcn_{frames}.json')
    command = [
        args.stcn_python, STCN_DRIVER, '--stcn-dir', args.stcn_dir, '--video', video, '--frames',
        str(frames), '--warmup',
        str(args.warmup), '--threads',
        str(args.threads), '--out', out
    ] + (['--max-seconds', str(args.max_seconds)] if args.max_seconds else [])
    command += [] if include_last else ['--no-last']
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise UserError(
            f'STCN\'s timing failed (is {args.stcn_python} an environment with torch and torchvision, '
            f'{args.stcn_dir} STCN\'s code?): {" ".join(command)}\n{done.stderr[-3000:]}')
    with open(out) as f:
        return json.load(f)


# ------------------------------------------------------------------------------------------- output --
def fmt(value, spec: str = '.0f', missing: str = '—') -> str:
    return missing if value is None else format(value, spec)


def short_reason(text: str) -> str:
    """The first clause of a skip reason, without the deploy config's path (the JSON has it all)."""
    return re.sub(r'deploy config \S+: ', '', text).split(';')[0]


def model_name(record: dict) -> str:
    return osp.splitext(osp.basename(record['config']))[0] if record['config'].endswith('.py') else \
        record['config']


def markdown_tables(records: List[dict], matmul: float) -> str:
    head = ('| model | backend | weights | frames | objects | params M | GFLOP/frame | ms/frame (p10–p90) | '
            'FPS | share of matmul peak | peak RSS MB (after warm-up) | ms last 10 % | × STCN | '
            'IoU vs torch min / mean | ONNX MB | note |')
    lines = [head, '|' + '---|' * (head.count('|') - 1)]
    for r in records:
        if r.get('sweep_only'):
            continue
        spread = (f'{fmt(r.get("ms_per_frame"))} ({fmt(r.get("ms_p10"))}–{fmt(r.get("ms_p90"))})'
                  if r.get('ms_per_frame') is not None else '—')
        note = ''
        if r.get('skipped'):
            note = short_reason(r['skipped'])
        elif r.get('capped'):
            note = f'capped: {r["frames_timed"]} of {r["frames"]} frames in --max-seconds'
        share = r.get('matmul_share')
        cells = [
            model_name(r), r['backend'], r['weights'], r['frames'], r['objects'],
            fmt(r['params'] / 1e6, '.2f'),
            fmt(r.get('gflops'), '.1f'), spread,
            fmt(r.get('fps'), '.2f'),
            fmt(share and 100 * share, '.0f') + (' %' if share else ''),
            f'{fmt(r.get("peak_rss_mb"))} ({fmt(r.get("rss_warm_mb"))})',
            fmt(r.get('ms_last10pct')),
            fmt(r.get('stcn_ratio'),
                '.2f'), f'{fmt(r.get("min_iou_vs_torch"), ".4f")} / {fmt(r.get("mean_iou_vs_torch"), ".4f")}',
            fmt(r.get('onnx_mb'), '.1f'), note
        ]
        lines.append('| ' + ' | '.join(str(c) for c in cells) + ' |')
    out = ['\n'.join(lines)]
    sweep = sorted((r for r in records if r.get('sweep') and r.get('ms_per_frame') is not None),
                   key=lambda r: (r['config'], r['backend'], r['objects']))
    if sweep:
        rows = [
            '| model | backend | frames | objects | ms/frame | ms per object beyond the fewest |',
            '|---|---|---|---|---|---|'
        ]
        for r in sweep:
            rows.append(f'| {model_name(r)} | {r["backend"]} | {r["frames"]} | {r["objects"]} | '
                        f'{fmt(r["ms_per_frame"])} | {fmt(r.get("ms_per_extra_object"))} |')
        out.append('objects sweep:\n\n' + '\n'.join(rows))
    lengths = length_rows(records)
    if lengths:
        out.append('the longest video against the shortest (a constant-memory network stays near 0 %):\n\n' +
                   '\n'.join(lengths))
    steps = [r for r in records if r.get('steps_ms')]
    if steps:
        names = list(STEP_METHODS) + ['other']
        rows = [
            '| model | backend | frames | objects | ' + ' | '.join(names) + ' |',
            '|---|---|---|---|' + '---|' * len(names)
        ]
        for r in steps:
            rows.append(f'| {model_name(r)} | {r["backend"]} | {r["frames"]} | {r["objects"]} | ' +
                        ' | '.join(f'{r["steps_ms"][s]:.0f}' for s in names) + ' |')
        out.append('median ms per frame of each step:\n\n' + '\n'.join(rows))
    return '\n\n'.join(out)


def length_rows(records: List[dict]) -> List[str]:
    """Markdown rows: change of ms/frame and of peak RSS from the shortest video to the longest."""
    groups = defaultdict(list)
    for r in records:
        if not r.get('sweep_only') and r.get('ms_per_frame') is not None:
            groups[(r['config'], r['backend'], r['objects'])].append(r)
    rows = []
    for runs in groups.values():
        if len({r['frames'] for r in runs}) < 2:
            continue
        short, long = min(runs, key=lambda r: r['frames']), max(runs, key=lambda r: r['frames'])
        capped = f' (capped at {long["frames_timed"]})' if long['capped'] else ''
        rows.append(
            f'| {model_name(long)} | {long["backend"]} | {short["frames"]} → {long["frames"]}{capped} | '
            f'{100 * (long["ms_per_frame"] / short["ms_per_frame"] - 1):+.1f} % | '
            f'{100 * (long["peak_rss_mb"] / short["peak_rss_mb"] - 1):+.1f} % |')
    head = ['| model | backend | frames | ms/frame change | peak RSS change |', '|---|---|---|---|---|']
    return head + rows if rows else []


def profile_table(record: dict) -> str:
    frame = record['profile'][0][1]
    rows = [
        f'per-module time of one propagation frame, {model_name(record)} ({record["objects"]} objects, '
        'forward hooks, inclusive):', '', '| module | ms | % of frame |', '|---|---|---|'
    ]
    for name, ms in record['profile']:
        rows.append(f'| {name} | {ms:.1f} | {100 * ms / frame:.0f} % |')
    return '\n'.join(rows)


def plot(records: List[dict], path: str) -> None:
    """Latency vs frame index, peak RSS vs video length, ms/frame vs objects."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax_lat, ax_rss, ax_obj) = plt.subplots(1, 3, figsize=(18, 5))
    timed = [r for r in records if r.get('latency_ms') and not r.get('sweep_only')]
    longest = max((r['frames'] for r in timed), default=0)
    for r in timed:
        if r['frames'] == longest:
            ax_lat.plot(r['latency_ms'], label=f'{model_name(r)} {r["backend"]}', lw=0.8)
    ax_lat.set(xlabel='frame index', ylabel='ms', yscale='log', title=f'latency per frame ({longest} frames)')
    series = defaultdict(list)
    for r in timed:
        if r.get('peak_rss_mb') is not None:
            series[(model_name(r), r['backend'], r['objects'])].append((r['frames'], r['peak_rss_mb']))
    for (name, backend, _), points in series.items():
        ax_rss.plot(*zip(*sorted(points)), marker='o', label=f'{name} {backend}')
    ax_rss.set(xlabel='video length (frames)', ylabel='peak RSS (MB)', title='peak RSS vs video length')
    sweeps = defaultdict(list)
    for r in records:
        if r.get('sweep') and r.get('ms_per_frame') is not None:
            sweeps[(model_name(r), r['backend'])].append((r['objects'], r['ms_per_frame']))
    for (name, backend), points in sweeps.items():
        ax_obj.plot(*zip(*sorted(points)), marker='o', label=f'{name} {backend}')
    ax_obj.set(xlabel='objects', ylabel='ms/frame', title='objects sweep')
    for ax in (ax_lat, ax_rss, ax_obj):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --------------------------------------------------------------------------------------------- main --
def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split('Examples::')[1])
    parser.add_argument('configs', nargs='+', metavar='CONFIG', help='network or distillation configs')
    parser.add_argument('--ckpt',
                        nargs='+',
                        default=None,
                        metavar='CKPT',
                        help='one checkpoint per config, "none" for random weights (default: all random)')
    parser.add_argument('--size', default='480x854', help='frame size HxW (default 480x854)')
    parser.add_argument('--objects', type=int, default=2, help='objects of the main rows (default 2)')
    parser.add_argument('--objects-sweep',
                        default=None,
                        metavar='K1,K2,...',
                        help='also time these object counts, e.g. 1,2,8,32 (videos of --sweep-frames frames)')
    parser.add_argument('--sweep-frames',
                        type=int,
                        default=None,
                        help='length of the objects-sweep videos (default: the first --frames length)')
    parser.add_argument('--frames', default='50', help='video lengths, comma-separated (default 50)')
    parser.add_argument('--backend',
                        default='torch',
                        help=f'comma-separated, from {list(BACKENDS)} (default torch)')
    parser.add_argument('--threads',
                        type=int,
                        default=None,
                        help='torch and ONNX Runtime threads (default: torch\'s default, the physical cores)')
    parser.add_argument(
        '--device',
        default='cpu',
        help='torch device of the torch rows, e.g. cuda:0 (default cpu; onnxruntime rows: cpu)')
    parser.add_argument('--warmup', type=int, default=3, help='frames of the warm-up pass (default 3)')
    parser.add_argument('--max-seconds',
                        type=float,
                        default=None,
                        help='stop a row\'s timed pass after this many seconds (the row says capped)')
    parser.add_argument('--check-frames',
                        type=int,
                        default=10,
                        help='frames whose masks are compared with the torch row (default 10)')
    parser.add_argument('--profile',
                        action='store_true',
                        help='print the time of each submodule in one frame (torch rows at the first length)')
    parser.add_argument('--profile-depth',
                        type=int,
                        default=2,
                        help='submodule levels of --profile (default 2)')
    parser.add_argument('--stcn-dir', default=None, help='a checkout of STCN\'s code: adds its ratio rows')
    parser.add_argument('--stcn-python',
                        default=sys.executable,
                        help='the Python of an environment with torch and torchvision for STCN\'s code')
    parser.add_argument('--work-dir',
                        default=osp.join('work_dirs', 'benchmark'),
                        help='ONNX exports are written under WORK_DIR/onnx')
    parser.add_argument('--reuse-exports',
                        action='store_true',
                        help='use the exports found in WORK_DIR/onnx instead of exporting again (only if '
                        'the export code has not changed since)')
    parser.add_argument('--json', default=None, help='write the records here')
    parser.add_argument('--plot', default=None, help='write the plot here (.png)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random weights and frames')
    parser.add_argument('--no-progress', action='store_true', help='no progress bars')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def plan_rows(args, frames: List[int], backends: List[str]) -> List[Tuple[int, str, int, int, bool]]:
    """``(config index, backend, frames, objects, sweep)`` of every row, main rows first, no repeats."""
    sweep = parse_ints(args.objects_sweep, '--objects-sweep', 1) if args.objects_sweep else []
    sweep_frames = args.sweep_frames or frames[0]
    if sweep_frames < 2:
        raise ValueError(f'--sweep-frames {sweep_frames}: give at least 2')
    rows: Dict[Tuple[int, str, int, int], bool] = {}
    for c in range(len(args.configs)):
        for backend in backends:
            for n in frames:
                rows[(c, backend, n, args.objects)] = n == sweep_frames and args.objects in sweep
            for k in sweep:
                rows[(c, backend, sweep_frames, k)] = True
    return [key + (is_sweep, ) for key, is_sweep in rows.items()]


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    size = parse_size(args.size)
    frames = parse_ints(args.frames, '--frames', 2)
    backends = [b.strip() for b in args.backend.split(',') if b.strip()]
    unknown = [b for b in backends if b not in BACKENDS or backends.count(b) > 1]
    if unknown or not backends:
        raise ValueError(f'--backend {args.backend!r}: choose distinct backends from {list(BACKENDS)}')
    if args.device != 'cpu' and any(BACKENDS[b] for b in backends):
        raise ValueError(
            f'--device {args.device}: the onnxruntime backends run on the CPU here; time them in '
            'a separate run without --device')
    if args.objects < 1:
        raise ValueError(f'--objects {args.objects}: give at least 1')
    checkpoints = [None if c.lower() == 'none' else c for c in (args.ckpt or ['none'] * len(args.configs))]
    if len(checkpoints) != len(args.configs):
        raise ValueError(f'--ckpt gives {len(checkpoints)} checkpoints for {len(args.configs)} configs: give '
                         'one per config ("none" for random weights)')
    for path in args.configs + [c for c in checkpoints if c]:
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} does not exist')
    if args.stcn_dir and not osp.isfile(osp.join(args.stcn_dir, 'inference_core.py')):
        raise FileNotFoundError(f'--stcn-dir {args.stcn_dir} has no inference_core.py: give a checkout of '
                                'https://github.com/hkchengrex/STCN')
    if args.stcn_dir and -(-size[0] // 16) * -(-size[1] // 16) < 20:
        raise ValueError(
            f'--size {args.size} is too small for STCN\'s code: its top-k read-out (k = 20) needs '
            'at least 20 positions at stride 16, e.g. 64x96')
    if args.threads:
        torch.set_num_threads(args.threads)
    args.threads = torch.get_num_threads()
    plan = plan_rows(args, frames, backends)
    device = torch.device(args.device)
    matmul = matmul_gflops(device)
    machine = f'{machine_name()}, {os.cpu_count()} logical cores, {args.threads} threads'
    if device.type == 'cuda':
        machine += f'; {torch.cuda.get_device_name(device)}'
    print(f'machine: {machine}; torch {torch.__version__}; fp32 {MATMUL_N}x{MATMUL_N} matmul peak '
          f'{matmul:.0f} GFLOP/s at {args.threads} threads')
    print(f'video: {size[0]}x{size[1]} random 8x8-block frames (a pool of {POOL}), objects as vertical '
          f'strips on frame 0; warm-up {args.warmup} frames; ms/frame = median over the frames after the '
          'first')
    log = print
    networks: Dict[int, dict] = {}
    for c, config in enumerate(args.configs):
        network = load_network(config, checkpoints[c], args.seed)
        weights = osp.basename(checkpoints[c]) if checkpoints[c] else 'random'
        objects = sorted({k for (ci, _, _, k, _) in plan if ci == c})
        start = time.time()
        gflops = {k: frame_gflops(network, size, k) for k in objects}
        log(f'{config}: {sum(p.numel() for p in network.parameters()) / 1e6:.2f} M parameters, '
            f'{weights} weights; GFLOP/frame ' + ', '.join(f'{gflops[k]:.1f} ({k} objects)'
                                                           for k in objects) +
            f' (counted in {time.time() - start:.0f} s)')
        exports = {}
        precisions = [BACKENDS[b] for b in backends if BACKENDS[b]]
        if precisions:
            for k in objects:
                exports[k] = onnx_export(network, config, checkpoints[c],
                                         'int8' if 'int8' in precisions else 'fp32', size, k, args.work_dir,
                                         args.reuse_exports, log)
        networks[c] = dict(params=sum(p.numel() for p in network.parameters()),
                           gflops=gflops,
                           weights=weights,
                           test_memory=dict(network.test_memory_cfg),
                           exports=exports)
        del network
    records, masks = [], {}
    for row, (c, backend, n, k, sweep) in enumerate(plan, 1):
        info = networks[c]
        record = dict(config=args.configs[c],
                      backend=backend,
                      frames=n,
                      size=list(size),
                      objects=k,
                      params=info['params'],
                      gflops=info['gflops'][k],
                      weights=info['weights'],
                      threads=args.threads,
                      machine=machine,
                      matmul_gflops=matmul,
                      sweep=sweep,
                      sweep_only=sweep and (k != args.objects or n not in frames),
                      capped=False)
        deploy_dir = None
        if BACKENDS[backend]:
            deploy_dir, reason = info['exports'][k]
            if deploy_dir is None:
                record.update(skipped=reason, ms_per_frame=None, fps=None, peak_rss_mb=None)
                records.append(record)
                print(f'[{row}/{len(plan)}] {model_name(record)} {backend}: {reason}')
                continue
            graphs = read_meta(deploy_dir)['graphs'].values()
            record['onnx_mb'] = sum(g['bytes'][BACKENDS[backend]] for g in graphs) / 1e6
        label = f'[{row}/{len(plan)}] {model_name(record)} {record["backend"]} {n} frames {k} objects'
        result = run_isolated(
            dict(config=args.configs[c],
                 checkpoint=checkpoints[c],
                 seed=args.seed,
                 backend=backend,
                 deploy_dir=deploy_dir,
                 precision=BACKENDS[backend],
                 frames=n,
                 size=size,
                 objects=k,
                 threads=args.threads,
                 device=args.device,
                 warmup=args.warmup,
                 max_seconds=args.max_seconds,
                 check_frames=args.check_frames,
                 profile_depth=args.profile_depth
                 if args.profile and backend == 'torch' and n == frames[0] and k == args.objects else 0,
                 progress=not args.no_progress,
                 label=label))
        masks[len(records)] = result.pop('masks')
        record.update(result)
        record.update(summarise(record['latency_ms']))
        record['steps_ms'] = median_steps(record['latency_ms'], record['steps_ms'])
        record['matmul_share'] = record['gflops'] / (record['ms_per_frame'] / 1000) / matmul
        records.append(record)
        print(f'{label}: {record["ms_per_frame"]:.1f} ms/frame (p10 {record["ms_p10"]:.1f}, p90 '
              f'{record["ms_p90"]:.1f}), peak RSS {record["peak_rss_mb"]:.0f} MB' +
              (' (capped)' if record['capped'] else ''))
    if args.stcn_dir:
        with tempfile.TemporaryDirectory(prefix='benchmark_stcn_') as tmp:
            video = osp.join(tmp, 'video.npz')
            pool, ids = video_pool(size, args.objects, args.seed)
            np.savez(video, frames=pool, ids=ids)
            include_last = stcn_include_last([info['test_memory'] for info in networks.values()])
            for n in frames:
                result = run_stcn(args, size, n, video, include_last)
                memory = 'every 5th frame' + (' + the latest' if include_last else '')
                record = dict(config=f'STCN (its own code; memory {memory}, top-k 20)',
                              backend='torch (STCN)',
                              frames=n,
                              size=list(size),
                              objects=args.objects,
                              params=result['params'],
                              gflops=None,
                              weights='random',
                              threads=args.threads,
                              machine=machine,
                              matmul_gflops=matmul,
                              sweep=False,
                              sweep_only=False,
                              capped=result['capped'],
                              latency_ms=result['latency_ms'],
                              peak_rss_mb=result['peak_rss_mb'],
                              rss_warm_mb=result['rss_warm_mb'],
                              matmul_share=None)
                record.update(summarise(record['latency_ms']))
                for r in records:
                    if r['frames'] == n and r['objects'] == args.objects and r.get('ms_per_frame'):
                        r['stcn_ratio'] = record['ms_per_frame'] / r['ms_per_frame']
                records.append(record)
                print(f'STCN {n} frames: {record["ms_per_frame"]:.1f} ms/frame')
    add_object_costs(records)
    add_agreement(records, masks)
    print()
    print(f'{machine}; matmul peak {matmul:.0f} GFLOP/s; frames {size[0]}x{size[1]}; weights: ' + (
        'random (no --ckpt: timings are valid, masks are not)' if not any(checkpoints) else 'see the table'))
    print()
    print(markdown_tables(records, matmul))
    for r in records:
        if r.get('profile'):
            print()
            print(profile_table(r))
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(records, f, indent=1)
        print(f'\nwrote {args.json}')
    if args.plot:
        plot(records, args.plot)
        print(f'wrote {args.plot}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
