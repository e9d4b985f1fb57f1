"""Train each depth config with several seeds, one run at a time, and print the result table.

Run from the repository root (the teacher first: the distilled configs load its checkpoint)::

    python tools/train.py projects/depth_distill/configs/teacher_r18_synthetic-depth.py
    python projects/depth_distill/tools/run_seeds.py --seeds 0 1 2
    python projects/depth_distill/tools/run_seeds.py --seeds 0 1 2 --summarize-only  # finished runs only

Each run writes ``work_dirs/depth_distill/<config>/seed<k>``; its held-out metrics are the last
``depth/*`` record of that run's ``vis_data/scalars.json``. Runs that already have metrics are skipped.
"""
import argparse
import glob
import json
import os
import os.path as osp
import statistics
import subprocess
import sys
from typing import Dict, List, Optional

from mobilevos.utils.cli import UserError, add_debug_argument, tool_main

CONFIG_DIR = osp.join('projects', 'depth_distill', 'configs')
CONFIGS = ('student_mbv2_synthetic-depth', 'distill_r18_to_mbv2_ckd-w0.9_synthetic-depth',
           'distill_r18_to_mbv2_ckd-w1.0_synthetic-depth', 'distill_r18_to_mbv2_feat-mse_synthetic-depth')
METRICS = ('depth/AbsRel', 'depth/RMSE', 'depth/delta1')


def run_metrics(work_dir: str) -> Optional[Dict[str, float]]:
    """The last record with depth metrics in a run's ``scalars.json`` files, or ``None``."""
    found = None
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if all(key in record for key in METRICS):
                    found = {key: float(record[key]) for key in METRICS}
    return found


def table(rows: Dict[str, List[Dict[str, float]]]) -> str:
    """A markdown table: mean ± sample std over seeds (the mean alone for one seed) per config and metric."""
    lines = ['| config | seeds | AbsRel ↓ | RMSE (m) ↓ | δ<1.25 (%) ↑ |', '|---|---|---|---|---|']
    for name, runs in rows.items():
        cells = []
        for key in METRICS:
            values = [r[key] for r in runs]
            digits = 2 if key == 'depth/delta1' else 4
            spread = f' ± {statistics.stdev(values):.{digits}f}' if len(values) > 1 else ''
            cells.append(f'{statistics.mean(values):.{digits}f}{spread}')
        lines.append(f'| {name} | {len(runs)} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


@tool_main
def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--configs', nargs='+', default=list(CONFIGS), help='config names (no .py)')
    parser.add_argument('--work-root', default=osp.join('work_dirs', 'depth_distill'))
    parser.add_argument('--summarize-only', action='store_true', help='do not train; tabulate finished runs')
    parser.add_argument('--cfg-options', nargs='*', default=[], help='passed on to tools/train.py')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    missing = [name for name in args.configs if not osp.isfile(osp.join(CONFIG_DIR, f'{name}.py'))]
    if missing:
        raise UserError(f'--configs: no {", ".join(osp.join(CONFIG_DIR, n + ".py") for n in missing)} '
                        f'(run from the repository root; the configs are {", ".join(CONFIGS)})')
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get('OMP_NUM_THREADS', '1'))
    rows: Dict[str, List[Dict[str, float]]] = {}
    for seed in args.seeds:  # seed-major: an interrupted sweep still has whole seeds
        for name in args.configs:
            work_dir = osp.join(args.work_root, name, f'seed{seed}')
            if run_metrics(work_dir) is None and not args.summarize_only:
                command = [
                    sys.executable, 'tools/train.py',
                    osp.join(CONFIG_DIR, f'{name}.py'), '--work-dir', work_dir, '--cfg-options',
                    f'randomness.seed={seed}', *args.cfg_options
                ]
                print(' '.join(command), flush=True)
                if subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode != 0:
                    raise UserError(f'training {name}.py (seed {seed}) failed: see its error above and the '
                                    f'log in {work_dir}; rerun this command to go on (finished runs are skipped)')
            metrics = run_metrics(work_dir)
            if metrics is not None:
                rows.setdefault(name, []).append(metrics)
                print(f'{name} seed {seed}: {metrics}', flush=True)
    print(table(rows))


if __name__ == '__main__':
    sys.exit(main())
