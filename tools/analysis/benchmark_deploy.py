"""Eager PyTorch vs ONNX Runtime (fp32, int8) per student: ms/frame, file sizes, mask agreement, J&F change.

Examples::

    python tools/analysis/benchmark_deploy.py                        # 3 students, 480x854, 30 frames
    python tools/analysis/benchmark_deploy.py --size 240x432 --frames 10 --students mbv2
    python tools/analysis/benchmark_deploy.py --checkpoint mbv2=work_dirs/mbv2/best.pth --coreml

For each student the same synthetic video (``mobilevos.datasets.synthetic``,
objects of frame 0, at most ``--max-objects``) runs through the same loop
(``VideoInferencer.propagate``) three times: eager PyTorch, ONNX Runtime fp32
and ONNX Runtime int8 (static quantisation calibrated on other synthetic
videos), all on the CPU with ``--threads`` threads. Timings are the mean over
all frames of a second pass (the first pass warms up), including reading
nothing from disk (frames are in memory), pre-processing and the argmax.

Without ``--checkpoint`` the students have random weights (LeCun-normal, see
``mobilevos.deploy.verify.lecun_random_init_``): agreement between backends is
meaningful, J&F against the ground truth is not (it is the J&F of an untrained
network), and the int8 J&F change on random weights says little about a
trained model. Every table says which weights were used.
"""
import argparse
import os
import os.path as osp
import platform
import sys
import tempfile
import time
from collections import defaultdict
from typing import Dict, List

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from mobilevos.datasets.synthetic import generate_video  # noqa: E402
from mobilevos.apis import init_model  # noqa: E402
from mobilevos.deploy import GRAPH_NAMES, ONNXRuntimeNetwork, export_network  # noqa: E402
from mobilevos.deploy.verify import jf_mean, lecun_random_init_, mean_object_iou  # noqa: E402
from mobilevos.inference import VideoInferencer  # noqa: E402
from mobilevos.utils.cli import add_debug_argument, tool_main  # noqa: E402

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STUDENTS = {
    'mbv2': 'configs/mobilevos_mbv2_synthetic.py',
    'mbv2-noaspp': 'configs/mobilevos_mbv2-noaspp_synthetic.py',
    'r18': 'configs/mobilevos_r18_synthetic.py',
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split('Examples::')[1])
    parser.add_argument('--students', nargs='+', default=list(STUDENTS), choices=list(STUDENTS))
    parser.add_argument('--size', default='480x854', help='frame size HxW (static graphs)')
    parser.add_argument('--frames', type=int, default=30, help='frames of the synthetic video')
    parser.add_argument('--max-objects', type=int, default=3, help='K of the static graphs')
    parser.add_argument('--threads', type=int, default=None, help='CPU threads (default: all cores)')
    parser.add_argument('--checkpoint',
                        nargs='*',
                        default=[],
                        metavar='NAME=PATH',
                        help='trained weights per student (default: random weights)')
    parser.add_argument('--calib-videos', type=int, default=2, help='synthetic calibration videos (int8)')
    parser.add_argument('--calib-frames', type=int, default=6, help='frames per calibration video')
    parser.add_argument('--coreml', action='store_true', help='also convert Core ML fp32/fp16 (sizes only)')
    parser.add_argument('--work-dir',
                        default=None,
                        help='keep the exports here (default: a temporary folder)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random weights and of the video')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def synthetic_video(seed: int, num_frames: int, size, max_objects: int):
    """Frames, ground truth restricted to (at most ``max_objects``) objects of frame 0, first annotation."""
    frames, masks, _ = generate_video(seed, 'val', 1, num_frames, size)
    kept = [int(i) for i in np.unique(masks[0]) if i][:max_objects]
    gt = np.where(np.isin(masks, kept), masks, 0).astype(np.uint8)
    return frames, gt


def timed_run(inferencer, frames, annotations, runtime=None) -> Dict[str, object]:
    """Warm-up pass over 3 frames, then a timed pass over all frames."""
    for _ in inferencer.propagate(list(frames[:3]), annotations, num_frames=3):
        pass
    calls: Dict[str, List[float]] = defaultdict(list)
    if runtime is not None:  # per-graph timing
        original = runtime._run

        def run(graph, arrays):
            start = time.perf_counter()
            out = original(graph, arrays)
            calls[graph].append(time.perf_counter() - start)
            return out

        runtime._run = run
    start = time.perf_counter()
    masks = [r.ids for r in inferencer.propagate(list(frames), annotations, num_frames=len(frames))]
    seconds = time.perf_counter() - start
    if runtime is not None:
        runtime._run = original
    return dict(masks=masks,
                ms=1000 * seconds / len(frames),
                graphs={
                    g: 1000 * float(np.mean(t))
                    for g, t in calls.items()
                })


