"""Run one of docs/results.md's CPU-scale tables: train each variant per seed, test it, save a results JSON.

Examples::

    python tools/experiments/run_ablation.py 1 --seeds 0,1,2            # students alone vs distilled
    python tools/experiments/run_ablation.py 3 --seeds 0 --iters 500    # a shorter schedule
    python tools/experiments/run_ablation.py 2 --only omega --dry-run   # list the commands only

Each run trains with ``tools/train.py`` (``--cfg-options randomness.seed=S`` plus the variant's options)
and tests its last checkpoint with ``tools/test.py``; ``<out-dir>/iters<N>/table<T>/<variant>/seed<S>.json``
holds its scores (fractions in [0, 1]), options and times. A run whose JSON exists is skipped (tested
again, not retrained, where an older evaluation scored it: ``EVAL_PROTOCOL``) and a
training that stopped is continued with ``--resume``, so a table can span sessions: rerun the same
command. Trainings shared by several tables (same config, options, seed and schedule) run once.
The copy-first-mask baseline (no network) of the same val split is written to
``<out-dir>/iters<N>/copy_first_mask.json``. ``tools/experiments/make_results.py`` makes the tables.

Tables (docs/results.md): 1 each student alone vs distilled (and the teacher); 2 the representation
loss's normalisation x weight sweep, omega in {0, 0.5, 0.9, 1}, and no representation loss; 3 boundary
vs uniform vs random pixel sampling (64 of 1024 pixels) beside every pixel; 4 distillation clips of 3
vs 8 frames; 5 test-time memory of one distilled student. Scores are on synthetic data at CPU scale.
"""
import argparse
import copy
import dataclasses
import functools
import hashlib
import json
import os
import os.path as osp
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from glob import glob
from typing import Dict, List, Optional, Tuple

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

from mobilevos.utils.cli import UserError, add_debug_argument, tool_main  # noqa: E402
# How a results JSON was scored (recorded in it). With 2, the copy-first-mask baseline also copies each
# object's first mask. Results of the earlier evaluation (no field) had late objects' frames paste in the
# true masks of the objects already tracked; they are tested again.
from mobilevos.utils.eval_protocol import EVAL_PROTOCOL  # noqa: E402
CONFIGS = 'configs/cpu_scale'
TEACHER_CONFIG = f'{CONFIGS}/stcn_r50_synthetic-128.py'
DATA_ROOT = 'data/synthetic_davis_128'
FULL_ITERS = 6000  # configs/_base_/schedules/cpu_scale_6k.py
LR_STEP, WARM = 5000, (800, 2800)  # its lr step and the recipes' bootstrapped-CE warm-up
STUDENTS = ('r18', 'mbv2', 'mbv2-noaspp')
REPR = 'model.distill_losses.loss_repr'
NORMALIZERS = ('num_samples', 'num_pairs', 'none')  # per N (the old default), per N^2, none (default)
WEIGHTS = (1, 10, 100, 1000)
OMEGAS = (0.0, 0.5, 0.9, 1.0)
#: pixels each sampler of table 3 draws from the 32x32 decoder map of 128x128 frames (1024 pixels, all of
#: which the configs' 1024 samples take). 64 is about the boundary band's size there (3x3 kernel: a median
#: of 58 pixels over 60 training masks), so the boundary row samples the band, not mostly its random top-up.
SAMPLED_PIXELS = 64
SAMPLERS = {
    'boundary': (f'{REPR}.sampler.num_samples={SAMPLED_PIXELS}', ),  # the config's BoundaryPixelSampler
    'uniform': (f'{REPR}.sampler._delete_=True', f'{REPR}.sampler.type=UniformGridPixelSampler',
                f'{REPR}.sampler.num_samples={SAMPLED_PIXELS}'),
    'random': (f'{REPR}.sampler._delete_=True', f'{REPR}.sampler.type=RandomPixelSampler',
               f'{REPR}.sampler.num_samples={SAMPLED_PIXELS}'),
}
MEMORIES = {  # tools/test.py --memory; the paper's J&F (DAVIS 2017 val) in docs/results.md
    'first only': 'first',
    'latest only': 'latest',
    'first + latest': 'first+latest',
    'first + latest 3': 'first+latest:3',
    'unbounded': 'infinite:1',
}
#: Table 4's control row: 8-frame clips, but the teacher's clip memory is the student's (first + latest), so
#: against the plain 8-frame row only the teacher's larger memory differs. Longer clips also change what the
#: student trains on (7 supervised frames per clip, not 2; gaps between frames shrink to fit the videos),
#: which the 3-frame row differs in as well: 3 vs this row is the clip length alone.
TEACHER_FIRST_LATEST = ('model.teacher.train_memory._delete_=True',
                        'model.teacher.train_memory.type=FirstLatestMemory',
                        'model.teacher.train_memory.keep_first=True',
                        'model.teacher.train_memory.num_latest=1')
