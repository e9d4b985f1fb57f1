"""Evaluate predicted masks against ground truth with the DAVIS 2017 semi-supervised J&F.

Examples::

    python tools/analysis/eval_masks.py --gt data/DAVIS --split val --pred work_dirs/x/results
    python tools/analysis/eval_masks.py --gt GT_DIR --pred PRED_DIR --json out.json --csv out_dir
    python tools/analysis/eval_masks.py --gt DAVIS2016_GT --pred PRED   # 0/255 masks are object 1
    # J&F against the distance from the first frame, beside the copy-first-mask baseline's masks
    python tools/analysis/eval_masks.py --gt data/synthetic_davis_128 --split val --pred work_dirs/x/masks \
        --compare copy-first-mask=work_dirs/copies --per-frame --plot per_frame.png

Both folders hold ``<sequence>/<frame>.png``; ``--gt`` may also be a DAVIS root
(its ``Annotations/480p`` is used). The numbers are those of the official
``davis2017-evaluation`` tool; JSON and CSV values are fractions in [0, 1]. ``--per-frame`` and
``--plot`` show the J&F at each frame index (every object's score at frame ``t`` of its video, averaged),
for ``--pred`` and each ``--compare`` folder, all scored by the same rules.
"""
import argparse
import csv
import json
import os
import os.path as osp
import sys
from typing import Dict, List, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mobilevos.evaluation import GLOBAL_KEYS, evaluate_folders, format_tables  # noqa: E402
from mobilevos.utils.cli import UserError, add_debug_argument, tool_main  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='DAVIS J&F of a folder of predicted masks')
    parser.add_argument('--gt', required=True, help='ground-truth folder (<seq>/<frame>.png) or DAVIS root')
    parser.add_argument('--pred', required=True, help='prediction folder (<seq>/<frame>.png)')
    parser.add_argument('--sequences', nargs='+', help='evaluate only these sequences')
    parser.add_argument('--split',
                        help='with a DAVIS root: read the sequences from ImageSets/<year>/<split>.txt')
    parser.add_argument('--year', type=int, default=2017, help='ImageSets year (default 2017)')
    parser.add_argument('--resolution', default='480p', help='Annotations sub-folder of a DAVIS root')
    parser.add_argument(
        '--objects',
        choices=['first_frame', 'all'],
        default='first_frame',
        help='first_frame (official): ids 1..max of the first GT frame; all: 1..max over all GT')
    parser.add_argument(
        '--binary',
        action='store_true',
        help='merge every GT object into id 1 (0/255 grayscale masks are object 1 without it)')
    parser.add_argument('--percent', action='store_true', help='print percentages instead of fractions')
    parser.add_argument('--json', help='write the global and per-sequence results here')
    parser.add_argument('--csv', help='folder for global_results.csv and per-sequence_results.csv')
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    parser.add_argument('--label',
                        help='name of --pred in the per-frame table and plot (default: its folder)')
    parser.add_argument('--compare',
                        action='append',
                        default=[],
                        metavar='[LABEL=]DIR',
                        help='another prediction folder scored the same way, for --per-frame and --plot '
                        '(repeatable)')
    parser.add_argument('--per-frame', action='store_true', help='print J&F per frame index')
    parser.add_argument('--plot', help='write a PNG of J&F per frame index (--pred and --compare)')
    parser.add_argument('--title', help="the plot's title (say there what the data is, e.g. synthetic)")
    add_debug_argument(parser)
    return parser.parse_args(argv)


def write_csv(folder: str, summary: dict) -> None:
    """The official tool's two CSV files (3 decimals)."""
    os.makedirs(folder, exist_ok=True)
    with open(osp.join(folder, 'global_results.csv'), 'w', newline='', encoding='utf-8') as handle:
        writer = csv.writer(handle)
        writer.writerow(GLOBAL_KEYS)
        writer.writerow([f'{summary["global"][k]:.3f}' for k in GLOBAL_KEYS])
    with open(osp.join(folder, 'per-sequence_results.csv'), 'w', newline='', encoding='utf-8') as handle:
        writer = csv.writer(handle)
        writer.writerow(['Sequence', 'J-Mean', 'F-Mean'])
        for row in summary['per_sequence']:
            writer.writerow([row['Sequence'], f'{row["J-Mean"]:.3f}', f'{row["F-Mean"]:.3f}'])