def folder_bytes(meta: dict, precision: str) -> int:
    return sum(info['bytes'][precision] for info in meta['graphs'].values())


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    height, width = (int(v) for v in args.size.lower().split('x'))
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = args.threads or torch.get_num_threads()
    checkpoints = dict(item.split('=', 1) for item in args.checkpoint)
    work_root = args.work_dir or tempfile.mkdtemp(prefix='benchmark_deploy_')
    frames, gt = synthetic_video(args.seed, args.frames, (height, width), args.max_objects)
    annotations = {0: gt[0]}
    cpu = next(
        (line.split(':', 1)[1].strip() for line in open('/proc/cpuinfo') if line.startswith('model name')),
        platform.processor()) if osp.exists('/proc/cpuinfo') else platform.processor()
    print(
        f'machine: {cpu}, {os.cpu_count()} cores, {threads} threads; torch {torch.__version__}, onnxruntime '
        f'{__import__("onnxruntime").__version__}')
    print(f'video: synthetic (mobilevos.datasets.synthetic, seed {args.seed}), {args.frames} frames of '
          f'{height}x{width}, {len(np.unique(gt[0])) - 1} objects; static graphs for K={args.max_objects} '
          'objects')
    rows, graph_rows = [], []
    for name in args.students:
        config = osp.join(ROOT, STUDENTS[name])
        network = init_model(config, checkpoints.get(name))
        weights = f'checkpoint {osp.basename(checkpoints[name])}' if name in checkpoints else 'random weights'
        if name not in checkpoints:
            lecun_random_init_(network, seed=args.seed)
        params = sum(p.numel() for p in network.parameters()) / 1e6
        work_dir = osp.join(work_root, f'{name}_onnxruntime')
        deploy_cfg = dict(ir_config=dict(type='onnx', opset_version=17, input_shape=[height, width]),
                          codebase_config=dict(type='mobilevos',
                                               task='VOS',
                                               max_objects=args.max_objects,
                                               memory=dict(type='FirstLatestMemory',
                                                           keep_first=True,
                                                           num_latest=1)),
                          backend_config=dict(type='onnxruntime',
                                              precision='int8',
                                              quantization=dict(num_videos=args.calib_videos,
                                                                num_frames=args.calib_frames)))
        start = time.time()
        meta = export_network(network, deploy_cfg, work_dir, verify=False)
        print(f'{name}: exported fp32 + int8 in {time.time() - start:.0f} s ({weights})')
        eager = timed_run(VideoInferencer(network), frames, annotations)
        results = dict(eager=eager)
        for precision in ('fp32', 'int8'):
            runtime = ONNXRuntimeNetwork(work_dir, precision, num_threads=threads)
            results[precision] = timed_run(VideoInferencer(runtime), frames, annotations, runtime)
        jf = {k: jf_mean(gt, r['masks']) for k, r in results.items()}
        iou = {
            k: [mean_object_iou(a, b) for a, b in zip(results[k]['masks'], eager['masks'])]
            for k in ('fp32', 'int8')
        }
        sizes = {p: folder_bytes(meta, p) / 1e6 for p in ('fp32', 'int8')}
        coreml = ''
        if args.coreml:
            coreml_dir = osp.join(work_root, f'{name}_coreml')
            coreml_meta = export_network(
                network,
                dict(ir_config=dict(type='torch.export', input_shape=[height, width]),
                     codebase_config=dict(max_objects=args.max_objects),
                     backend_config=dict(type='coreml', precision=['fp32', 'fp16'])), coreml_dir)
            coreml = (f'{folder_bytes(coreml_meta, "fp32") / 1e6:.1f} / '
                      f'{folder_bytes(coreml_meta, "fp16") / 1e6:.1f} | ')
        rows.append(
            f'| {name} | {params:.2f} M | {weights} | {eager["ms"]:.0f} | {results["fp32"]["ms"]:.0f} | '
            f'{results["int8"]["ms"]:.0f} | {sizes["fp32"]:.1f} / {sizes["int8"]:.1f} | {coreml}'
            f'{min(iou["fp32"]):.4f} | {np.mean(iou["int8"]):.3f} | {jf["eager"]:.3f} | '
            f'{jf["fp32"] - jf["eager"]:+.4f} | {jf["int8"] - jf["fp32"]:+.4f} |')
        for precision in ('fp32', 'int8'):
            graphs = results[precision]['graphs']
            graph_rows.append(f'| {name} | {precision} | ' + ' | '.join(f'{graphs.get(g, float("nan")):.1f}'
                                                                        for g in GRAPH_NAMES) + ' |')
        print(rows[-1])
    coreml_head = 'MB Core ML fp32 / fp16 | ' if args.coreml else ''
    print()
    print(
        f'ms/frame over {args.frames} frames of {height}x{width} ({threads} CPU threads; {cpu}); sizes in MB')
    print()
    print('| student | params | weights | eager ms | ORT fp32 ms | ORT int8 ms | MB ORT fp32 / int8 | '
          f'{coreml_head}'
          'min IoU fp32 vs eager | mean IoU int8 vs eager | J&F eager | J&F fp32 - eager | J&F int8 - fp32 |')
    print('|---' * (12 + bool(args.coreml)) + '|')
    print('\n'.join(rows))
    print()
    print('ms per call of each graph (ONNX Runtime):')
    print()
    print('| student | variant | key_encoder | value_encoder | read_memory | decode | aggregate |')
    print('|---|---|---|---|---|---|---|')
    print('\n'.join(graph_rows))
    print(f'\nexports in {work_root}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