TITLES = {
    '1': 'Each student trained alone vs distilled from the teacher',
    '2': 'The representation loss: normalisation x weight, omega, none',
    '3': 'Pixel sampling of the representation loss',
    '4': 'Distillation clip length (frames)',
    '5': 'Memory at test time, one distilled student',
}


@dataclass
class Variant:
    """One row of a table.

    Attributes:
        name: the row label.
        config: the config to train (and test).
        options: ``--cfg-options`` of its training (``KEY=VALUE``).
        memory: ``tools/test.py --memory`` (default: the config's test memory).
        checkpoint: test this checkpoint instead of training (the teacher row; run once, seed-free).
    """
    name: str
    config: str
    options: Tuple[str, ...] = ()
    memory: Optional[str] = None
    checkpoint: Optional[str] = None

    @property
    def distilled(self) -> bool:
        """Whether the row trains a student from the teacher (a ``distill_*`` config)."""
        return osp.basename(self.config).startswith('distill_')

    @property
    def slug(self) -> str:
        keep = ''.join(c if c.isalnum() or c in '.-' else '_' for c in self.name)
        return '_'.join(filter(None, keep.split('_')))


def _distill(student: str) -> str:
    return f'{CONFIGS}/distill_r50_to_{student}_synthetic-128.py'


@functools.lru_cache(maxsize=None)
def _config(config: str):
    from mobilevos.utils.config import read_config
    return read_config(osp.join(ROOT, config))


def default_teacher_ckpt() -> str:
    """The teacher checkpoint of the CPU-scale distillation configs (cpu_scale_teacher.py)."""
    return _config(_distill('r18')).model.teacher_ckpt


def table_variants(table: str, student: str = 'mbv2', teacher_ckpt: str = '') -> List[Variant]:
    """The rows of a table (tables 2-5 use ``student``; table 1 tests ``teacher_ckpt``)."""
    distill = _distill(student)
    if table == '1':
        rows = [Variant('teacher STCN-R50', TEACHER_CONFIG, checkpoint=teacher_ckpt)]
        for name in STUDENTS:
            rows += [Variant(f'{name} alone', f'{CONFIGS}/mobilevos_{name}_synthetic-128.py'),
                     Variant(f'{name} distilled', _distill(name))]
        return rows
    if table == '2':
        rows = [
            Variant(f'normalizer {norm}, weight {weight}', distill,
                    (f'{REPR}.normalizer={norm}', f'{REPR}.loss_weight={weight}'))
            for norm in NORMALIZERS for weight in WEIGHTS
        ]
        rows += [Variant(f'omega {omega}', distill, (f'{REPR}.omega={omega}', )) for omega in OMEGAS]
        return rows + [Variant('no representation loss', distill, (f'{REPR}.loss_weight=0', ))]
    if table == '3':  # the first row is table 1's distilled student: its 1024 samples are every pixel
        rows = [Variant('every pixel (the configs\' 1024 samples)', distill)]
        return rows + [Variant(f'{name} sampling, {SAMPLED_PIXELS} pixels', distill, options)
                       for name, options in SAMPLERS.items()]
    if table == '4':  # 8 frames is the configs' distill_num_frames: that run is table 1's
        return [Variant('3-frame clips', distill, ('train_dataloader.dataset.num_frames=3', )),
                Variant('8-frame clips', distill),
                Variant('8-frame clips, teacher with first + latest memory', distill, TEACHER_FIRST_LATEST)]
    if table == '5':
        return [Variant(name, distill, memory=memory) for name, memory in MEMORIES.items()]
    raise UserError(f'table {table!r} is not one of {sorted(TITLES)}')


