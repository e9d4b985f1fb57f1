"""tools/experiments/: the ablation runner's commands per table, make_results' tables, a tiny real run."""
import argparse
import copy
import json
import os.path as osp

from mmengine.config import Config, DictAction

from mobilevos.inference.memory_spec import parse_memory
from mobilevos.registry import MEMORY, MODELS
from mobilevos.utils import register_all_modules
from mobilevos.utils.eval_protocol import EVAL_PROTOCOL as PROTOCOL
from tests.tools.vos_helpers import ROOT
from tools.experiments import make_results, run_ablation

DISTILL_MBV2 = 'configs/cpu_scale/distill_r50_to_mbv2_synthetic-128.py'


def _dry_run(capsys, *args):
    assert run_ablation.main(list(args) + ['--dry-run']) == 0
    blocks = capsys.readouterr().out.split('# table ')[1:]
    runs = []
    for block in blocks:
        header, *commands = [line for line in block.splitlines() if line.startswith(('python', '1', '2', '3',
                                                                                         '4', '5'))]
        runs.append((header, [c for c in commands if 'copy_first_mask' not in c]))
    return runs


def test_table1_trains_each_student_alone_and_distilled_per_seed(capsys):
    runs = _dry_run(capsys, '1', '--seeds', '0,1')
    assert len(runs) == 1 + 3 * 2 * 2  # the teacher once, 3 students x (alone, distilled) x 2 seeds
    teacher_header, teacher_cmds = runs[0]
    assert 'teacher' in teacher_header and len(teacher_cmds) == 1  # tested, not trained
    assert teacher_cmds[0].startswith('python tools/test.py configs/cpu_scale/stcn_r50_synthetic-128.py '
                                      'work_dirs/cpu_scale/stcn_r50_synthetic-128/iter_6000.pth')
    trains = [cmds[0] for _, cmds in runs[1:]]
    for student in ('r18', 'mbv2', 'mbv2-noaspp'):
        for config in (f'mobilevos_{student}_synthetic-128.py', f'distill_r50_to_{student}_synthetic-128.py'):
            mine = [t for t in trains if f'/{config} ' in t]
            assert len(mine) == 2 and 'randomness.seed=0' in mine[0] and 'randomness.seed=1' in mine[1]
    # the full schedule is the config's: no schedule options
    assert not any('max_iters' in t for t in trains)
    tests = [cmds[1] for _, cmds in runs[1:]]
    assert all(t.startswith('python tools/test.py') and '/iter_6000.pth' in t for t in tests)


def test_shorter_schedules_scale_the_lr_step_and_warm_up(capsys):
    runs = _dry_run(capsys, '1', '--seeds', '0', '--iters', '600', '--only', 'r18_alone')
    (header, (train, test)), = runs
    assert 'iters600' in header
    for option in ('train_cfg.max_iters=600', "'param_scheduler.0.milestones=[500]'",
                   'model.loss_seg.start_warm=80', 'model.loss_seg.end_warm=280',
                   'train_cfg.val_begin=601'):  # no validation while it trains: the test follows
        assert option in train
    assert '/iter_600.pth' in test


