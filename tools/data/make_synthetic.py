"""Write the synthetic VOS dataset in the DAVIS 2017 layout (deterministic for a seed).

Examples::

    python tools/data/make_synthetic.py --out data/synthetic --videos 300 --frames 10 --size 96x96 --seed 0
    python tools/data/make_synthetic.py --out /tmp/tiny --videos 4 --frames 5 --size 32x48 --val-videos 2

See ``mobilevos/datasets/synthetic/`` and ``docs/datasets.md`` for what the videos contain.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mobilevos.datasets.synthetic import ensure_synthetic_davis, make_synthetic_davis  # noqa: E402
from mobilevos.utils.cli import add_debug_argument, tool_main  # noqa: E402


def parse_size(text: str):
    """``'HxW'`` -> ``(H, W)``."""
    try:
        height, width = (int(v) for v in text.lower().split('x'))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f'--size must be HxW, e.g. 96x96; got {text!r}') from error
    return height, width


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Write a synthetic DAVIS-2017-layout dataset')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--videos', type=int, default=300, help='train videos (default 300)')
    parser.add_argument('--val-videos',
                        type=int,
                        default=None,
                        help='val videos (default videos // 10, >= 1)')
    parser.add_argument('--frames', type=int, default=10, help='frames per video (default 10)')
    parser.add_argument('--size', type=parse_size, default=(96, 96), help='HxW (default 96x96)')
    parser.add_argument('--seed', type=int, default=0, help='random seed (default 0)')
    parser.add_argument('--overwrite', action='store_true', help='replace a synthetic dataset in --out')
    parser.add_argument('--reuse',
                        action='store_true',
                        help='keep a dataset already in --out if it was made with the same arguments')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    if args.reuse and not args.overwrite:
        summary = ensure_synthetic_davis(args.out,
                                         args.videos,
                                         args.frames,
                                         args.size,
                                         args.seed,
                                         args.val_videos,
                                         progress=not args.no_progress)
        if summary['seconds'] == 0.0:
            print(f'reusing the synthetic dataset in {args.out} (same arguments)')
            return 0
    else:
        summary = make_synthetic_davis(args.out,
                                       args.videos,
                                       args.frames,
                                       args.size,
                                       args.seed,
                                       args.val_videos,
                                       overwrite=args.overwrite,
                                       progress=not args.no_progress)
    events = summary['events']
    print(f'wrote {len(summary["train"])} train and {len(summary["val"])} val videos of {args.frames} frames '
          f'({args.size[0]}x{args.size[1]}) to {args.out} in {summary["seconds"]:.1f} s; videos with '
          f'occlusion {events["occlusion"]}, late appearance {events["late_appearance"]}, '
          f're-entry {events["reentry"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
