"""docs/model_zoo.md: every command of its ```bash blocks runs, in order, at tiny sizes (issue 12, line 4).

The commands run in a fresh folder that links the repository's ``tools``, ``configs`` and ``mobilevos``
and holds what a user downloads, in the real layouts: STCN's checkpoints in ``saves/`` (random tensors
with STCN's key names and shapes, ``tools/model_converters/stcn_state_dict_shapes.json``; the stage-0 one
with its 4-channel value stem), torchvision's ImageNet files in torch's hub cache (``$TORCH_HOME``, names
and shapes from ``tests/models/backbones/torchvision_imagenet_shapes.json``), and tiny DAVIS 2017,
YouTube-VOS 2019 and static-image sets at the configs' default roots under ``data/``. Each
``tools/train.py`` command gets :func:`_tiny_options` appended (2 iterations, 32x32 crops, batch 1, no
validation), so a full schedule's final checkpoint (``iter_300000.pth``, ``iter_150000.pth``) is
``iter_2.pth`` here. The commands of the manual STCN checks (section 3: equivalence and speed, each a `stcn` and an `ours`
step) need STCN's code, which the project does not hold: they are the only ones not run.
"""
import json
import os
import os.path as osp
import re
import shlex
import subprocess

import pytest
import torch
from mmengine.config import Config

from tests.datasets.layouts import make_davis, make_static_images, make_youtube
from tests.models.backbones.imagenet_weights import fake_imagenet_files
from tests.tools.vos_helpers import ROOT, no_validation

DOC = osp.join(ROOT, 'docs', 'model_zoo.md')
#: Commands that need STCN's code (docs/model_zoo.md, section 3).
MANUAL = 'tools/model_converters/check_stcn_equivalence.py'
#: The work dir of the recipe's distillation command (section 5).
STUDENT_DISTILL = 'distill_r50_to_mbv2_davis-ytvos'


def doc_commands():
    """The commands of the doc's ```bash blocks, in order (continuation lines joined, comments dropped)."""
    with open(DOC) as f:
        blocks = re.findall(r'^```bash\n(.*?)^```', f.read(), flags=re.S | re.M)
    lines = [line for block in blocks for line in block.replace('\\\n', ' ').splitlines()]
    return [' '.join(shlex.split(line, comments=True)) for line in lines if shlex.split(line, comments=True)]


def _fake_stcn(path, stage0=False):
    """A bare STCN state dict with STCN's names and shapes; small random weights, positive variances."""
    with open(osp.join(ROOT, 'tools', 'model_converters', 'stcn_state_dict_shapes.json')) as f:
        shapes = json.load(f)['shapes']
    if stage0:  # STCN's stage-0 network segments one object: RGB + mask
        shapes = dict(shapes, **{'value_encoder.conv1.weight': [64, 4, 7, 7]})
    gen = torch.Generator().manual_seed(0)
    state = {}
    for key, shape in shapes.items():
        if key.endswith('num_batches_tracked'):
            state[key] = torch.tensor(0)
        elif key.endswith('running_var'):
            state[key] = torch.rand(shape, generator=gen) + 0.5
        else:
            state[key] = torch.randn(shape, generator=gen) * 0.05
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(state, path)


def _crop_keys(node, prefix=''):
    """Dotted keys of the ``size`` of every ``ClipRandomResizedCrop`` under ``node``."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    keys = [f'{prefix}size'] if isinstance(node, dict) and node.get('type') == 'ClipRandomResizedCrop' else []
    for key, value in items:
        keys += _crop_keys(value, f'{prefix}{key}.')
    return keys


def _tiny_options(config):
    train = Config.fromfile(osp.join(ROOT, config)).train_dataloader.to_dict()
    return [f'train_dataloader.{key}=(32,32)' for key in _crop_keys(train)] + [
        'train_cfg.max_iters=2', 'train_dataloader.batch_size=1', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'default_hooks.checkpoint.interval=2'
    ] + no_validation()


def _world(run_dir):
    for name in ('tools', 'configs', 'mobilevos'):
        os.symlink(osp.join(ROOT, name), osp.join(run_dir, name))
    _fake_stcn(osp.join(run_dir, 'saves', 'stcn.pth'))
    _fake_stcn(osp.join(run_dir, 'saves', 'stcn_s0.pth'), stage0=True)
    fake_imagenet_files(osp.join(run_dir, 'torch', 'hub', 'checkpoints'))
    data = osp.join(run_dir, 'data')
    make_davis(osp.join(data, 'DAVIS'), videos={'bike': [[1, 2]] * 8, 'cat': [[1]] * 5}, size=(32, 32),
               splits={'train': ['bike', 'cat'], 'val': ['cat']})
    make_youtube(osp.join(data, 'YouTube-VOS'), split='train', size=(32, 32))
    make_static_images(osp.join(data, 'static'), size=(32, 32), img_dir='JPEGImages', ann_dir='Annotations')


def test_doc_commands_are_the_expected_tools():
    commands = doc_commands()
    # the manual STCN checks come in pairs: STCN's side (its env), then ours
    manual = [c.split()[2] for c in commands if MANUAL in c]
    assert manual and manual == ['stcn', 'ours'] * (len(manual) // 2), manual
    assert all(c.startswith('python tools/') for c in commands), commands
    run = [c for c in commands if MANUAL not in c]
    assert [c.split()[1] for c in run].count('tools/train.py') >= 3, run


@pytest.mark.slow  # converter x2, 3 tools/train.py and 2 tools/test.py processes
def test_every_doc_command_runs(tmp_path):
    run_dir = str(tmp_path)
    _world(run_dir)
    env = dict(os.environ, OMP_NUM_THREADS='1', TORCH_HOME=osp.join(run_dir, 'torch'))
    for command in (c for c in doc_commands() if MANUAL not in c):
        command = re.sub(r'iter_\d+\.pth', 'iter_2.pth', command)  # the tiny schedules' last checkpoint
        args = shlex.split(command)
        if args[1] == 'tools/train.py':
            args += ['--cfg-options', *_tiny_options(args[2])]
        result = subprocess.run(args, cwd=run_dir, env=env, capture_output=True, text=True, timeout=1200)
        assert result.returncode == 0, f'{command}\n{(result.stdout + result.stderr)[-3000:]}'
        if '--config' in args:
            assert 'loaded strictly into the network of' in result.stdout
    assert osp.isfile(osp.join(run_dir, 'checkpoints', 'stcn_r50_s012.pth'))
    # distillation (the first run in its work dir) started its student from the static stage's checkpoint,
    # every key matching
    logs = sorted(
        osp.join(root, name) for root, _, names in os.walk(osp.join(run_dir, 'work_dirs', STUDENT_DISTILL))
        for name in names if name.endswith('.log'))
    with open(logs[0]) as f:
        text = f.read()
    assert 'Loads checkpoint by local backend from path: work_dirs/mobilevos_mbv2_static/iter_2.pth' in text
    assert 'missing keys in source state_dict' not in text
    assert 'unexpected key in source state_dict' not in text
