"""tools/analysis/benchmark.py and its benchmark_*.py modules: the records, their arithmetic, the flags, the
FLOP count, the table and plot.

One run of the tool (the MobileNetV2 student without ASPP, 64x64 frames, a
video of 4 frames, 2 objects and an objects sweep 1,2, torch and ONNX Runtime:
four rows, each in its own process) and one capped run; the row plan and the
objects-sweep arithmetic on their own. Timings are never asserted on, only
their consistency.
"""
import json
import os.path as osp
import re
import shlex
import statistics

import numpy as np
import pytest
import torch

import tools.analysis.benchmark as benchmark
from tools.analysis import benchmark_measure, benchmark_reference, benchmark_report, benchmark_rows
from mobilevos.apis import init_model

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'mobilevos_mbv2-noaspp_synthetic.py')
KEYS = {
    'config', 'backend', 'frames', 'size', 'objects', 'params', 'gflops', 'ms_per_frame', 'fps',
    'peak_rss_mb', 'weights', 'ms_p10', 'ms_p90', 'capped', 'matmul_share', 'matmul_gflops', 'threads',
    'latency_ms'
}


@pytest.fixture(scope='module')
def run(tmp_path_factory):
    """The records, the printed text and the plot of one benchmark run."""
    root = tmp_path_factory.mktemp('benchmark')
    out, plot = root / 'records.json', root / 'plot.png'
    capture = pytest.MonkeyPatch()
    lines = []
    capture.setattr('builtins.print', lambda *a, **k: lines.append(' '.join(str(v) for v in a)))
    try:
        rc = benchmark.main([
            CONFIG, '--size', '64x64', '--frames', '4', '--objects', '2', '--objects-sweep', '1,2',
            '--backend', 'torch,onnxruntime', '--threads', '1', '--warmup', '2', '--json',
            str(out), '--plot',
            str(plot), '--work-dir',
            str(root), '--no-progress'
        ])
    finally:
        capture.undo()
    assert rc == 0
    with open(out) as f:
        records = json.load(f)
    return dict(records=records, text='\n'.join(lines), plot=plot)


def find(records, backend, frames, objects):
    found = [r for r in records if (r['backend'], r['frames'], r['objects']) == (backend, frames, objects)]
    assert len(found) == 1, (backend, frames, objects)
    return found[0]


@pytest.mark.slow  # the run: ~40 s of CPU, four row processes
def test_one_record_per_row_with_the_schema(run):
    records = run['records']
    rows = {(r['backend'], r['frames'], r['objects']) for r in records}
    assert rows == {(b, 4, k) for b in ('torch', 'onnxruntime') for k in (1, 2)}
    assert len(records) == 4
    params = sum(p.numel() for p in init_model(CONFIG).parameters())
    for r in records:
        assert KEYS <= set(r), KEYS - set(r)
        assert r['config'] == CONFIG and r['size'] == [64, 64] and r['threads'] == 1
        assert r['weights'] == 'random' and r['capped'] is False
        assert r['params'] == params
        assert len(r['latency_ms']) == r['frames'] == r['frames_timed']
        assert 0 < r['rss_warm_mb'] <= r['peak_rss_mb']
    assert 'random (no --ckpt' in run['text']


@pytest.mark.slow
def test_numbers_are_consistent(run):
    for r in run['records']:
        timed = r['latency_ms'][1:]  # the annotated frame has no read-out
        assert r['ms_per_frame'] == pytest.approx(statistics.median(timed))
        assert r['fps'] == pytest.approx(1000 / r['ms_per_frame'])
        assert r['ms_p10'] <= r['ms_per_frame'] <= r['ms_p90']
        assert r['matmul_share'] == pytest.approx(r['gflops'] * r['fps'] / r['matmul_gflops'])
        assert set(
            r['steps_ms']) == {'encode_key', 'read_memory', 'decode', 'aggregate', 'encode_value', 'other'}
    for backend in ('torch', 'onnxruntime'):
        one, two = find(run['records'], backend, 4, 1), find(run['records'], backend, 4, 2)
        assert two['ms_per_extra_object'] == pytest.approx(two['ms_per_frame'] - one['ms_per_frame'])
        assert 'ms_per_extra_object' not in one
        # FLOPs belong to the network and the object count, not to the backend
        assert find(run['records'], 'torch', 4, 2)['gflops'] == two['gflops'] > one['gflops'] > 0
    for k in (1, 2):
        assert find(run['records'], 'onnxruntime', 4, k)['min_iou_vs_torch'] >= 0.99
        assert 'min_iou_vs_torch' not in find(run['records'], 'torch', 4, k)