def test_tables_2_3_4_set_options_the_distiller_accepts(capsys):
    expected = {'2': 12 + 4 + 1, '3': 4, '4': 3}
    register_all_modules()
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)  # as tools/train.py parses them
    distill = Config.fromfile(osp.join(ROOT, DISTILL_MBV2))
    checked = dict(normalizer=0, omega=0, none=0, sampler=0, every=0, clips=0)
    for table, count in expected.items():
        runs = _dry_run(capsys, table, '--seeds', '0')
        assert len(runs) == count
        for header, (train, _) in runs:
            assert f'/{osp.basename(DISTILL_MBV2)} ' in train
            options = train.split('--cfg-options ')[1].replace("'", '').split()
            cfg = copy.deepcopy(distill)
            cfg.merge_from_dict(parser.parse_args(['--cfg-options'] + options).cfg_options)
            loss = MODELS.build(cfg.model.distill_losses.loss_repr)  # an unknown option fails here
            row = header.split(' | ')[1]
            side = cfg.train_dataloader.dataset.pipeline[0].size[0] // 4  # the stride-4 decoder map's side
            if ' sampling, ' in row:  # fewer pixels than the decoder map holds: a real sample
                kind = {'random': 'Random', 'uniform': 'UniformGrid', 'boundary': 'Boundary'}[row.split()[0]]
                assert type(loss.sampler).__name__ == f'{kind}PixelSampler'
                assert loss.sampler.num_samples == run_ablation.SAMPLED_PIXELS < side * side
                checked['sampler'] += 1
            if row.startswith('every pixel'):  # the configs' sampler asks for the whole map at this size
                assert type(loss.sampler).__name__ == 'BoundaryPixelSampler'
                assert loss.sampler.num_samples >= side * side
                checked['every'] += 1
            if row.startswith('normalizer '):  # e.g. 'normalizer num_pairs, weight 1000'
                norm, weight = row[len('normalizer '):].split(', weight ')
                assert (loss.normalizer, loss.loss_weight) == (norm, float(weight))
                checked['normalizer'] += 1
            if row.startswith('omega '):
                assert loss.omega == float(row.split()[1])
                checked['omega'] += 1
            if row == 'no representation loss':
                assert loss.loss_weight == 0.0
                checked['none'] += 1
            if '3-frame' in header or '8-frame' in header:
                assert cfg.train_dataloader.dataset.num_frames == int(header.split(' | ')[1][0])
                teacher_memory = MEMORY.build(cfg.model.teacher.train_memory)  # what its clip forward uses
                if 'teacher with first + latest' in header:  # the control row: the student's memory
                    assert cfg.model.teacher.train_memory == cfg.model.student.train_memory
                    assert (teacher_memory.keep_first, teacher_memory.num_latest) == (True, 1)
                else:
                    assert type(teacher_memory).__name__ == 'InfiniteMemory'
                checked['clips'] += 1
    # every row was checked
    assert checked == dict(normalizer=12, omega=4, none=1, sampler=3, every=1, clips=3)


def test_table5_tests_one_distilled_student_with_five_memories(capsys):
    runs = _dry_run(capsys, '5', '--seeds', '0')
    trains = {cmds[0] for _, cmds in runs}
    assert len(runs) == 5 and len(trains) == 1 and DISTILL_MBV2 in trains.pop()
    memories = {h.split(' | ')[1]: c[1].split('--memory ')[1].split()[0] for h, c in runs}
    built = {name: parse_memory(spec) for name, spec in memories.items()}
    assert built['first only'] == dict(type='FirstLatestMemory', keep_first=True, num_latest=0)
    assert built['latest only'] == dict(type='FirstLatestMemory', keep_first=False, num_latest=1)
    assert built['first + latest'] == dict(type='FirstLatestMemory', keep_first=True, num_latest=1)
    assert built['first + latest 3'] == dict(type='FirstLatestMemory', keep_first=True, num_latest=3)
    assert built['unbounded'] == dict(type='InfiniteMemory', mem_every=1)


def _record(root, table, variant, seed, jf, j, f, protocol=run_ablation.EVAL_PROTOCOL):
    slug = run_ablation.Variant(variant, '').slug
    path = root / 'iters6000' / f'table{table}' / slug / f'seed{"recipe" if seed is None else seed}.json'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(dict(variant=variant, seed=seed, train_seconds=600.0, eval_protocol=protocol,
                                    metrics={'davis/J&F-Mean': jf, 'davis/J-Mean': j, 'davis/F-Mean': f})))
    return path


def _baseline(root, inputs='first_appearance'):
    path = root / 'iters6000' / 'copy_first_mask.json'
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({'global': {'J&F-Mean': 0.224, 'J-Mean': 0.226, 'F-Mean': 0.222},
                                'inputs': inputs}))
    return path