def schedule_options(iters: int, distilled: bool) -> List[str]:
    """``--cfg-options`` that scale the CPU-scale schedule to ``iters`` iterations (none at full length).

    A shortened run does not validate while it trains (``val_begin`` past its end): its last checkpoint is
    tested on the same val split right after, so a validation at the end would only repeat that test.
    """
    if iters == FULL_ITERS:
        return []
    loss = 'model.student.loss_seg' if distilled else 'model.loss_seg'
    scale = iters / FULL_ITERS
    return [
        f'train_cfg.max_iters={iters}', f'param_scheduler.0.milestones=[{max(1, round(LR_STEP * scale))}]',
        f'{loss}.start_warm={round(WARM[0] * scale)}', f'{loss}.end_warm={round(WARM[1] * scale)}',
        f'default_hooks.checkpoint.interval={min(250, iters)}', f'train_cfg.val_begin={iters + 1}'
    ]


def data_options(data_root: str) -> List[str]:
    """``--cfg-options`` that point the three loaders at ``data_root`` (none for the default)."""
    if data_root == DATA_ROOT:
        return []
    return [f'{prefix}.data_root={data_root}' for prefix in
            ('train_dataloader.dataset.dataset', 'val_dataloader.dataset', 'test_dataloader.dataset')]


@dataclass
class Run:
    """One (variant, seed): where its training and results go and the commands that make them."""
    table: str
    variant: Variant
    seed: Optional[int]
    train_dir: Optional[str]
    result: str
    train_cmd: List[str] = field(default_factory=list)
    test_cmd: List[str] = field(default_factory=list)
    checkpoint: str = ''


def changed_options(config: str, options: Tuple[str, ...]) -> Tuple[str, ...]:
    """``options``, or ``()`` where they only restate the config (e.g. omega 0.9, the configs' own).

    A row that equals its config's defaults then shares the plain config's training (table 1's) instead
    of training the same thing again in a folder of its own.
    """
    if not options:
        return options
    from mmengine.config import DictAction

    from mobilevos.utils.config import merge_options
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    base = _config(config)
    merged = copy.deepcopy(base)
    merge_options(merged, parser.parse_args(['--cfg-options', *options]).cfg_options, config)
    return () if merged.to_dict() == base.to_dict() else options


def plan(table: str, seeds: List[int], iters: int, out_dir: str, student: str, teacher_ckpt: Optional[str],
         data_root: str, extra: List[str], only: Optional[str] = None) -> List[Run]:
    """The runs of a table, in order, with their commands (``teacher_ckpt``: the configs' by default)."""
    root = osp.join(out_dir, f'iters{iters}')
    runs = []
    for variant in table_variants(table, student, teacher_ckpt or default_teacher_ckpt()):
        if only and only not in variant.slug:
            continue
        variant = dataclasses.replace(variant, options=changed_options(variant.config, variant.options))
        common = data_options(data_root) + list(extra)
        for seed in ([None] if variant.checkpoint else seeds):
            tag = 'recipe' if seed is None else seed  # a tested-only row keeps its recipe's seed
            result = osp.join(root, f'table{table}', variant.slug, f'seed{tag}.json')
            train_dir = None
            if variant.checkpoint:
                checkpoint, train_cmd = variant.checkpoint, []
            else:
                options = [f'randomness.seed={seed}'] + schedule_options(iters, variant.distilled)
                if variant.distilled and teacher_ckpt:
                    options.append(f'model.teacher_ckpt={teacher_ckpt}')
                options += list(variant.options) + common
                key = hashlib.sha1(' '.join(variant.options).encode()).hexdigest()[:8]
                name = osp.splitext(osp.basename(variant.config))[0] + (f'-{key}' if variant.options else '')
                train_dir = osp.join(root, 'train', name, f'seed{seed}')
                checkpoint = osp.join(train_dir, f'iter_{iters}.pth')
                train_cmd = [sys.executable, 'tools/train.py', variant.config, '--work-dir', train_dir,
                             '--cfg-options'] + options
            test_cmd = [sys.executable, 'tools/test.py', variant.config, checkpoint, '--work-dir',
                        osp.splitext(result)[0] + '_test']
            test_cmd += ['--memory', variant.memory] if variant.memory else []
            test_cmd += ['--cfg-options'] + common if common else []
            runs.append(Run(table, variant, seed, train_dir, result, train_cmd, test_cmd, checkpoint))
    return runs


