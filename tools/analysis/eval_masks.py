"""Evaluate predicted masks against ground truth with the DAVIS 2017 semi-supervised J&F.

Examples::

    python tools/analysis/eval_masks.py --gt data/DAVIS --split val --pred work_dirs/x/results
    python tools/analysis/eval_masks.py --gt GT_DIR --pred PRED_DIR --json out.json --csv out_dir
    python tools/analysis/eval_masks.py --gt DAVIS2016_GT --pred PRED   # 0/255 masks are object 1

Both folders hold ``<sequence>/<frame>.png``; ``--gt`` may also be a DAVIS root
(its ``Annotations/480p`` is used). The numbers are those of the official
``davis2017-evaluation`` tool; JSON and CSV values are fractions in [0, 1].
"""
import argparse
import csv
import json
import os
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mobilevos.evaluation import GLOBAL_KEYS, evaluate_folders, format_tables  # noqa: E402
from mobilevos.utils.cli import add_debug_argument, tool_main  # noqa: E402


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


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    summary = evaluate_folders(args.gt,
                               args.pred,
                               sequences=args.sequences,
                               split=args.split,
                               year=args.year,
                               resolution=args.resolution,
                               objects=args.objects,
                               gt_binary=args.binary,
                               progress=not args.no_progress)
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w', encoding='utf-8') as handle:
            json.dump(summary, handle, indent=1)
    if args.csv:
        write_csv(args.csv, summary)
    print(format_tables(summary, title=args.split or '', percent=args.percent))
    return 0


if __name__ == '__main__':
    sys.exit(main())
