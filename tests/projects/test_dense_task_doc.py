"""docs/plugins.md, section 'The loss on another dense task': every command runs, in order, at tiny sizes.

The commands run in a fresh folder that links the repository's ``tools``, ``configs``, ``projects`` and
``mobilevos`` (so ``work_dirs/`` is the test's own). Each ``tools/train.py`` command, and the training runs that
``run_seeds.py`` starts, get :data:`TINY_OPTIONS` appended (4 scenes of 32x32, two iterations). The distilled
configs read the teacher from where the teacher's full schedule leaves it (``iter_600.pth``); the two-iteration
teacher's checkpoint is linked there, as a downloaded or converted teacher would be put in place.
"""
import glob
import json
import os
import os.path as osp
import re
import shlex
import subprocess

import pytest

from .train_helpers import ROOT, TINY_OPTIONS

SECTION = '## The loss on another dense task'
TEACHER_DIR = osp.join('work_dirs', 'teacher_r18_synthetic-depth')
TEACHER_CKPT = osp.join(TEACHER_DIR, 'iter_600.pth')  # what projects/depth_distill/configs/_base_ names


def _section_commands():
    with open(osp.join(ROOT, 'docs', 'plugins.md')) as f:
        text = f.read()
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split('\n## ', 1)[0]
    blocks = re.findall(r'^```bash\n(.*?)^```', section, flags=re.S | re.M)
    return [line.split('#')[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_section_commands_name_existing_files():
    commands = _section_commands()
    assert len(commands) == 3
    for command in commands:
        script, target = command.split()[1:3]
        assert osp.isfile(osp.join(ROOT, script)), command
        if target.endswith('.py'):
            assert osp.isfile(osp.join(ROOT, target)), command


def _tiny(command: str) -> str:
    options = ' '.join(shlex.quote(o) for o in TINY_OPTIONS)
    return f'{command} --cfg-options {options}'


@pytest.mark.slow  # 14 tools/train.py processes: the teacher, the distilled student, 4 configs x 3 seeds
def test_section_commands_run_in_order(tmp_path):
    run_dir = str(tmp_path)
    for name in ('tools', 'configs', 'projects', 'mobilevos'):
        os.symlink(osp.join(ROOT, name), osp.join(run_dir, name))
    env = dict(os.environ, OMP_NUM_THREADS='1')
    teacher, distill, sweep = _section_commands()
    for i, command in enumerate((teacher, distill, sweep)):
        result = subprocess.run(['bash', '-c', _tiny(command)], cwd=run_dir, env=env, capture_output=True,
                                text=True, timeout=1200)
        assert result.returncode == 0, f'{command}\n{result.stderr[-3000:]}'
        if i == 0:  # put the teacher where the distilled configs look for it
            trained = osp.join(run_dir, TEACHER_DIR, 'iter_2.pth')
            assert osp.isfile(trained), os.listdir(osp.join(run_dir, TEACHER_DIR))
            os.symlink(trained, osp.join(run_dir, TEACHER_CKPT))
    # the distilled student logged the representation loss
    scalars = glob.glob(osp.join(run_dir, 'work_dirs', 'distill_r18_to_mbv2_ckd-w0.9_synthetic-depth', '*',
                                 'vis_data', 'scalars.json'))
    with open(scalars[0]) as f:
        records = [json.loads(line) for line in f]
    assert any(r.get('distill.loss_repr', 0) > 0 for r in records)
    # the sweep's table has a row per config, each over the three seeds
    rows = [line for line in result.stdout.splitlines() if line.startswith('| ') and '_synthetic-depth' in line]
    assert len(rows) == 4 and all(row.split('|')[2].strip() == '3' for row in rows), result.stdout[-2000:]
