"""The report of ``benchmark.py``: markdown tables (rows, objects sweep, length change, steps, profile), plot.
"""
import os
import os.path as osp
import re
from collections import defaultdict
from typing import List

from mobilevos.models.vos.steps import STEP_METHODS


def fmt(value, spec: str = '.0f', missing: str = '—') -> str:
    return missing if value is None else format(value, spec)


def short_reason(text: str) -> str:
    """The first clause of a skip reason, without the deploy config's path (the JSON has it all)."""
    return re.sub(r'deploy config \S+: ', '', text).split(';')[0]


def model_name(record: dict) -> str:
    return osp.splitext(osp.basename(record['config']))[0] if record['config'].endswith('.py') else \
        record['config']


def markdown_tables(records: List[dict], matmul: float) -> str:
    head = ('| model | backend | weights | frames | objects | params M | GFLOP/frame | ms/frame (p10–p90) | '
            'FPS | share of matmul peak | peak RSS MB (after warm-up) | ms last 10 % | × STCN | '
            'IoU vs torch min / mean | ONNX MB | note |')
    lines = [head, '|' + '---|' * (head.count('|') - 1)]
    for r in records:
        if r.get('sweep_only'):
            continue
        spread = (f'{fmt(r.get("ms_per_frame"))} ({fmt(r.get("ms_p10"))}–{fmt(r.get("ms_p90"))})'
                  if r.get('ms_per_frame') is not None else '—')
        note = ''
        if r.get('skipped'):
            note = short_reason(r['skipped'])
        elif r.get('capped'):
            note = f'capped: {r["frames_timed"]} of {r["frames"]} frames in --max-seconds'
        share = r.get('matmul_share')
        cells = [
            model_name(r), r['backend'], r['weights'], r['frames'], r['objects'],
            fmt(r['params'] / 1e6, '.2f'),
            fmt(r.get('gflops'), '.1f'), spread,
            fmt(r.get('fps'), '.2f'),
            fmt(share and 100 * share, '.0f') + (' %' if share else ''),
            f'{fmt(r.get("peak_rss_mb"))} ({fmt(r.get("rss_warm_mb"))})',
            fmt(r.get('ms_last10pct')),
            fmt(r.get('stcn_ratio'),
                '.2f'), f'{fmt(r.get("min_iou_vs_torch"), ".4f")} / {fmt(r.get("mean_iou_vs_torch"), ".4f")}',
            fmt(r.get('onnx_mb'), '.1f'), note
        ]
        lines.append('| ' + ' | '.join(str(c) for c in cells) + ' |')
    out = ['\n'.join(lines)]
    sweep = sorted((r for r in records if r.get('sweep') and r.get('ms_per_frame') is not None),
                   key=lambda r: (r['config'], r['backend'], r['objects']))
    if sweep:
        rows = [
            '| model | backend | frames | objects | ms/frame | ms per object beyond the fewest |',
            '|---|---|---|---|---|---|'
        ]
        for r in sweep:
            rows.append(f'| {model_name(r)} | {r["backend"]} | {r["frames"]} | {r["objects"]} | '
                        f'{fmt(r["ms_per_frame"])} | {fmt(r.get("ms_per_extra_object"))} |')
        out.append('objects sweep:\n\n' + '\n'.join(rows))
    lengths = length_rows(records)
    if lengths:
        out.append('the longest video against the shortest (a constant-memory network stays near 0 %):\n\n' +
                   '\n'.join(lengths))
    steps = [r for r in records if r.get('steps_ms')]
    if steps:
        names = list(STEP_METHODS) + ['other']
        rows = [
            '| model | backend | frames | objects | ' + ' | '.join(names) + ' |',
            '|---|---|---|---|' + '---|' * len(names)
        ]
        for r in steps:
            rows.append(f'| {model_name(r)} | {r["backend"]} | {r["frames"]} | {r["objects"]} | ' +
                        ' | '.join(f'{r["steps_ms"][s]:.0f}' for s in names) + ' |')
        out.append('median ms per frame of each step:\n\n' + '\n'.join(rows))
    return '\n\n'.join(out)


def length_rows(records: List[dict]) -> List[str]:
    """Markdown rows: change of ms/frame and of peak RSS from the shortest video to the longest."""
    groups = defaultdict(list)
    for r in records:
        if not r.get('sweep_only') and r.get('ms_per_frame') is not None:
            groups[(r['config'], r['backend'], r['objects'])].append(r)
    rows = []
    for runs in groups.values():
        if len({r['frames'] for r in runs}) < 2:
            continue
        short, long = min(runs, key=lambda r: r['frames']), max(runs, key=lambda r: r['frames'])
        capped = f' (capped at {long["frames_timed"]})' if long['capped'] else ''
        rows.append(
            f'| {model_name(long)} | {long["backend"]} | {short["frames"]} → {long["frames"]}{capped} | '
            f'{100 * (long["ms_per_frame"] / short["ms_per_frame"] - 1):+.1f} % | '
            f'{100 * (long["peak_rss_mb"] / short["peak_rss_mb"] - 1):+.1f} % |')
    head = ['| model | backend | frames | ms/frame change | peak RSS change |', '|---|---|---|---|---|']
    return head + rows if rows else []


def profile_table(record: dict) -> str:
    frame = record['profile'][0][1]
    rows = [
        f'per-module time of one propagation frame, {model_name(record)} ({record["objects"]} objects, '
        'forward hooks, inclusive):', '', '| module | ms | % of frame |', '|---|---|---|'
    ]
    for name, ms in record['profile']:
        rows.append(f'| {name} | {ms:.1f} | {100 * ms / frame:.0f} % |')
    return '\n'.join(rows)


def plot(records: List[dict], path: str) -> None:
    """Latency vs frame index, peak RSS vs video length, ms/frame vs objects."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (ax_lat, ax_rss, ax_obj) = plt.subplots(1, 3, figsize=(18, 5))
    timed = [r for r in records if r.get('latency_ms') and not r.get('sweep_only')]
    longest = max((r['frames'] for r in timed), default=0)
    for r in timed:
        if r['frames'] == longest:
            ax_lat.plot(r['latency_ms'], label=f'{model_name(r)} {r["backend"]}', lw=0.8)
    ax_lat.set(xlabel='frame index', ylabel='ms', yscale='log', title=f'latency per frame ({longest} frames)')
    series = defaultdict(list)
    for r in timed:
        if r.get('peak_rss_mb') is not None:
            series[(model_name(r), r['backend'], r['objects'])].append((r['frames'], r['peak_rss_mb']))
    for (name, backend, _), points in series.items():
        ax_rss.plot(*zip(*sorted(points)), marker='o', label=f'{name} {backend}')
    ax_rss.set(xlabel='video length (frames)', ylabel='peak RSS (MB)', title='peak RSS vs video length')
    sweeps = defaultdict(list)
    for r in records:
        if r.get('sweep') and r.get('ms_per_frame') is not None:
            sweeps[(model_name(r), r['backend'])].append((r['objects'], r['ms_per_frame']))
    for (name, backend), points in sweeps.items():
        ax_obj.plot(*zip(*sorted(points)), marker='o', label=f'{name} {backend}')
    ax_obj.set(xlabel='objects', ylabel='ms/frame', title='objects sweep')
    for ax in (ax_lat, ax_rss, ax_obj):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