def _run(cmd: List[str], log: str) -> float:
    """Run a command from the repository root, its output to ``log``; returns the seconds it took."""
    os.makedirs(osp.dirname(log), exist_ok=True)
    start = time.time()
    with open(log, 'a', encoding='utf-8') as handle:
        code = subprocess.call(cmd, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)
    if code:
        raise UserError(f'{shlex.join(cmd[1:3])} failed (exit {code}); its output is in {log}')
    return time.time() - start


OPTIONS_FILE = 'run_options.json'


def check_train_options(run: Run) -> None:
    """Refuse to resume a training folder that was started with other options.

    A training folder is named by config, the row's options and seed, not by ``--cfg-options`` or
    ``--teacher-ckpt``; the command that started it is kept in ``run_options.json`` there, and a run whose
    command differs (another teacher, clip length, data) must not resume its checkpoints. A folder from
    before this file existed adopts the current command.
    """
    path = osp.join(run.train_dir, OPTIONS_FILE)
    command = shown(run.train_cmd)
    if osp.isfile(path):
        with open(path, encoding='utf-8') as handle:
            started = json.load(handle).get('command')
        if started != command:
            raise UserError(f'{path}: this training folder was started with other options ({started}); '
                            f'this run is: {command}. Give it its own --out-dir')
        return
    os.makedirs(run.train_dir, exist_ok=True)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(dict(command=command), handle, indent=1)


def read_record(path: str) -> Optional[dict]:
    """The JSON file at ``path`` (a results record or the baseline), or ``None`` where there is none."""
    if not osp.isfile(path):
        return None
    try:
        with open(path, encoding='utf-8') as handle:
            return json.load(handle)
    except (OSError, ValueError) as err:
        raise UserError(f'{path} cannot be read ({err})') from err


def status_of(record: Optional[dict]) -> str:
    """'done', 'to test again' (scored by an older evaluation) or 'to run' (no results ``record``)."""
    if record is None:
        return 'to run'
    return 'done' if record.get('eval_protocol') == EVAL_PROTOCOL else 'to test again'


def baseline_is_current(record: Optional[dict]) -> bool:
    """Whether a copy-first-mask ``record`` copies each object's first mask (``EVAL_PROTOCOL`` 2)."""
    return record is not None and record.get('inputs') == 'first_appearance'


def execute(run: Run, iters: int, earlier: Optional[dict] = None) -> dict:
    """Train (or resume) and test one run; write and return its results JSON.

    ``earlier``: the run's record from an older evaluation, which is tested again; its training time is kept.
    """
    train_seconds = float(earlier.get('train_seconds', 0.0)) if earlier else 0.0
    if run.train_cmd and not osp.isfile(run.checkpoint):
        check_train_options(run)
        resume = ['--resume'] if glob(osp.join(run.train_dir, 'iter_*.pth')) else []
        train_seconds += _run(run.train_cmd + resume, osp.join(run.train_dir, 'runner.log'))
    elif not osp.isfile(run.checkpoint):
        raise UserError(f'{run.variant.name}: checkpoint {run.checkpoint} does not exist; train the teacher '
                        'first (tools/experiments/README.md) or pass --teacher-ckpt')
    test_dir = osp.splitext(run.result)[0] + '_test'
    test_seconds = _run(run.test_cmd, osp.join(test_dir, 'runner.log'))
    scores = sorted(glob(osp.join(test_dir, '*', 'test_results.json')))
    if not scores:
        raise UserError(f'{run.variant.name}: tools/test.py wrote no test_results.json under {test_dir}')
    with open(scores[-1], encoding='utf-8') as handle:
        metrics = json.load(handle)
    record = dict(table=run.table, variant=run.variant.name, seed=run.seed, iters=iters,
                  eval_protocol=EVAL_PROTOCOL,
                  config=run.variant.config, options=list(run.variant.options), memory=run.variant.memory,
                  checkpoint=run.checkpoint, train_seconds=round(train_seconds, 1),
                  test_seconds=round(test_seconds, 1), metrics=metrics,
                  commands=[shown(c) for c in (run.train_cmd, run.test_cmd) if c])
    with open(run.result, 'w', encoding='utf-8') as handle:
        json.dump(record, handle, indent=1)
    return record


def baseline_command(data_root: str, out_json: str) -> List[str]:
    """The copy-first-mask baseline on the val split of ``data_root``."""
    return [sys.executable, 'tools/analysis/copy_first_mask.py', data_root, '--split', 'val', '--json',
            out_json]


