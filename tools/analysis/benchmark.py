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

The work is split over ``tools/analysis/benchmark_*.py``: ``benchmark_measure`` (the video,
FLOPs, step and module times), ``benchmark_backends`` (eager networks and exported graphs),
``benchmark_rows`` (one row in a fresh process, row statistics), ``benchmark_reference`` (STCN's
rows) and ``benchmark_report`` (tables and plot); this file is the command line.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402

from mobilevos.utils.cli import add_debug_argument, tool_main  # noqa: E402
from mobilevos.utils.config import check_device  # noqa: E402
from tools.analysis.benchmark_backends import BACKENDS, onnx_export, onnx_mb  # noqa: E402
from tools.analysis.benchmark_measure import MATMUL_N, POOL, frame_gflops, load_network  # noqa: E402
from tools.analysis.benchmark_measure import machine_name, matmul_gflops  # noqa: E402
from tools.analysis.benchmark_reference import add_stcn_rows  # noqa: E402
from tools.analysis.benchmark_report import markdown_tables, model_name, plot, profile_table  # noqa: E402
from tools.analysis.benchmark_rows import add_agreement, add_object_costs, median_steps  # noqa: E402
from tools.analysis.benchmark_rows import run_isolated, summarise  # noqa: E402

Plan = List[Tuple[int, str, int, int, bool]]


# ----------------------------------------------------------------------------------------- options --
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


def check_args(args) -> Tuple[Tuple[int, int], List[int], List[str], List[Optional[str]]]:
    """The frame size, video lengths, backends and one checkpoint per config (``None``: random).

    Raises:
        ValueError / FileNotFoundError: an option is invalid or names a missing file (the message says which).
    """
    size = parse_size(args.size)
    frames = parse_ints(args.frames, '--frames', 2)
    check_device(args.device)
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
    return size, frames, backends, checkpoints


# ----------------------------------------------------------------------------------------- the run --
def prepare_networks(args, size: Tuple[int, int], plan: Plan, backends: List[str],
                     checkpoints: List[Optional[str]]) -> Dict[int, dict]:
    """Per config index: parameters, GFLOP/frame per object count, weights, ``test_memory`` and the
    exports (per object count: ``(folder, '')`` or ``(None, reason)``) the graph backends run."""
    networks: Dict[int, dict] = {}
    for c, config in enumerate(args.configs):
        network = load_network(config, checkpoints[c], args.seed)
        weights = osp.basename(checkpoints[c]) if checkpoints[c] else 'random'
        objects = sorted({k for (ci, _, _, k, _) in plan if ci == c})
        start = time.time()
        gflops = {k: frame_gflops(network, size, k) for k in objects}
        print(f'{config}: {sum(p.numel() for p in network.parameters()) / 1e6:.2f} M parameters, '
              f'{weights} weights; GFLOP/frame ' + ', '.join(f'{gflops[k]:.1f} ({k} objects)'
                                                             for k in objects) +
              f' (counted in {time.time() - start:.0f} s)')
        exports = {}
        precisions = [BACKENDS[b] for b in backends if BACKENDS[b]]
        if precisions:
            for k in objects:
                exports[k] = onnx_export(network, config, checkpoints[c],
                                         'int8' if 'int8' in precisions else 'fp32', size, k, args.work_dir,
                                         args.reuse_exports, print)
        networks[c] = dict(params=sum(p.numel() for p in network.parameters()),
                           gflops=gflops,
                           weights=weights,
                           test_memory=dict(network.test_memory_cfg),
                           exports=exports)
        del network
    return networks


def time_rows(args, size: Tuple[int, int], frames: List[int], plan: Plan, networks: Dict[int, dict],
              checkpoints: List[Optional[str]], common: dict) -> Tuple[List[dict], Dict[int, list]]:
    """Every row of ``plan``, each in its own process: the records, and the masks of each timed one."""
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
                      **common,
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
            record['onnx_mb'] = onnx_mb(deploy_dir, backend)
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
        record['matmul_share'] = record['gflops'] / (record['ms_per_frame'] / 1000) / common['matmul_gflops']
        records.append(record)
        print(f'{label}: {record["ms_per_frame"]:.1f} ms/frame (p10 {record["ms_p10"]:.1f}, p90 '
              f'{record["ms_p90"]:.1f}), peak RSS {record["peak_rss_mb"]:.0f} MB' +
              (' (capped)' if record['capped'] else ''))
    return records, masks


def report(args, records: List[dict], size: Tuple[int, int], checkpoints: List[Optional[str]],
           common: dict) -> None:
    """Print the tables; write the JSON and the plot if asked."""
    print()
    weights = 'see the table' if any(checkpoints) else 'random (no --ckpt: timings are valid, masks are not)'
    peak = common['matmul_gflops']
    print(f'{common["machine"]}; matmul peak {peak:.0f} GFLOP/s; frames {size[0]}x{size[1]}; '
          f'weights: {weights}')
    print()
    print(markdown_tables(records, peak))
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


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    size, frames, backends, checkpoints = check_args(args)
    if args.threads:
        torch.set_num_threads(args.threads)
    args.threads = torch.get_num_threads()
    plan = plan_rows(args, frames, backends)
    device = torch.device(args.device)  # checked by check_args
    matmul = matmul_gflops(device)
    machine = f'{machine_name()}, {os.cpu_count()} logical cores, {args.threads} threads'
    if device.type == 'cuda':
        machine += f'; {torch.cuda.get_device_name(device)}'
    print(f'machine: {machine}; torch {torch.__version__}; fp32 {MATMUL_N}x{MATMUL_N} matmul peak '
          f'{matmul:.0f} GFLOP/s at {args.threads} threads')
    print(f'video: {size[0]}x{size[1]} random 8x8-block frames (a pool of {POOL}), objects as vertical '
          f'strips on frame 0; warm-up {args.warmup} frames; ms/frame = median over the frames after the '
          'first')
    common = dict(threads=args.threads, machine=machine, matmul_gflops=matmul)
    networks = prepare_networks(args, size, plan, backends, checkpoints)
    records, masks = time_rows(args, size, frames, plan, networks, checkpoints, common)
    if args.stcn_dir:
        memories = [info['test_memory'] for info in networks.values()]
        add_stcn_rows(args, size, frames, memories, records, common)
    add_object_costs(records)
    add_agreement(records, masks)
    report(args, records, size, checkpoints, common)
    return 0


if __name__ == '__main__':
    sys.exit(main())