def test_make_results_gives_mean_and_std_over_seeds_and_the_baseline_row(tmp_path):
    for seed, jf in enumerate((0.5, 0.6, 0.7)):
        _record(tmp_path, '1', 'r18 distilled', seed, jf, jf - 0.1, jf + 0.1)
    _record(tmp_path, '1', 'r18 alone', 0, 0.3, 0.25, 0.35)
    _record(tmp_path, '1', 'teacher STCN-R50', None, 0.7, 0.7, 0.7)  # tested once, no seed of its own
    _record(tmp_path, '5', 'latest only', 0, 0.4, 0.4, 0.4)
    _baseline(tmp_path)
    out, images = tmp_path / 'tables.md', tmp_path / 'images'
    assert make_results.main([str(tmp_path), '--markdown', str(out), '--images', str(images)]) == 0
    text = out.read_text()
    assert '| r18 distilled | 60.0 ± 10.0 | 50.0 ± 10.0 | 70.0 ± 10.0 | 0, 1, 2 | 10 |' in text
    assert '| r18 alone | 30.0 | 25.0 | 35.0 | 0 | 10 |' in text
    assert '| teacher STCN-R50 | 70.0 | 70.0 | 70.0 | recipe | 10 |' in text
    assert text.index('teacher') < text.index('r18 alone') < text.index('r18 distilled')  # the table's order
    assert text.count('| copy-first-mask (no network) | 22.4 | 22.6 | 22.2 |') == 2  # tables 1 and 5
    assert text.count('(synthetic, CPU-scale)') == 5 and 'No results' in text  # tables 2-4 are empty
    assert '| latest only | 40.0 | 40.0 | 40.0 | 0 | 10 | 60.1 |' in text  # the paper's number
    assert osp.getsize(images / 'results_table1.png') > 0 and osp.getsize(images / 'results_table5.png') > 0


def test_make_results_reads_the_teacher_curve_across_resumed_runs(tmp_path, capsys):
    first, second = (tmp_path / 'teacher' / t / 'vis_data' for t in ('20261127_1', '20261127_2'))
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    # the first run's validations predate the protocol field (an older evaluation); the resumed run logs it
    (first / 'scalars.json').write_text('{"loss": 1.0, "step": 25}\n{"davis/J&F-Mean": 0.3, "step": 500}\n'
                                        '{"davis/J&F-Mean": 0.5, "step": 750}\n')
    marked = [{'davis/J&F-Mean': 0.4, 'step': 750, 'eval/protocol': PROTOCOL},
              {'davis/J&F-Mean': 0.45, 'step': 1000, 'eval/protocol': PROTOCOL}]
    (second / 'scalars.json').write_text(''.join(json.dumps(entry) + '\n' for entry in marked))
    assert make_results.main([str(tmp_path), '--tables', '1', '--teacher-dir', str(tmp_path / 'teacher'),
                              '--images', str(tmp_path / 'img')]) == 0
    text = capsys.readouterr().out
    assert '| 500 | 30.0 | older (not comparable) |' in text
    assert f'| 750 | 40.0 | protocol {PROTOCOL} |' in text
    assert f'| 1000 | 45.0 | protocol {PROTOCOL} |' in text
    assert '| 750 | 50.0 |' not in text  # the re-validation under the current protocol replaces the older one
    jf, loss, older = make_results.read_curve(str(tmp_path / 'teacher'))
    assert jf == {750: 0.4, 1000: 0.45} and older == {500: 0.3} and loss == {25: 1.0}
    assert osp.getsize(tmp_path / 'img' / 'results_teacher_curve.png') > 0