def shown(cmd: List[str]) -> str:
    """A command as one copyable line (``python`` for this interpreter)."""
    return shlex.join(['python'] + cmd[1:] if cmd[0] == sys.executable else cmd)


def parse_seeds(text: str) -> List[int]:
    try:
        return [int(s) for s in text.split(',') if s.strip()]
    except ValueError as err:
        raise UserError(f'--seeds {text!r}: give integers separated by commas, e.g. 0,1,2') from err


@tool_main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Train and test one of docs/results.md's CPU-scale tables")
    parser.add_argument('table', choices=sorted(TITLES),
                        help='; '.join(f'{k}: {v}' for k, v in TITLES.items()))
    parser.add_argument('--seeds', default='0,1,2', help='comma-separated seeds (default 0,1,2)')
    parser.add_argument('--iters', type=int, default=FULL_ITERS,
                        help=f'training iterations (default {FULL_ITERS}; the lr step and warm-up scale)')
    parser.add_argument('--student', choices=STUDENTS, default='mbv2', help='the student of tables 2-5')
    parser.add_argument('--teacher-ckpt',
                        help="the CPU-scale teacher checkpoint (default: the distillation configs')")
    parser.add_argument('--data-root', default=DATA_ROOT,
                        help='DAVIS-format synthetic set (generated by the first training if absent)')
    parser.add_argument('--out-dir', default='work_dirs/cpu_scale/ablations', help='results root')
    parser.add_argument('--only', help='run only the variants whose name contains this (e.g. omega)')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='added to every training and test (e.g. a smaller synthetic set)')
    parser.add_argument('--dry-run', action='store_true', help='print the commands, run nothing')
    parser.add_argument('--test-only', action='store_true',
                        help='test the rows whose training has finished; train nothing')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    if args.iters < 1:
        raise UserError(f'--iters must be >= 1, got {args.iters}')
    runs = plan(args.table, parse_seeds(args.seeds), args.iters, args.out_dir, args.student,
                args.teacher_ckpt, args.data_root, args.cfg_options, args.only)
    if not runs:
        raise UserError(f'--only {args.only!r} matches no variant of table {args.table}')
    teacher = args.teacher_ckpt or default_teacher_ckpt()
    records = {run.result: read_record(run.result) for run in runs}
    to_distill = [r for r in runs if r.train_cmd and r.variant.distilled and not osp.isfile(r.checkpoint)
                  and status_of(records[r.result]) != 'done']
    if to_distill and not (args.dry_run or args.test_only) and not osp.isfile(osp.join(ROOT, teacher)):
        raise UserError(f'teacher checkpoint {teacher} does not exist ({len(to_distill)} distilled run(s) '
                        'need it): train the teacher first (tools/experiments/README.md) or pass '
                        '--teacher-ckpt')
    baseline = osp.join(args.out_dir, f'iters{args.iters}', 'copy_first_mask.json')
    done: Dict[str, bool] = {}
    for run in runs:
        status = status_of(records[run.result])
        if args.test_only and run.train_cmd and not osp.isfile(run.checkpoint) and status != 'done':
            print(f'# table {run.table} | {run.variant.name} | seed {run.seed} | not trained (--test-only)')
            continue
        print(f'# table {run.table} | {run.variant.name} | seed {run.seed} | {status} -> {run.result}')
        for cmd in (run.train_cmd, run.test_cmd):
            retest = status == 'to test again' and cmd is run.test_cmd
            if cmd and (args.dry_run or status == 'to run' or retest):
                print(shown(cmd))
        if args.dry_run or status == 'done':
            continue
        record = execute(run, args.iters, records[run.result])
        done[run.result] = True
        jf = 100 * record['metrics']['davis/J&F-Mean']
        print(f"  J&F {jf:.1f} (train {record['train_seconds']:.0f} s, test {record['test_seconds']:.0f} s)")
    if not baseline_is_current(read_record(baseline)):
        cmd = baseline_command(args.data_root, baseline)
        print(shown(cmd))
        if not args.dry_run and osp.isdir(args.data_root):
            _run(cmd, osp.splitext(baseline)[0] + '.log')
    print(f'{len(done)} run(s) made; tables: python tools/experiments/make_results.py {args.out_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
