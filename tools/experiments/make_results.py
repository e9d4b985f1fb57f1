"""Markdown tables and plots of the CPU-scale experiments (docs/results.md) from their results JSON.

Examples::

    python tools/experiments/make_results.py work_dirs/cpu_scale/ablations
    python tools/experiments/make_results.py work_dirs/cpu_scale/ablations --iters 500 \\
        --teacher-dir work_dirs/cpu_scale/stcn_r50_synthetic-128 --images docs/images --markdown tables.md

Reads ``<results>/iters<N>/table<T>/<variant>/seed<S>.json`` (``tools/experiments/run_ablation.py``) and
``<results>/iters<N>/copy_first_mask.json`` (the no-network baseline, a row of every table). Each row is
the mean +- sample standard deviation over its seeds, in percent. Plots: ``results_table<T>.png`` per
table and, with ``--teacher-dir``, the teacher's learning curve (``results_teacher_curve.png``, from the
``vis_data/scalars.json`` files mmengine writes into the run's work dir, resumed runs included).
Every number is on synthetic data at CPU scale.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import sys
from glob import glob
from typing import Dict, List, Optional, Tuple

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mobilevos.utils.cli import UserError, add_debug_argument, tool_main  # noqa: E402
from tools.experiments.run_ablation import (EVAL_PROTOCOL, FULL_ITERS, TITLES,  # noqa: E402
                                            baseline_is_current, read_record, table_variants)

SCOPE = 'synthetic, CPU-scale'
METRICS = (('J&F', 'davis/J&F-Mean'), ('J', 'davis/J-Mean'), ('F', 'davis/F-Mean'))
BASELINE_ROW = 'copy-first-mask (no network)'
#: The paper's J&F on DAVIS 2017 val (real data, GPU-scale training), where it gives one.
PAPER = {
    '5': {'first only': '82.0', 'latest only': '60.1', 'first + latest': '90.1', 'first + latest 3': '–',
          'unbounded': '90.2'}
}


def mean_std(values: List[float]) -> Tuple[float, Optional[float]]:
    """Mean and sample standard deviation (``None`` for a single value)."""
    return statistics.mean(values), (statistics.stdev(values) if len(values) > 1 else None)


def fmt(values: List[float]) -> str:
    """Fractions as ``mean ± std`` in percent (one decimal)."""
    mean, std = mean_std([100 * v for v in values])
    return f'{mean:.1f}' if std is None else f'{mean:.1f} ± {std:.1f}'


def load_table(root: str, table: str) -> Dict[str, List[dict]]:
    """Results records of the table's rows (run_ablation.py's variants), grouped and in the table's order.

    Folders of rows the table no longer has are not read. A record scored by an older evaluation than
    ``EVAL_PROTOCOL`` is an error naming it: rerunning its run_ablation.py command tests it again.
    """
    groups: Dict[str, List[dict]] = {}
    for variant in table_variants(table):
        for path in sorted(glob(osp.join(root, f'table{table}', variant.slug, 'seed*.json'))):
            record = read_record(path)
            if 'variant' not in record or not all(key in record.get('metrics', {}) for _, key in METRICS):
                raise UserError(f'{path} is not a run_ablation.py results file '
                                f'(no variant or {METRICS[0][1]})')
            if record.get('eval_protocol') != EVAL_PROTOCOL:
                raise UserError(f'{path} was scored by an older evaluation (eval_protocol '
                                f'{record.get("eval_protocol")}, now {EVAL_PROTOCOL}); rerun its '
                                f'run_ablation.py {table} command, which tests it again without training')
            groups.setdefault(record['variant'], []).append(record)
    return groups


def load_baseline(path: str) -> dict:
    """The copy-first-mask global scores (fractions) of ``tools/analysis/copy_first_mask.py --json``."""
    make = (f'make it with: python tools/analysis/copy_first_mask.py DATA_ROOT --split val --json {path} '
            '(run_ablation.py writes it after its runs)')
    record = read_record(path)
    if record is None:
        raise UserError(f'{path} does not exist; {make}')
    if not baseline_is_current(record):
        raise UserError(f"{path} copies frame 0's mask only (an older evaluation); {make}")
    return record['global']


def table_markdown(table: str, groups: Dict[str, List[dict]], baseline: dict, iters: int) -> str:
    """One table: the baseline row, then one row per variant."""
    paper = PAPER.get(table)
    head = ['variant'] + [name for name, _ in METRICS] + ['seeds', 'train min/run']
    head += ['paper (DAVIS 2017 val)'] if paper else []
    lines = [f'### Table {table}: {TITLES[table]} ({SCOPE})', '',
             f'{iters} training iterations per run; J&F, J and F in percent on the synthetic val split, '
             'mean ± std over seeds.', '', '| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    row = [BASELINE_ROW] + [f"{100 * baseline[key.split('/')[1]]:.1f}" for _, key in METRICS] + ['–', '–']
    lines.append('| ' + ' | '.join(row + (['–'] if paper else [])) + ' |')
    for variant, records in groups.items():
        seeds = ', '.join(str(r['seed']) for r in records if r['seed'] is not None) or 'recipe'
        minutes = statistics.mean(r.get('train_seconds', 0.0) for r in records) / 60
        row = [variant] + [fmt([r['metrics'][key] for r in records]) for _, key in METRICS]
        row += [seeds, f'{minutes:.0f}' if minutes else '–']
        row += [paper.get(variant, '–')] if paper else []
        lines.append('| ' + ' | '.join(row) + ' |')
    return '\n'.join(lines) + '\n'


def plot_table(table: str, groups: Dict[str, List[dict]], baseline: dict, path: str) -> None:
    """Bars of mean J&F with the seeds' std (none on a single seed), each labelled with its mean and number
    of seeds, and the baseline as a dashed line."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = list(groups)
    stats = [mean_std([100 * r['metrics']['davis/J&F-Mean'] for r in groups[n]]) for n in names]
    fig, ax = plt.subplots(figsize=(max(6.0, 0.8 * len(names) + 2), 3.8))
    errors = [float('nan') if s is None else s for _, s in stats] if any(s for _, s in stats) else None
    bars = ax.bar(range(len(names)), [m for m, _ in stats], yerr=errors, capsize=3)
    for bar, (mean, _), name in zip(bars, stats, names):
        ax.text(bar.get_x() + bar.get_width() / 2, bar.get_height() / 2, f'{mean:.1f}\nn={len(groups[name])}',
                ha='center', va='center', fontsize=8, color='white')
    ax.axhline(100 * baseline['J&F-Mean'], color='k', linestyle='--', label='copy-first-mask (no network)')
    ax.set_xticks(range(len(names)), names, rotation=30, ha='right', fontsize=8)
    ax.set_ylabel('J&F (%)')
    ax.set_title(f'Table {table}: {TITLES[table]}\n({SCOPE})', fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def read_curve(work_dir: str,
               scalar: str = 'loss') -> Tuple[Dict[int, float], Dict[int, float], Dict[int, float]]:
    """Validation J&F and a training scalar by iteration from every ``*/vis_data/scalars.json`` of a run.

    Returns ``(jf, values, older)``: ``jf`` holds the validations logged with ``eval/protocol`` equal to
    ``EVAL_PROTOCOL``, ``older`` the ones of an earlier evaluation (logged without it, or with another),
    ``values`` the training log's ``scalar`` (default the total loss; e.g. ``decoder_positive``).
    """
    files = sorted(glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise UserError(f'{work_dir} holds no */vis_data/scalars.json; is it a tools/train.py work dir?')
    jf: Dict[int, float] = {}
    older: Dict[int, float] = {}
    values: Dict[int, float] = {}
    for path in files:  # oldest first: a resumed run's values replace the earlier ones
        with open(path, encoding='utf-8') as handle:
            for line in handle:
                entry = json.loads(line) if line.strip() else {}
                if 'davis/J&F-Mean' in entry:
                    step = int(entry['step'])
                    current = entry.get('eval/protocol') == EVAL_PROTOCOL
                    (jf if current else older)[step] = entry['davis/J&F-Mean']
                    (older if current else jf).pop(step, None)
                elif scalar in entry and 'step' in entry:
                    values[int(entry['step'])] = entry[scalar]
    return dict(sorted(jf.items())), dict(sorted(values.items())), dict(sorted(older.items()))


def curve_markdown(jf: Dict[int, float], baseline: Optional[dict],
                   older: Optional[Dict[int, float]] = None) -> str:
    """The teacher's validations by iteration, each with the evaluation that scored it."""
    rows = {step: (value, 'older (not comparable)') for step, value in (older or {}).items()}
    rows.update({step: (value, f'protocol {EVAL_PROTOCOL}') for step, value in jf.items()})
    lines = [f'| iteration | val J&F ({SCOPE}) | evaluation |', '|---|---|---|']
    lines += [f'| {step} | {100 * value:.1f} | {label} |' for step, (value, label) in sorted(rows.items())]
    if baseline:
        lines.append(f"| {BASELINE_ROW} | {100 * baseline['J&F-Mean']:.1f} | protocol {EVAL_PROTOCOL} |")
    return '\n'.join(lines) + '\n'


def plot_curve(jf: Dict[int, float], loss: Dict[int, float], baseline: Optional[dict], path: str,
               older: Optional[Dict[int, float]] = None) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3.2))
    if jf:
        left.plot(list(jf), [100 * v for v in jf.values()], 'o-',
                  label=f'teacher, val J&F (protocol {EVAL_PROTOCOL})')
    if older:
        left.plot(list(older), [100 * v for v in older.values()], 'o--', color='0.6', markerfacecolor='none',
                  label='teacher, val J&F (older evaluation, not comparable)')
    right.plot(list(loss), list(loss.values()), lw=0.8)
    _finish_curve_plot(fig, left, right, baseline, path, 'CPU-scale STCN-R50 teacher', 'J&F (%)')