def test_make_results_draws_several_curves_side_by_side(tmp_path, capsys):
    for name, entries in (('recipe', [(500, 0.33), (1000, 0.39)]), ('branch', [(1000, 0.41), (1500, 0.44)])):
        folder = tmp_path / name / '20261128_1' / 'vis_data'
        folder.mkdir(parents=True)
        lines = [{'loss': 0.2, 'step': 50}] + [{'davis/J&F-Mean': v, 'step': s, 'eval/protocol': PROTOCOL}
                                               for s, v in entries]
        (folder / 'scalars.json').write_text(''.join(json.dumps(entry) + '\n' for entry in lines))
    _baseline(tmp_path)
    assert make_results.main([str(tmp_path), '--tables', '', '--curves', f'plain CE={tmp_path / "branch"}',
                              str(tmp_path / 'recipe'), '--curves-title', 'Students', '--images',
                              str(tmp_path / 'img'), '--curves-image', 'students.png']) == 0
    text = capsys.readouterr().out
    assert '### Students (synthetic, CPU-scale)' in text
    assert '| iteration | plain CE | recipe |' in text  # a bare DIR is labelled by its folder name
    assert '| 500 | - | 33.0 |' in text and '| 1000 | 41.0 | 39.0 |' in text and '| 1500 | 44.0 | - |' in text
    assert '| copy-first-mask (no network) | 22.4 | 22.4 |' in text
    assert 'Table 1' not in text  # --tables '': the curves only
    assert osp.getsize(tmp_path / 'img' / 'students.png') > 0
    assert make_results.main([str(tmp_path), '--tables', '1', '--curves', '=x']) == 1
    assert "'=x' is not LABEL=DIR" in capsys.readouterr().err
    # a --baseline that was asked for is not silently left out of the curves
    missing = str(tmp_path / 'no_baseline.json')
    assert make_results.main([str(tmp_path), '--tables', '', '--curves', str(tmp_path / 'recipe'),
                              '--baseline', missing]) == 1
    assert f'{missing} does not exist' in capsys.readouterr().err


def test_make_results_curves_of_another_training_scalar(tmp_path, capsys):
    folder = tmp_path / 'run' / '20261128_1' / 'vis_data'
    folder.mkdir(parents=True)
    lines = [{'loss': 0.2, 'decoder_positive': 0.4, 'step': 25},
             {'loss': 0.3, 'decoder_positive': 0.1, 'step': 50},
             {'davis/J&F-Mean': 0.5, 'step': 50, 'eval/protocol': PROTOCOL}]
    (folder / 'scalars.json').write_text(''.join(json.dumps(entry) + '\n' for entry in lines))
    jf, values, _ = make_results.read_curve(str(tmp_path / 'run'), 'decoder_positive')
    assert jf == {50: 0.5} and values == {25: 0.4, 50: 0.1}
    assert make_results.read_curve(str(tmp_path / 'run'))[1] == {25: 0.2, 50: 0.3}  # the loss by default
    args = [str(tmp_path), '--tables', '', '--curves', str(tmp_path / 'run'),
            '--images', str(tmp_path / 'img')]
    assert make_results.main(args + ['--curves-scalar', 'decoder_positive']) == 0
    assert osp.getsize(tmp_path / 'img' / 'results_curves.png') > 0
    capsys.readouterr()
    assert make_results.main(args + ['--curves-scalar', 'student.decoder_positive']) == 1
    assert "logged no 'student.decoder_positive'" in capsys.readouterr().err


def test_make_results_without_the_baseline_fails_naming_the_file(tmp_path, capsys):
    _record(tmp_path, '3', 'random sampling, 64 pixels', 0, 0.5, 0.5, 0.5)
    assert make_results.main([str(tmp_path), '--tables', '3']) == 1
    err = capsys.readouterr().err
    assert osp.join(str(tmp_path), 'iters6000', 'copy_first_mask.json') in err and 'copy_first_mask.py' in err


