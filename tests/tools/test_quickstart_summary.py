"""tools/misc/quickstart_summary.py: the table's numbers come from test_results.json; bad input names the file."""
import json
import os.path as osp

from mmengine.config import Config

from mobilevos.registry import MODELS
from mobilevos.utils import register_all_modules
from tests.tools.vos_helpers import ROOT
from tools.misc.quickstart_summary import main

CONFIG = osp.join(ROOT, 'configs', 'distill_r50_to_mbv2-noaspp.py')
METRICS = {'davis/J&F-Mean': 0.25, 'davis/J-Mean': 0.2, 'davis/F-Mean': 0.3, 'speed/fps': 12.5,
           'speed/ms_per_frame': 80.0}


def _results(folder, metrics):
    path = folder / '20261126_000000' / 'test_results.json'
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(metrics))
    return path


def test_summary_reads_the_newest_results_and_counts_the_student(tmp_path, capsys):
    results = _results(tmp_path / 'test_student', METRICS)
    out = tmp_path / 'summary.json'
    assert main(['--out', str(out), '--run', 'student', CONFIG, 'ckpt.pth', str(tmp_path / 'test_student')]) == 0
    row = json.loads(out.read_text())['models']['student']
    assert (row['jf'], row['j'], row['f'], row['fps'], row['ms_per_frame']) == (0.25, 0.2, 0.3, 12.5, 80.0)
    assert row['results_file'] == str(results) and row['checkpoint'] == 'ckpt.pth'
    register_all_modules()
    student = MODELS.build(Config.fromfile(CONFIG).model.student)  # a distillation config tests its student
    assert row['params'] == sum(p.numel() for p in student.parameters())
    assert '25.0' in capsys.readouterr().out  # J&F in percent


def test_results_without_davis_scores_fail_naming_the_file(tmp_path, capsys):
    results = _results(tmp_path / 'test_yt', {'speed/fps': 1.0})
    out = tmp_path / 'summary.json'
    assert main(['--out', str(out), '--run', 'yt', CONFIG, 'ckpt.pth', str(tmp_path / 'test_yt')]) == 1
    err = capsys.readouterr().err
    assert str(results) in err and 'davis/J&F-Mean' in err
    assert not out.exists()


def test_a_missing_results_folder_fails_naming_it(tmp_path, capsys):
    out = tmp_path / 'summary.json'
    assert main(['--out', str(out), '--run', 'teacher', CONFIG, 'ckpt.pth', str(tmp_path / 'nowhere')]) == 1
    assert str(tmp_path / 'nowhere') in capsys.readouterr().err
    assert not out.exists()


def test_the_copy_first_baseline_is_printed_and_saved_with_the_margin(tmp_path, capsys):
    _results(tmp_path / 'test_student', METRICS)
    baseline = tmp_path / 'copy_first_mask.json'
    baseline.write_text(json.dumps({'global': {'J&F-Mean': 0.221, 'J-Mean': 0.206, 'F-Mean': 0.237}}))
    out = tmp_path / 'summary.json'
    assert main(['--out', str(out), '--baseline', str(baseline),
                 '--run', 'student', CONFIG, 'ckpt.pth', str(tmp_path / 'test_student')]) == 0
    row = json.loads(out.read_text())['baseline']
    assert (row['name'], row['jf'], row['j'], row['f']) == ('copy-first', 0.221, 0.206, 0.237)
    printed = capsys.readouterr().out
    assert 'copy-first   22.1   20.6   23.7' in printed
    assert 'student +2.9' in printed  # 25.0 - 22.1 J&F points


def test_a_baseline_without_scores_fails_naming_the_file(tmp_path, capsys):
    _results(tmp_path / 'test_student', METRICS)
    baseline = tmp_path / 'copy_first_mask.json'
    baseline.write_text(json.dumps({'global': {'J-Mean': 0.2}}))
    out = tmp_path / 'summary.json'
    assert main(['--out', str(out), '--baseline', str(baseline),
                 '--run', 'student', CONFIG, 'ckpt.pth', str(tmp_path / 'test_student')]) == 1
    err = capsys.readouterr().err
    assert str(baseline) in err and 'J&F-Mean' in err and 'copy_first_mask.py' in err
    assert not out.exists()