@pytest.mark.slow
def test_table_and_plot(run):
    text = run['text']
    assert '| model | backend | weights | frames | objects |' in text
    assert 'objects sweep:' in text and 'median ms per frame of each step:' in text
    for backend in ('torch', 'onnxruntime'):
        assert f'| mobilevos_mbv2-noaspp_synthetic | {backend} | random | 4 | 2 |' in text
        assert f'| mobilevos_mbv2-noaspp_synthetic | {backend} | 4 | 1 |' in text  # the sweep table
    assert 'matmul peak' in text and '1 threads' in text
    with open(run['plot'], 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


@pytest.mark.slow  # one row process
def test_max_seconds_caps_a_row(tmp_path, capsys):
    out = tmp_path / 'capped.json'
    rc = benchmark.main([
        CONFIG, '--size', '32x32', '--frames', '6', '--objects', '1', '--threads', '1', '--warmup', '2',
        '--max-seconds', '1e-6', '--json',
        str(out), '--no-progress'
    ])
    assert rc == 0
    with open(out) as f:
        (record, ) = json.load(f)
    assert record['capped'] is True and record['frames'] == 6
    assert record['frames_timed'] == len(record['latency_ms']) < 6
    assert 'capped: 1 of 6 frames' in capsys.readouterr().out


def test_gflops_scale_with_the_frame_area():
    torch.manual_seed(0)
    network = init_model(CONFIG)
    small = benchmark_measure.frame_gflops(network, (64, 96), 1)
    large = benchmark_measure.frame_gflops(network, (128, 192), 1)
    assert large / small == pytest.approx(4, rel=0.1)
    assert benchmark_measure.frame_gflops(network, (64, 96), 2) > small


def test_video_pool_strips():
    frames, ids = benchmark_measure.video_pool((16, 40), 4)
    assert frames.shape == (benchmark_measure.POOL, 16, 40, 3) and frames.dtype == np.uint8
    assert np.array_equal(np.unique(ids), [1, 2, 3, 4])
    assert all((ids == k).sum() == 16 * 10 for k in range(1, 5))  # equal vertical strips


@pytest.mark.parametrize('args, message', [
    (['--size', '64'], '--size'),
    (['--frames', '1'], '--frames'),
    (['--backend', 'tensorrt'], '--backend'),
    (['--ckpt', 'a.pth', 'b.pth'], '--ckpt'),
    (['--device', 'cuda:0', '--backend', 'torch,onnxruntime'], '--device'),
    (['--objects-sweep', '1,2', '--sweep-frames', '1'], '--sweep-frames'),
])
def test_bad_options_are_clear_errors(args, message, capsys):
    assert benchmark.main([CONFIG, *args]) == 1
    assert message in capsys.readouterr().err


def test_row_plan_crosses_configs_backends_lengths_and_objects():
    argv = ['a.py', 'b.py', '--frames', '50,500', '--objects', '2', '--objects-sweep', '1,2,8']
    backends = ['torch', 'onnxruntime']
    plan = benchmark.plan_rows(benchmark.parse_args(argv), [50, 500], backends)
    expected = [(c, b, 50, 2, True) for c in (0, 1) for b in backends]
    expected += [(c, b, 500, 2, False) for c in (0, 1) for b in backends]
    expected += [(c, b, 50, k, True) for c in (0, 1) for b in backends for k in (1, 8)]
    assert sorted(plan) == sorted(expected)
    # a shorter sweep: its own 2-object row
    plan = benchmark.plan_rows(benchmark.parse_args(argv + ['--sweep-frames', '20']), [50, 500], backends)
    expected = [(c, b, n, 2, False) for c in (0, 1) for b in backends for n in (50, 500)]
    expected += [(c, b, 20, k, True) for c in (0, 1) for b in backends for k in (1, 2, 8)]
    assert sorted(plan) == sorted(expected)


def test_cost_per_extra_object():
    """The issue's figures: 737 ms/frame with 1 object, 864 with 2 (127 ms per extra object)."""
    records = [
        dict(config='c', backend='torch', frames=50, objects=k, ms_per_frame=ms, sweep=True)
        for k, ms in ((2, 864.0), (1, 737.0), (8, 1500.0))
    ]
    records.append(dict(config='c', backend='torch', frames=500, objects=2, ms_per_frame=870.0, sweep=False))
    benchmark_rows.add_object_costs(records)
    assert [r.get('ms_per_extra_object') for r in records] == [127.0, None, pytest.approx(763 / 7), None]


def doc_commands():
    """The ``benchmark.py`` commands of docs/benchmarks.md, as argument lists (brace lists expanded)."""
    with open(osp.join(ROOT, 'docs', 'benchmarks.md'), encoding='utf-8') as f:
        text = f.read().replace('\\\n', ' ')
    commands = []
    for line in text.splitlines():
        if line.startswith('python tools/analysis/benchmark.py'):
            args = []
            for word in shlex.split(line)[2:]:
                braces = re.search(r'\{([^}]*)\}', word)
                args += (
                    [word[:braces.start()] + v + word[braces.end():]
                     for v in braces.group(1).split(',')] if braces else [word])
            commands.append(args)
    return commands


def test_doc_commands_parse_and_name_existing_configs():
    commands = doc_commands()
    assert len(commands) >= 4
    for args in commands:
        parsed = benchmark.parse_args(args)
        for config in parsed.configs:
            assert osp.isfile(osp.join(ROOT, config)), config
        frames = benchmark.parse_ints(parsed.frames, '--frames', 2)
        benchmark.plan_rows(parsed, frames, parsed.backend.split(','))


def test_stcn_memory_follows_the_teacher():
    """STCN keeps the latest frame exactly when the first growing memory among the configs does."""
    first_latest = dict(type='FirstLatestMemory', keep_first=True, num_latest=1)
    assert benchmark_reference.stcn_include_last([first_latest, dict(type='InfiniteMemory', mem_every=5)]) is True
    assert benchmark_reference.stcn_include_last([dict(type='InfiniteMemory', mem_every=5,
                                             include_last=False)]) is False
    assert benchmark_reference.stcn_include_last([first_latest]) is False  # STCN's evaluation default


def test_length_rows_compare_the_longest_video_with_the_shortest():
    base = dict(config='configs/s.py', backend='torch', objects=2, capped=False)
    records = [
        dict(base, frames=50, frames_timed=50, ms_per_frame=100.0, peak_rss_mb=500.0),
        dict(base, frames=500, frames_timed=120, ms_per_frame=104.0, peak_rss_mb=510.0, capped=True),
        dict(base,
             frames=20,
             objects=8,
             frames_timed=20,
             ms_per_frame=300.0,
             peak_rss_mb=600.0,
             sweep_only=True)
    ]
    rows = benchmark_report.length_rows(records)
    assert rows[2:] == ['| s | torch | 50 → 500 (capped at 120) | +4.0 % | +2.0 % |']
