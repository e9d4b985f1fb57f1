"""Segment one video: a folder of frames plus the first frame's mask -> DAVIS-style palette PNGs.

Examples::

    python tools/infer.py configs/distill_r50_to_mbv2.py work_dirs/distill_r50_to_mbv2/iter_150000.pth \\
        --frames data/bear/frames --mask data/bear/00000.png --out out/bear --overlay
    # YouTube-VOS style: masks of later frames introduce new objects (named after their frames)
    python tools/infer.py CONFIG CKPT --frames DIR --mask 00000.png 00035.png --out OUT
    # another memory policy, a processing size, a GPU
    python tools/infer.py CONFIG CKPT --frames DIR --mask M.png --out OUT \\
        --memory infinite:5 --size 480 --device cuda

    # the exported graphs over ONNX Runtime (what an Android app runs; see docs/deploy.md)
    python tools/infer.py CONFIG CKPT --backend onnxruntime --deploy-dir deploy/mbv2 \\
        --frames DIR --mask M.png --out OUT [--precision int8]

The checkpoint may be a network checkpoint or a distillation checkpoint (its
``student.`` weights are used); it is loaded with ``weights_only=True``. With
``--backend onnxruntime`` the frames run through the graphs in ``--deploy-dir``
(written by tools/deploy.py) with the same loop; CONFIG and CKPT must be those
the graphs were exported from (checked by a digest of the weights).
Configs are Python files and are executed: only run configs you trust.
"""
import argparse
import os.path as osp
import sys

# Make `projects.*` plugins importable when run from a checkout.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mobilevos.apis import BACKENDS, build_segmenter  # noqa: E402
from mobilevos.inference import MEMORY_SHORTHANDS, VideoInferencer, parse_memory  # noqa: E402
from mobilevos.utils.cli import UserError, add_debug_argument, tool_main  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Segment a video with a mobilevos model',
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=f'--memory choices:\n{MEMORY_SHORTHANDS}')
    parser.add_argument('config', help='model config file (a model, or a distillation config: its student)')
    parser.add_argument('checkpoint', help='checkpoint (.pth) with the network or distillation weights')
    parser.add_argument('--frames',
                        required=True,
                        help='folder of frames (*.jpg, *.png, ...), sorted by name')
    parser.add_argument(
        '--mask',
        required=True,
        nargs='+',
        help='annotation mask of the first frame; several masks are matched to frames by name')
    parser.add_argument('--out', required=True, help='output folder for <frame>.png masks')
    parser.add_argument('--overlay', action='store_true', help='also write overlays/<frame>.jpg')
    parser.add_argument('--memory', default=None, help="memory policy (default: the config's test_memory)")
    parser.add_argument(
        '--size',
        type=int,
        default=None,
        help='process frames resized to this shorter side (e.g. 480); outputs keep the input size')
    parser.add_argument('--device', default='cpu', help='torch device, e.g. cpu or cuda:0')
    parser.add_argument('--backend',
                        choices=BACKENDS,
                        default='torch',
                        help='torch: eager PyTorch; onnxruntime: the exported graphs in --deploy-dir')
    parser.add_argument('--deploy-dir', default=None, help='folder written by tools/deploy.py (onnxruntime)')
    parser.add_argument('--precision', default=None, help='variant of the exported graphs (fp32, int8)')
    parser.add_argument('--no-progress', action='store_true', help='hide the progress bar')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    if osp.exists(args.out) and not osp.isdir(args.out):
        raise UserError(f'--out {args.out} is a file; --out names the folder for the masks '
                        '(a new or an existing folder)')
    memory = parse_memory(args.memory) if args.memory is not None else None
    segmenter = build_segmenter(args.config,
                                args.checkpoint,
                                backend=args.backend,
                                deploy_dir=args.deploy_dir,
                                precision=args.precision,
                                device=args.device)
    inferencer = VideoInferencer(segmenter, memory=memory, device=args.device, size=args.size)
    summary = inferencer(args.frames, args.mask, args.out, overlay=args.overlay, show_progress=not args.no_progress)
    print(f'wrote {summary.num_frames} masks to {summary.out_dir} (objects {summary.object_ids})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
