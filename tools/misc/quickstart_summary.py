"""Print and save a table of J&F, parameters and speed for several tested checkpoints.

    python tools/misc/quickstart_summary.py --out summary.json \\
        --run NAME CONFIG CHECKPOINT TEST_WORK_DIR [--run ...]

``TEST_WORK_DIR`` is the ``--work-dir`` that ``tools/test.py`` wrote its
``<timestamp>/test_results.json`` to (the newest is used).
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
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    rows = [summarize(*run) for run in args.run]
    header = (f"{'model':<10} {'J&F':>6} {'J':>6} {'F':>6} {'params (M)':>11} {'frames/s':>9} {'ms/frame':>9}"
              '  checkpoint')
    print(header)
    print('-' * len(header))
    for r in rows:
        print(f"{r['name']:<10} {100 * r['jf']:6.1f} {100 * r['j']:6.1f} {100 * r['f']:6.1f} "
              f"{r['params'] / 1e6:11.2f} {r['fps']:9.1f} {r['ms_per_frame']:9.1f}  {r['checkpoint']}")
    print('J&F in percent on the synthetic val split (synthetic data, short CPU training); speed on this '
          'machine\'s CPU, at the synthetic frame size.')
    summary = dict(
        note='synthetic data; short CPU schedules; speed measured on CPU at the synthetic frame size',
        models={r['name']: r
                for r in rows})
    with open(args.out, 'w') as f:
        json.dump(summary, f, indent=1)
    print(f'written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