def test_runs_with_results_are_skipped(tmp_path, capsys):
    root = tmp_path / 'iters6000'
    for variant in run_ablation.table_variants('3'):
        path = root / 'table3' / variant.slug / 'seed0.json'
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(dict(eval_protocol=run_ablation.EVAL_PROTOCOL)))
    _baseline(tmp_path)
    # nothing is trained or tested (no teacher, no data here): every run is done
    assert run_ablation.main(['3', '--seeds', '0', '--out-dir', str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.count('| done ->') == 4 and 'tools/train.py' not in out and '0 run(s) made' in out


def test_a_training_folder_started_with_other_options_is_not_resumed(tmp_path, capsys):
    teacher_a, teacher_b = str(tmp_path / 'teacher_a.pth'), str(tmp_path / 'teacher_b.pth')
    for path in (teacher_a, teacher_b):
        open(path, 'wb').close()
    args = ['3', '--seeds', '0', '--iters', '10', '--only', 'uniform', '--out-dir', str(tmp_path)]
    run, = run_ablation.plan('3', [0], 10, str(tmp_path), 'mbv2', teacher_a, 'data', [], 'uniform')
    # the folder was started with teacher_a: its command is kept there
    run_ablation.check_train_options(run)
    kept = json.loads(open(osp.join(run.train_dir, run_ablation.OPTIONS_FILE)).read())['command']
    assert f'model.teacher_ckpt={teacher_a}' in kept
    run_ablation.check_train_options(run)  # the same command resumes
    # another teacher maps to the same folder, and is refused before anything is trained
    assert run_ablation.main(args + ['--teacher-ckpt', teacher_b, '--data-root', 'data']) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ') and osp.join(run.train_dir, run_ablation.OPTIONS_FILE) in err
    assert teacher_a in err and '--out-dir' in err
    assert run.variant.slug.startswith('uniform_sampling')
    assert not (tmp_path / 'iters10' / 'table3' / run.variant.slug / 'seed0_test').exists()


def test_a_row_that_restates_the_config_shares_its_training():
    rows = run_ablation.plan('2', [0], 10, 'out', 'mbv2', 'teacher.pth', 'data', [], 'omega')
    table1, = run_ablation.plan('1', [0], 10, 'out', 'mbv2', 'teacher.pth', 'data', [], 'mbv2_distilled')
    dirs = {run.variant.name: run.train_dir for run in rows}
    assert Config.fromfile(osp.join(ROOT, DISTILL_MBV2)).model.distill_losses.loss_repr.omega == 0.9
    assert dirs['omega 0.9'] == table1.train_dir  # the configs' own omega: table 1's training
    assert len({dirs[f'omega {w}'] for w in ('0.0', '0.5', '1.0')} | {table1.train_dir}) == 4


def test_a_missing_teacher_checkpoint_stops_before_any_training(tmp_path, capsys):
    missing = str(tmp_path / 'no_teacher.pth')
    assert run_ablation.main(['3', '--seeds', '0', '--iters', '10', '--out-dir', str(tmp_path / 'out'),
                              '--teacher-ckpt', missing]) == 1
    err = capsys.readouterr().err
    assert err.startswith('error: ') and missing in err and '4 distilled run(s)' in err
    assert not (tmp_path / 'out').exists()  # nothing was trained or written


def test_results_of_an_older_evaluation_are_tested_again_not_retrained(tmp_path, capsys):
    stale = _record(tmp_path, '3', 'uniform sampling, 64 pixels', 0, 0.5, 0.5, 0.5, protocol=None)
    _baseline(tmp_path)
    runs = _dry_run(capsys, '3', '--seeds', '0', '--only', 'uniform', '--out-dir', str(tmp_path))
    header, commands = runs[0]
    assert '| to test again ->' in header
    assert run_ablation.status_of(run_ablation.read_record(str(stale))) == 'to test again'
    # make_results refuses the stale record, naming it and the command that tests it again
    assert make_results.main([str(tmp_path), '--tables', '3']) == 1
    err = capsys.readouterr().err
    assert str(stale) in err and 'run_ablation.py 3' in err and 'without training' in err


def test_a_baseline_of_frame_0_only_is_refused(tmp_path, capsys):
    _record(tmp_path, '5', 'latest only', 0, 0.4, 0.4, 0.4)
    old = _baseline(tmp_path, inputs=None)
    assert make_results.main([str(tmp_path), '--tables', '5']) == 1
    err = capsys.readouterr().err
    assert str(old) in err and "frame 0's mask only" in err


def test_test_only_trains_nothing(tmp_path, capsys):
    _baseline(tmp_path)
    assert run_ablation.main(['3', '--seeds', '0', '--out-dir', str(tmp_path), '--test-only']) == 0
    out = capsys.readouterr().out
    assert out.count('| not trained (--test-only)') == 4 and 'tools/train.py' not in out
