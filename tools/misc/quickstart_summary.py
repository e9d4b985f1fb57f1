"""Print and save a table of J&F, parameters and speed for several tested checkpoints.

    python tools/misc/quickstart_summary.py --out summary.json [--baseline copy_first_mask.json] \\
        --run NAME CONFIG CHECKPOINT TEST_WORK_DIR [--run ...]

``TEST_WORK_DIR`` is the ``--work-dir`` that ``tools/test.py`` wrote its
``<timestamp>/test_results.json`` to (the newest is used). ``--baseline`` is the ``--json`` of
``tools/analysis/copy_first_mask.py`` on the same split: its row (no network) is the floor the
models must beat.
"""
import argparse
import json
import os.path as osp
import sys
from glob import glob

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mobilevos.apis import init_model  # noqa: E402
from mobilevos.utils.cli import UserError, add_debug_argument, tool_main  # noqa: E402

REQUIRED_METRICS = ('davis/J&F-Mean', 'davis/J-Mean', 'davis/F-Mean', 'speed/fps', 'speed/ms_per_frame')
BASELINE_KEYS = ('J&F-Mean', 'J-Mean', 'F-Mean')


def read_baseline(path: str) -> dict:
    """The copy-first-mask row from ``tools/analysis/copy_first_mask.py --json`` output."""
    try:
        with open(path) as f:
            scores = json.load(f).get('global', {})
    except (OSError, ValueError, AttributeError) as err:
        raise UserError(f'baseline {path} cannot be read ({err}); write it with '
                        'tools/analysis/copy_first_mask.py DATA_ROOT --split val --json PATH') from err
    missing = [key for key in BASELINE_KEYS if key not in scores]
    if missing:
        raise UserError(f'baseline {path} lacks global {missing} '
                        '(tools/analysis/copy_first_mask.py --json writes them)')
    return dict(name='copy-first',
                jf=scores['J&F-Mean'],
                j=scores['J-Mean'],
                f=scores['F-Mean'],
                results_file=path)


def summarize(name: str, config: str, checkpoint: str, test_dir: str) -> dict:
    results = sorted(glob(osp.join(test_dir, '*', 'test_results.json')))
    if not results:
        raise UserError(f'{name}: no test_results.json under {test_dir}; did tools/test.py run?')
    with open(results[-1]) as f:
        metrics = json.load(f)
    missing = [key for key in REQUIRED_METRICS if key not in metrics]
    if missing:
        raise UserError(f'{name}: {results[-1]} lacks {missing} (a DAVIS-format test run writes them)')
    network = init_model(config)
    return dict(name=name,
                config=config,
                checkpoint=checkpoint,
                jf=metrics['davis/J&F-Mean'],
                j=metrics['davis/J-Mean'],
                f=metrics['davis/F-Mean'],
                params=sum(p.numel() for p in network.parameters()),
                fps=metrics['speed/fps'],
                ms_per_frame=metrics['speed/ms_per_frame'],
                results_file=results[-1])


@tool_main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Summarise tested checkpoints')
    parser.add_argument('--run',
                        nargs=4,
                        action='append',
                        required=True,
                        metavar=('NAME', 'CONFIG', 'CHECKPOINT', 'TEST_WORK_DIR'))
    parser.add_argument('--out', required=True, help='summary JSON to write')
    parser.add_argument('--baseline',
                        help='copy-first-mask scores (tools/analysis/copy_first_mask.py --json)')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    rows = [summarize(*run) for run in args.run]
    baseline = read_baseline(args.baseline) if args.baseline else None
    header = (f"{'model':<10} {'J&F':>6} {'J':>6} {'F':>6} {'params (M)':>11} {'frames/s':>9} {'ms/frame':>9}"
              '  checkpoint')
    print(header)
    print('-' * len(header))
    for r in rows:
        print(f"{r['name']:<10} {100 * r['jf']:6.1f} {100 * r['j']:6.1f} {100 * r['f']:6.1f} "
              f"{r['params'] / 1e6:11.2f} {r['fps']:9.1f} {r['ms_per_frame']:9.1f}  {r['checkpoint']}")
    if baseline:
        b = baseline
        print(f"{b['name']:<10} {100 * b['jf']:6.1f} {100 * b['j']:6.1f} {100 * b['f']:6.1f} {'0':>11} "
              f"{'-':>9} {'-':>9}  no network: first masks copied forward")
        margins = ', '.join(f"{r['name']} {100 * (r['jf'] - b['jf']):+.1f}" for r in rows)
        print('J&F points above copy-first (a model not above it has learned nothing about motion): '
              f'{margins}.')
    print('J&F in percent on the synthetic val split (synthetic data, short CPU training); speed on this '
          'machine\'s CPU, at the synthetic frame size.')
    summary = dict(
        note='synthetic data; short CPU schedules; speed measured on CPU at the synthetic frame size',
        models={r['name']: r
                for r in rows},
        baseline=baseline)
    with open(args.out, 'w') as f:
        json.dump(summary, f, indent=1)
    print(f'written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
