"""J&F of the no-network baseline: each object's first ground-truth mask copied onto every later frame.

Examples::

    python tools/analysis/copy_first_mask.py data/synthetic_davis_128 --split val
    python tools/analysis/copy_first_mask.py data/DAVIS --split val --json baseline.json --out copies/

``DATA_ROOT`` is a DAVIS-format folder (``Annotations/<resolution>/<sequence>/<frame>.png``,
``ImageSets/<year>/<split>.txt``) or a folder of ``<sequence>/<frame>.png`` ground truth. The copies
are written as PNGs (to ``--out``, or a temporary folder) and scored by the same code as
``tools/analysis/eval_masks.py`` (:func:`mobilevos.evaluation.evaluate_folders`), so the number is
directly comparable with a model's J&F from ``tools/test.py`` on the same split. The baseline is given
what a model is given: the masks of frame 0 and, for an object that enters later, its mask in the frame
where it first appears (the YouTube-VOS protocol, which the test loop follows for such data); it pastes
each new object over the copy from then on. Where every object is in frame 0 (DAVIS), that is frame 0's
mask on every frame. A model that does not beat it has learned nothing about motion.
"""
import argparse
import json
import os
import os.path as osp
import sys
import tempfile
from typing import Dict, Optional

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mobilevos.evaluation import (evaluate_folders, format_tables, list_sequences,  # noqa: E402
                                  resolve_gt_root)
from mobilevos.utils.cli import UserError, add_debug_argument, tool_main  # noqa: E402
from mobilevos.utils.io import VOID_ID, read_mask, write_mask  # noqa: E402

#: The name of this baseline in results files and tables.
BASELINE_NAME = 'copy-first-mask'


def write_copies(data_root: str, out_dir: str, split: Optional[str] = None, year: int = 2017,
                 resolution: str = '480p') -> int:
    """Write ``<out_dir>/<sequence>/<frame>.png``: each object's first mask, copied onto every later frame.

    Returns:
        The number of sequences written.

    Raises:
        UserError: a sequence folder without PNG masks (named).
    """
    gt_root = resolve_gt_root(data_root, resolution)
    names = list_sequences(data_root, split, year, resolution)
    for name in names:
        seq = osp.join(gt_root, name)
        frames = sorted(f for f in os.listdir(seq) if f.endswith('.png')) if osp.isdir(seq) else []
        if not frames:
            raise UserError(f'{seq} holds no .png mask; DATA_ROOT must be a DAVIS-format folder '
                            '(Annotations/<resolution>/<sequence>/<frame>.png)')
        copy = None  # (H, W) uint8 ids: the objects seen so far, each as in its first frame
        seen = set()
        for frame in frames:
            ids = read_mask(osp.join(seq, frame))  # (H, W) uint8 ids
            copy = np.zeros_like(ids) if copy is None else copy
            new = [int(i) for i in np.unique(ids) if i not in (0, VOID_ID) and int(i) not in seen]
            if new:
                copy = np.where(np.isin(ids, new), ids, copy)
            seen.update(new)
            write_mask(osp.join(out_dir, name, frame), copy)
    return len(names)


def copy_first_mask(data_root: str, split: Optional[str] = None, year: int = 2017, resolution: str = '480p',
                    out_dir: Optional[str] = None) -> Dict[str, object]:
    """Score the copy-first-mask baseline on a DAVIS-format folder.

    Args:
        data_root: DAVIS root or folder of ground-truth sequence folders.
        split: read the sequences from ``ImageSets/<year>/<split>.txt`` (default: every sequence).
        year, resolution: as :func:`mobilevos.evaluation.evaluate_folders`.
        out_dir: keep the copied masks here (default: a temporary folder, removed afterwards).

    Returns:
        :func:`mobilevos.evaluation.summarize_results`' dict (fractions in [0, 1]) plus ``method``,
        ``inputs`` (``'first_appearance'``: each object's first mask is copied), ``data_root`` and ``split``.
    """
    with tempfile.TemporaryDirectory(prefix='copy_first_mask_') as tmp:
        pred_dir = out_dir or tmp
        write_copies(data_root, pred_dir, split, year, resolution)
        summary = evaluate_folders(data_root, pred_dir, split=split, year=year, resolution=resolution)
    return dict(summary, method=BASELINE_NAME, inputs='first_appearance', data_root=data_root, split=split)


@tool_main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="J&F of copying each object's first mask onto every later frame (no network)")
    parser.add_argument('data_root', help='DAVIS-format folder (or <sequence>/<frame>.png ground truth)')
    parser.add_argument('--split', help='read the sequences from ImageSets/<year>/<split>.txt (e.g. val)')
    parser.add_argument('--year', type=int, default=2017, help='ImageSets year (default 2017)')
    parser.add_argument('--resolution', default='480p', help='Annotations sub-folder of a DAVIS root')
    parser.add_argument('--out', help='also keep the copied masks in this folder')
    parser.add_argument('--json', help='write the global and per-sequence results here')
    parser.add_argument('--percent', action='store_true', help='print percentages instead of fractions')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    summary = copy_first_mask(args.data_root, args.split, args.year, args.resolution, args.out)
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w', encoding='utf-8') as handle:
            json.dump(summary, handle, indent=1)
    print(format_tables(summary, title=f'{BASELINE_NAME} {args.split or ""}'.strip(), percent=args.percent))
    return 0


if __name__ == '__main__':
    sys.exit(main())