def labelled(spec: str) -> Tuple[str, str]:
    """``'LABEL=DIR'`` or ``'DIR'`` -> ``(label, dir)``; the label defaults to the folder's name."""
    label, sep, folder = spec.partition('=')
    if not sep:
        folder = spec
        label = osp.basename(osp.normpath(spec))
    if not label or not folder:
        raise UserError(f'--compare {spec!r}: expected DIR or LABEL=DIR')
    if not osp.isdir(folder):
        raise UserError(f'--compare {spec!r}: prediction folder {folder} does not exist')
    return label, folder


def format_per_frame(curves: Dict[str, List[dict]], percent: bool) -> str:
    """One row per frame index, J&F of each labelled prediction (and the number of objects scored)."""
    scale = 100.0 if percent else 1.0
    labels = list(curves)
    rows = [['frame', 'objects'] + labels]
    first = curves[labels[0]]
    for index, row in enumerate(first):
        rows.append([str(row['frame']), str(row['objects'])] +
                    [f'{curves[label][index]["J&F-Mean"] * scale:.3f}' for label in labels])
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    lines = ['--------------- J&F per frame index (frame t of each video; t = 1 is the first evaluated) '
             '---------------']
    lines += ['  '.join(cell.rjust(width) for cell, width in zip(r, widths)) for r in rows]
    return '\n'.join(lines)


def plot_per_frame(curves: Dict[str, List[dict]], path: str, title: str = '') -> None:
    """J&F (solid) and J (dotted) of each labelled prediction against the frame index."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for label, rows in curves.items():
        frames = [r['frame'] for r in rows]
        line, = ax.plot(frames, [100 * r['J&F-Mean'] for r in rows], marker='o', label=f'{label} J&F')
        ax.plot(frames, [100 * r['J-Mean'] for r in rows], linestyle=':', color=line.get_color(),
                label=f'{label} J')
    ax.set_xlabel('frame index in the video (0 = first frame, not scored)')
    ax.set_ylabel('percent (mean over objects)')
    ax.set_title(title or 'J&F per frame')
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    per_frame_only = (('--compare', args.compare), ('--label', args.label), ('--title', args.title))
    unused = [flag for flag, value in per_frame_only if value]
    if unused and not (args.per_frame or args.plot):
        raise UserError(f'{", ".join(unused)}: used only with --per-frame or --plot; add one of them')
    compared = [labelled(spec) for spec in args.compare]  # checked before the long evaluation

    def evaluate(pred_dir: str) -> dict:
        return evaluate_folders(args.gt,
                                pred_dir,
                                sequences=args.sequences,
                                split=args.split,
                                year=args.year,
                                resolution=args.resolution,
                                objects=args.objects,
                                gt_binary=args.binary,
                                progress=not args.no_progress)

    summary = evaluate(args.pred)
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w', encoding='utf-8') as handle:
            json.dump(summary, handle, indent=1)
    if args.csv:
        write_csv(args.csv, summary)
    print(format_tables(summary, title=args.split or '', percent=args.percent))
    if args.per_frame or args.plot:
        curves = {args.label or osp.basename(osp.normpath(args.pred)): summary['per_frame']}
        for label, folder in compared:
            other = evaluate(folder)
            curves[label] = other['per_frame']
            print(f'{label}: J&F {other["global"]["J&F-Mean"] * (100 if args.percent else 1):.3f} ({folder})')
        if args.per_frame:
            print(format_per_frame(curves, args.percent))
        if args.plot:
            plot_per_frame(curves, args.plot,
                           title=args.title or f'J&F per frame ({args.split or osp.basename(args.gt)})')
            print(f'plot written to {args.plot}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
