"""Segment one video (frame folder, video file or live stream) from the first frame's mask -> palette PNGs.

Examples::

    python tools/infer.py configs/distill_r50_to_mbv2.py work_dirs/distill_r50_to_mbv2/iter_150000.pth \\
        --frames data/bear/frames --mask data/bear/00000.png --out out/bear --overlay
    # YouTube-VOS style: masks of later frames introduce new objects (named after their frames)
    python tools/infer.py CONFIG CKPT --frames DIR --mask 00000.png 00035.png --out OUT
    # another memory policy, a processing size, a GPU
    python tools/infer.py CONFIG CKPT --frames DIR --mask M.png --out OUT \\
        --memory infinite:5 --size 480 --device cuda

    # a video file (decoded as a stream) or a live source (drops frames when behind; prints the FPS)
    python tools/infer.py CONFIG CKPT --video clip.mp4 --mask 00000.png --out OUT \\
        --overlay-video OUT/overlay.mp4 [--alpha-video OUT/alpha.mp4]
    python tools/infer.py CONFIG CKPT --camera 0 --mask M.png --out OUT --max-frames 300
    python tools/infer.py CONFIG CKPT --stream rtsp://host/cam --mask M.png --out OUT

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

from mobilevos.apis import BACKENDS, build_inferencer  # noqa: E402
from mobilevos.inference import MEMORY_SHORTHANDS, read_annotation  # noqa: E402
from mobilevos.inference.segment_stream import segment_stream  # noqa: E402
from mobilevos.inference.video_source import open_source  # noqa: E402
from mobilevos.utils.cli import UserError, add_debug_argument, tool_main  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Segment a video with a mobilevos model',
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=f'--memory choices:\n{MEMORY_SHORTHANDS}')
    parser.add_argument('config', help='model config file (a model, or a distillation config: its student)')
    parser.add_argument('checkpoint', help='checkpoint (.pth) with the network or distillation weights')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--frames', help='folder of frames (*.jpg, *.png, ...), sorted by name')
    source.add_argument('--video', help='video file (any format ffmpeg reads: mp4, mkv, avi, webm, ...)')
    source.add_argument('--camera', type=int, help='live camera index N (/dev/videoN)')
    source.add_argument('--stream', help='live stream URL (rtsp://, http://, ...)')
    parser.add_argument(
        '--mask',
        required=True,
        nargs='+',
        help='annotation mask of the first frame; several masks are matched to frames by name')
    parser.add_argument('--out', required=True, help='output folder for <frame>.png masks')
    parser.add_argument('--overlay', action='store_true', help='also write overlays/<frame>.jpg (--frames)')
    parser.add_argument('--overlay-video', help='write the masks blended over the frames as this MP4')
    parser.add_argument('--alpha-video', help='write an alpha matte (white on the objects) as this MP4')
    parser.add_argument('--max-frames',
                        type=int,
                        default=None,
                        help='live sources: stop after this many frames; video files: refuse longer ones')
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
                        help='torch: eager PyTorch; onnxruntime or litert: the exported graphs in '
                        '--deploy-dir (litert: in the environment of tools/install_litert.sh)')
    parser.add_argument('--optimize',
                        action='store_true',
                        help='torch backend: fold batch norms into convs and use channels-last weights '
                        '(same masks, faster on CPU)')
    parser.add_argument('--deploy-dir',
                        default=None,
                        help='folder written by tools/deploy.py (onnxruntime, litert)')
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
    inferencer = build_inferencer(args.config, args.checkpoint, args.memory, args.size, args.backend,
                                  args.deploy_dir, args.precision, args.device, optimize=args.optimize)
    if args.frames is None or args.overlay_video or args.alpha_video:
        return _segment_stream(args, inferencer)
    summary = inferencer(args.frames, args.mask, args.out, overlay=args.overlay, show_progress=not args.no_progress)
    print(f'wrote {summary.num_frames} masks to {summary.out_dir} (objects {summary.object_ids})')
    return 0


def _rss_mb() -> float:
    import psutil
    return psutil.Process().memory_info().rss / 2**20


def _on_frame(done: int, progress) -> None:
    progress.update(1)
    if done == 1:  # the model's working memory is allocated by now: later growth would be a leak
        progress.write(f'RSS after the first frame: {_rss_mb():.0f} MB')


def _segment_stream(args, inferencer) -> int:
    """A video file, live source (or frames with video outputs): streamed, with RSS and the achieved FPS."""
    live = args.camera if args.camera is not None else args.stream
    source = open_source(frames=args.frames, video=args.video, live=live, max_frames=args.max_frames)
    if len(args.mask) != 1:
        raise UserError('with --video, --camera or --stream give one --mask: the first frame\'s')
    annotation = read_annotation(args.mask[0], source.size, f'the first frame of {source.name}')
    print(f'RSS at start: {_rss_mb():.0f} MB ({source.name}, {source.size[1]}x{source.size[0]}, '
          f'{source.num_frames or "unknown number of"} frames)')
    from tqdm import tqdm
    with tqdm(total=source.num_frames, unit='frame', disable=args.no_progress) as progress:
        summary = segment_stream(inferencer,
                                 source,
                                 annotation.ids,
                                 annotation.palette,
                                 out_dir=args.out,
                                 overlay_video=args.overlay_video,
                                 alpha_video=args.alpha_video,
                                 on_frame=lambda done, total: _on_frame(done, progress))
    print(f'RSS at end: {_rss_mb():.0f} MB')
    print(f'wrote {summary.num_frames} masks to {args.out} (objects {summary.object_ids}); '
          f'{summary.fps:.2f} frames/s achieved, {summary.dropped} frames dropped')
    for path in (summary.overlay_video, summary.alpha_video):
        if path:
            print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
