"""tools/analysis/eval_masks.py: official tables and JSON, clear errors for incomplete predictions,
DAVIS 2016 0/255 masks (ground truth and tools/infer.py output) with no option."""
import csv
import importlib.util
import json
import os
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mobilevos.utils.io import write_mask
from ..evaluation.davis_reference import ref_global, ref_sequence
from ..evaluation.test_sequence_evaluator import make_gt, perturb
from .test_infer import infer
from .test_infer import setup as infer_setup  # noqa: F401 (fixture: a tiny config and checkpoint)

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


def _davis2016_sample(root, name='swan', frames=5, size=32):
    """``root/JPEGImages/480p/<name>/*.jpg`` and ``root/Annotations/480p/<name>/*.png`` 0/255 grayscale."""
    rng = np.random.default_rng(1)
    for sub in ('JPEGImages', 'Annotations'):
        os.makedirs(osp.join(root, sub, '480p', name))
    for t in range(frames):
        mask = np.zeros((size, size), np.uint8)
        mask[8 + t:20 + t, 6 + 2 * t:18 + 2 * t] = 255
        frame = rng.integers(0, 60, (size, size, 3)).astype(np.uint8)
        frame[mask > 0] = (230, 200, 40)
        Image.fromarray(frame).save(osp.join(root, 'JPEGImages', '480p', name, f'{t:05d}.jpg'))
        Image.fromarray(mask).save(osp.join(root, 'Annotations', '480p', name, f'{t:05d}.png'))
    return osp.join(root, 'Annotations', '480p', name)


def test_davis2016_ground_truth_and_infer_output_need_no_option(tool, infer_setup, tmp_path, capsys):
    root = str(tmp_path / 'DAVIS2016')
    gt_dir = _davis2016_sample(root)
    first_gt = np.array(Image.open(osp.join(gt_dir, '00000.png')))
    assert Image.open(osp.join(gt_dir, '00000.png')).mode == 'L' and set(np.unique(first_gt)) == {0, 255}
    # the ground truth against itself: J&F 1.0, no --binary
    itself = str(tmp_path / 'itself.json')
    assert tool.main(['--gt', root, '--pred', osp.dirname(gt_dir), '--json', itself, '--no-progress']) == 0
    with open(itself) as handle:
        result = json.load(handle)
    assert result['global']['J&F-Mean'] == 1.0
    assert [r['Sequence'] for r in result['per_sequence']] == ['swan_1']
    # tools/infer.py on the 0/255 annotation writes object 1, which eval_masks accepts
    pred_dir = tmp_path / 'pred' / 'swan'
    assert infer.main([
        infer_setup['config'], infer_setup['checkpoint'], '--frames',
        osp.join(root, 'JPEGImages', '480p', 'swan'), '--mask',
        osp.join(gt_dir, '00000.png'), '--out',
        str(pred_dir), '--no-progress'
    ]) == 0
    assert 'objects [1]' in capsys.readouterr().out
    written = sorted(os.listdir(pred_dir))
    assert written == [f'{t:05d}.png' for t in range(5)]
    for name in written:
        with Image.open(pred_dir / name) as image:
            assert image.mode == 'P' and set(np.unique(np.array(image))) <= {0, 1}
    np.testing.assert_array_equal(np.array(Image.open(pred_dir / '00000.png')), first_gt // 255)
    scored = str(tmp_path / 'scored.json')
    assert tool.main(['--gt', root, '--pred', str(tmp_path / 'pred'), '--json', scored, '--no-progress']) == 0
    with open(scored) as handle:
        result = json.load(handle)
    assert [r['Sequence'] for r in result['per_sequence']] == ['swan_1']
    assert 0.0 <= result['global']['J&F-Mean'] <= 1.0


def test_per_frame_table_and_plot_beside_a_compared_folder(tool, folders, tmp_path, capsys):
    gt, pred, reference = folders
    plot = tmp_path / 'plots' / 'per_frame.png'
    out = str(tmp_path / 'res.json')
    perfect = tmp_path / 'perfect'
    for name, frames in [('bear', 5), ('swan', 6)]:
        _write(perfect / name, [np.where(f == 255, 0, f) for f in make_gt(frames)])  # void is background
    assert tool.main(['--gt', gt, '--pred', pred, '--label', 'model', '--compare', f'perfect={perfect}',
                      '--per-frame', '--plot', str(plot), '--json', out, '--no-progress']) == 0
    with open(out) as handle:
        rows = json.load(handle)['per_frame']
    # the reference implementation's per-object J and F, averaged at each frame index over both videos
    expected = []
    for t in range(4):  # bear has 3 evaluated frames, swan 4
        scores = [(js[t], fs[t]) for _, per_object in reference for js, fs in per_object.values()
                  if t < len(js)]
        expected.append((len(scores), np.mean([s[0] for s in scores]), np.mean([s[1] for s in scores])))
    assert [r['objects'] for r in rows] == [e[0] for e in expected] == [6, 6, 6, 3]
    assert [r['J-Mean'] for r in rows] == pytest.approx([e[1] for e in expected], abs=1e-6)
    assert [r['F-Mean'] for r in rows] == pytest.approx([e[2] for e in expected], abs=1e-6)
    printed = capsys.readouterr().out
    table = printed[printed.index('J&F per frame index'):].splitlines()
    assert table[1].split() == ['frame', 'objects', 'model', 'perfect']
    assert [float(line.split()[3]) for line in table[2:6]] == [1.0] * 4  # the ground truth against itself
    assert [float(line.split()[2]) for line in table[2:6]] == pytest.approx(
        [r['J&F-Mean'] for r in rows], abs=1e-3)
    with Image.open(plot) as image:
        assert image.format == 'PNG' and image.size[0] > 100


def test_bad_compare_spec_is_a_user_error(tool, folders, capsys):
    gt, pred, _ = folders
    assert tool.main(['--gt', gt, '--pred', pred, '--compare', 'label=', '--per-frame', '--no-progress']) == 1
    assert "error: --compare 'label=': expected DIR or LABEL=DIR" in capsys.readouterr().err
    # a missing folder is named before the (long) evaluation of --pred
    missing = ['--compare', 'x=/no/such/dir', '--per-frame', '--no-progress']
    assert tool.main(['--gt', gt, '--pred', pred] + missing) == 1
    captured = capsys.readouterr()
    assert "error: --compare 'x=/no/such/dir': prediction folder /no/such/dir does not exist" in captured.err
    assert 'Global results' not in captured.out  # nothing was evaluated first
    # without --per-frame or --plot, --compare would be ignored: say so instead
    assert tool.main(['--gt', gt, '--pred', pred, '--compare', pred, '--no-progress']) == 1
    assert 'error: --compare: used only with --per-frame or --plot' in capsys.readouterr().err