def _finish_curve_plot(fig, left, right, baseline: Optional[dict], path: str, title: str,
                       ylabel: str, right_label: str = 'training loss') -> None:
    """The baseline line, axis labels, legend and title of a curve figure (J&F left, loss right); saves it."""
    import matplotlib.pyplot as plt
    if baseline:
        left.axhline(100 * baseline['J&F-Mean'], color='k', linestyle='--', label='copy-first-mask')
    left.set_xlabel('iteration')
    left.set_ylabel(ylabel)
    left.legend(fontsize=7)
    right.set_xlabel('iteration')
    right.set_ylabel(right_label)
    fig.suptitle(f'{title} ({SCOPE})', fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def parse_curves(specs: List[str]) -> List[Tuple[str, str]]:
    """``LABEL=DIR`` items of ``--curves`` as ``(label, dir)``; a bare ``DIR`` is labelled by its name."""
    curves = []
    for spec in specs:
        label, sep, work_dir = spec.partition('=')
        if not sep:
            label, work_dir = osp.basename(osp.normpath(spec)), spec
        if not label or not work_dir:
            raise UserError(f'--curves: {spec!r} is not LABEL=DIR')
        curves.append((label, work_dir))
    return curves


def curves_markdown(runs: List[Tuple[str, Dict[int, float]]], baseline: Optional[dict]) -> str:
    """One row per validated iteration, one column per run (current protocol only; '-' = not validated)."""
    steps = sorted({step for _, jf in runs for step in jf})
    lines = ['| iteration | ' + ' | '.join(label for label, _ in runs) + ' |', '|---' * (len(runs) + 1) + '|']
    for step in steps:
        cells = [f'{100 * jf[step]:.1f}' if step in jf else '-' for _, jf in runs]
        lines.append(f'| {step} | ' + ' | '.join(cells) + ' |')
    if baseline:
        value = f"{100 * baseline['J&F-Mean']:.1f}"
        lines.append(f'| {BASELINE_ROW} | ' + ' | '.join([value] * len(runs)) + ' |')
    return '\n'.join(lines) + '\n'


def plot_curves(runs: List[Tuple[str, Dict[int, float], Dict[int, float]]], baseline: Optional[dict],
                path: str, title: str, scalar: str = 'loss') -> None:
    """Validation J&F (left) and a training scalar (right; default the loss) of several runs, shared axes."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
    for label, jf, loss in runs:
        line, = left.plot(list(jf), [100 * v for v in jf.values()], 'o-', label=label)
        right.plot(list(loss), list(loss.values()), lw=0.8, color=line.get_color())
    _finish_curve_plot(fig, left, right, baseline, path, title, f'val J&F (%, protocol {EVAL_PROTOCOL})',
                       'training loss' if scalar == 'loss' else f'training {scalar}')


@tool_main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Tables and plots of the CPU-scale experiments')
    parser.add_argument('results', help='--out-dir of run_ablation.py (e.g. work_dirs/cpu_scale/ablations)')
    parser.add_argument('--iters', type=int, default=FULL_ITERS, help=f'the schedule (default {FULL_ITERS})')
    parser.add_argument('--tables', default=','.join(sorted(TITLES)),
                        help="comma-separated (default all; '' for none)")
    parser.add_argument('--baseline',
                        help='copy-first-mask JSON (default <results>/iters<N>/copy_first_mask.json)')
    parser.add_argument('--teacher-dir', help="the teacher's work dir, for its learning curve")
    parser.add_argument('--curves', nargs='+', metavar='LABEL=DIR', default=[],
                        help="several runs' learning curves side by side (tools/train.py work dirs): a "
                        'table and results_curves.png')
    parser.add_argument('--curves-title', default='Learning curves', help='title of the --curves plot')
    parser.add_argument('--curves-image', default='results_curves.png',
                        help='file name of the --curves plot in --images (default results_curves.png)')
    parser.add_argument('--curves-scalar', default='loss',
                        help='training-log scalar of the --curves plot\'s right panel (default loss; e.g. '
                        'decoder_positive, student.decoder_positive, grad_norm)')
    parser.add_argument('--images', help='write the plots (results_*.png) to this folder')
    parser.add_argument('--markdown', help='write the markdown here (default: print it)')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    root = osp.join(args.results, f'iters{args.iters}')
    baseline_file = args.baseline or osp.join(root, 'copy_first_mask.json')
    parts = []
    baseline = None
    if args.images:
        os.makedirs(args.images, exist_ok=True)
    for table in filter(None, args.tables.split(',')):  # --tables '' draws only the curves
        if table not in TITLES:
            raise UserError(f'--tables: {table!r} is not one of {sorted(TITLES)}')
        groups = load_table(root, table)
        if not groups:
            parts.append(f'### Table {table}: {TITLES[table]} ({SCOPE})\n\nNo results under {root} yet.\n')
            continue
        baseline = baseline or load_baseline(baseline_file)
        parts.append(table_markdown(table, groups, baseline, args.iters))
        if args.images:
            plot_table(table, groups, baseline, osp.join(args.images, f'results_table{table}.png'))
    curves_wanted = bool(args.teacher_dir or args.curves)
    if curves_wanted and baseline is None and (args.baseline or osp.isfile(baseline_file)):
        baseline = load_baseline(baseline_file)  # the curves' dashed line; a --baseline given must exist
    if args.teacher_dir:
        jf, loss, older = read_curve(args.teacher_dir)
        parts.append(f'### The teacher\'s learning curve ({SCOPE})\n\n' + curve_markdown(jf, baseline, older))
        if args.images:
            plot_curve(jf, loss, baseline, osp.join(args.images, 'results_teacher_curve.png'), older)
    if args.curves:
        runs = []
        for label, work_dir in parse_curves(args.curves):
            jf, values, _ = read_curve(work_dir, args.curves_scalar)
            if not values:
                raise UserError(f'--curves-scalar: {work_dir} logged no {args.curves_scalar!r} '
                                'while training')
            runs.append((label, jf, values))
        parts.append(f'### {args.curves_title} ({SCOPE})\n\n'
                     + curves_markdown([(label, jf) for label, jf, _ in runs], baseline))
        if args.images:
            plot_curves(runs, baseline, osp.join(args.images, args.curves_image), args.curves_title,
                        args.curves_scalar)
    text = '\n'.join(parts)
    if args.markdown:
        with open(args.markdown, 'w', encoding='utf-8') as handle:
            handle.write(text)
    else:
        print(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
