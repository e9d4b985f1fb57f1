"""docs/plugins.md, section 'The loss on another dense task': its commands name existing files."""
import os.path as osp
import re

from .train_helpers import ROOT

SECTION = '## The loss on another dense task'


def _section_commands():
    with open(osp.join(ROOT, 'docs', 'plugins.md')) as f:
        text = f.read()
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split('\n## ', 1)[0]
    blocks = re.findall(r'^```bash\n(.*?)^```', section, flags=re.S | re.M)
    return [line.split('#')[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


def test_section_commands_name_existing_files_and_the_tested_distillation():
    commands = _section_commands()
    assert len(commands) == 3
    for command in commands:
        script, target = command.split()[1:3]
        assert osp.isfile(osp.join(ROOT, script)), command
        if target.endswith('.py'):
            assert osp.isfile(osp.join(ROOT, target)), command
    # the command tests/projects/test_depth_distill.py runs (at tiny sizes)
    tested = ('python tools/train.py '
              'projects/depth_distill/configs/distill_r18_to_mbv2_ckd-w0.9_synthetic-depth.py')
    assert tested in commands
