"""tools/analysis/eval_masks.py: official tables and JSON, clear errors for incomplete predictions."""
import csv
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest

from mobilevos.utils.io import write_mask
from ..evaluation.davis_reference import ref_global, ref_sequence
from ..evaluation.test_sequence_evaluator import make_gt, perturb

TOOL = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools', 'analysis',
                'eval_masks.py')
GLOBAL = ['J&F-Mean', 'J-Mean', 'J-Recall', 'J-Decay', 'F-Mean', 'F-Recall', 'F-Decay']


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('eval_masks_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(folder, frames, skip=()):
    for t, frame in enumerate(frames):
        if t not in skip:
            write_mask(osp.join(folder, f'{t:05d}.png'), frame)


@pytest.fixture
def folders(tmp_path):
    rng = np.random.default_rng(0)
    gt_root, pred_root = tmp_path / 'gt', tmp_path / 'pred'
    reference = []
    for name, frames, kind in [('bear', 5, 'mixed'), ('swan', 6, 'eroded')]:
        gt = make_gt(frames)
        pred = perturb(gt, kind, rng)
        _write(gt_root / name, gt)
        _write(pred_root / name, pred, skip=(0, frames - 1))  # first and last frames are not needed
        reference.append((name, ref_sequence(gt, pred)))
    return str(gt_root), str(pred_root), reference


def test_json_csv_and_tables_match_reference(tool, folders, tmp_path, capsys):
    gt, pred, reference = folders
    out_json, out_csv = str(tmp_path / 'r' / 'res.json'), str(tmp_path / 'csv')
    assert tool.main(['--gt', gt, '--pred', pred, '--json', out_json, '--csv', out_csv, '--no-progress']) == 0
    expected, rows = ref_global(reference)
    with open(out_json) as handle:
        result = json.load(handle)
    assert list(result['global']) == GLOBAL
    for key in GLOBAL:
        assert result['global'][key] == pytest.approx(expected[key], abs=1e-6)
    assert [r['Sequence'] for r in result['per_sequence']] == [r['Sequence'] for r in rows]
    assert rows[0]['Sequence'] == 'bear_1'
    for got, want in zip(result['per_sequence'], rows):
        assert set(got) == {'Sequence', 'J-Mean', 'F-Mean'}
        assert 0 <= got['J-Mean'] <= 1 and got['J-Mean'] == pytest.approx(want['J-Mean'], abs=1e-6)
        assert got['F-Mean'] == pytest.approx(want['F-Mean'], abs=1e-6)
    with open(osp.join(out_csv, 'global_results.csv')) as handle:
        table = list(csv.reader(handle))
    assert table[0] == GLOBAL and float(table[1][0]) == pytest.approx(expected['J&F-Mean'], abs=5e-4)
    with open(osp.join(out_csv, 'per-sequence_results.csv')) as handle:
        assert len(list(csv.reader(handle))) == 1 + len(rows)
    printed = capsys.readouterr().out
    assert 'Global results' in printed and 'Per sequence results' in printed and 'swan_3' in printed


def test_davis_root_split_and_sequence_subset(tool, folders, tmp_path, capsys):
    gt, pred, reference = folders
    root = tmp_path / 'DAVIS'
    os.makedirs(root / 'Annotations')
    os.rename(gt, root / 'Annotations' / '480p')
    os.makedirs(root / 'ImageSets' / '2017')
    (root / 'ImageSets' / '2017' / 'val.txt').write_text('swan\n')
    out = str(tmp_path / 'res.json')
    assert tool.main(['--gt',
                      str(root), '--split', 'val', '--pred', pred, '--json', out, '--no-progress']) == 0
    with open(out) as handle:
        result = json.load(handle)
    assert [r['Sequence'] for r in result['per_sequence']] == ['swan_1', 'swan_2', 'swan_3']
    expected, _ = ref_global(reference[1:])
    assert result['global']['J&F-Mean'] == pytest.approx(expected['J&F-Mean'], abs=1e-6)
    assert 'Global results for val' in capsys.readouterr().out
    assert tool.main(
        ['--gt', str(root), '--pred', pred, '--sequences', 'bear', '--json', out, '--no-progress']) == 0
    with open(out) as handle:
        assert [r['Sequence'] for r in json.load(handle)['per_sequence']][0] == 'bear_1'


def test_missing_sequence_or_frame_is_an_error(tool, folders, capsys):
    gt, pred, _ = folders
    os.remove(osp.join(pred, 'swan', '00003.png'))
    assert tool.main(['--gt', gt, '--pred', pred, '--no-progress']) == 1
    err = capsys.readouterr().err
    assert "sequence 'swan': the prediction misses frame 00003" in err and 'swan/00003.png' in err
    os.rename(osp.join(pred, 'bear'), osp.join(pred, 'bear_renamed'))
    assert tool.main(['--gt', gt, '--pred', pred, '--no-progress']) == 1
    assert "sequence 'bear' has no prediction folder" in capsys.readouterr().err
    assert tool.main(['--gt', gt + '_nope', '--pred', pred, '--no-progress']) == 1
    assert 'does not exist' in capsys.readouterr().err
