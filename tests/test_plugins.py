"""Plugins under projects/: loaded by their configs' ``custom_imports`` alone, trained through tools/train.py.

- every command of docs/plugins.md runs (in order, at tiny sizes) in a fresh process, from a folder
  that links the repository's ``tools``, ``configs``, ``projects`` and ``mobilevos``: each project is
  imported only by its config's ``custom_imports``; losses are finite, checkpoints hold the plugin;
- MobileOne folded (``switch_to_deploy``) gives the outputs of MobileOne unfolded, and its ONNX
  export (which folds it) matches eager PyTorch per graph;
- nothing under ``mobilevos/`` names a plugin.
"""
import copy
import glob
import json
import math
import os
import os.path as osp
import re
import shlex
import subprocess
from typing import Dict, List

import pytest
import torch
from mmengine.config import Config
from mmengine.utils import import_modules_from_strings

from mobilevos.utils.checkpoint import load_checkpoint_file
from mobilevos.models.backbones import probe_feature_spec
from mobilevos.registry import MODELS
from tests.tools.vos_helpers import data_options, make_tiny_dataset, no_validation

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DOC = osp.join(ROOT, 'docs', 'plugins.md')
#: the section of docs/plugins.md from which on commands belong to another project's tests
OTHER_SECTIONS = '## The loss on another dense task'
#: the per-frame graphs of an export
GRAPHS = {'key_encoder', 'value_encoder', 'read_memory', 'decode', 'aggregate'}
#: the projects this file trains, and the package each one's configs import
PROJECTS = {
    'example_backbone': 'projects.example_backbone.example_backbone',
    'mobileone': 'projects.mobileone.mobileone'
}
#: what a training command gets appended: the tiny synthetic set, two iterations, a checkpoint at the end
TINY_TRAIN = [
    'train_cfg.max_iters=2', 'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1'
]


def _import_plugin(config: str) -> Config:
    """The config, with its ``custom_imports`` imported (what mmengine's Runner does before building)."""
    cfg = Config.fromfile(osp.join(ROOT, config))
    import_modules_from_strings(**cfg.custom_imports)
    return cfg


def doc_commands() -> List[str]:
    """The shell commands of docs/plugins.md (``bash`` blocks, one per line), before ``OTHER_SECTIONS``."""
    with open(DOC) as f:
        text = f.read().split(OTHER_SECTIONS)[0]
    blocks = re.findall(r'^```bash\n(.*?)^```', text, flags=re.S | re.M)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip()]


def _config_of(command: str) -> str:
    return shlex.split(command)[2]


def _work_dir(run_dir: str, config: str) -> str:
    return osp.join(run_dir, 'work_dirs', osp.splitext(osp.basename(config))[0])


@pytest.fixture(scope='module')
def doc_run(tmp_path_factory) -> Dict[str, object]:
    """Run the commands of docs/plugins.md in order.

    Returns:
        dict(dir=the folder they ran in, results=command -> ``subprocess.CompletedProcess``).
    """
    run_dir = str(tmp_path_factory.mktemp('plugins_doc'))
    for name in ('tools', 'configs', 'projects', 'mobilevos'):
        os.symlink(osp.join(ROOT, name), osp.join(run_dir, name))
    tiny = data_options(make_tiny_dataset(osp.join(run_dir, 'tiny_data'))) + no_validation() + TINY_TRAIN
    # one thread per process: the test machines share a few cores between many processes
    env = dict(os.environ, OMP_NUM_THREADS='1')
    results = {}
    for command in doc_commands():
        full = command
        if command.startswith('python tools/train.py '):
            full += ' --cfg-options ' + ' '.join(shlex.quote(o) for o in tiny)
        results[command] = subprocess.run(['bash', '-c', full],
                                          cwd=run_dir,
                                          env=env,
                                          capture_output=True,
                                          text=True,
                                          timeout=900)
    return dict(dir=run_dir, results=results)


def _train_commands() -> List[str]:
    return [c for c in doc_commands() if c.startswith('python tools/train.py ')]


def test_doc_trains_every_project_and_exports_mobileone():
    configs = [_config_of(c) for c in _train_commands()]
    for project in PROJECTS:
        assert any(c.startswith(f'projects/{project}/configs/distill_') for c in configs), project
    assert any(c.startswith('python tools/deploy.py ') and 'projects/mobileone/' in c for c in doc_commands())


@pytest.mark.slow
def test_doc_commands_succeed(doc_run):
    for command, result in doc_run['results'].items():
        assert result.returncode == 0, f'{command}\n' + (result.stdout + result.stderr)[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize('command', _train_commands())
def test_training_run_has_finite_losses_and_a_checkpoint_with_the_plugin(doc_run, command):
    config = _config_of(command)
    assert doc_run['results'][command].returncode == 0, (doc_run['results'][command].stderr)[-3000:]
    work_dir = _work_dir(doc_run['dir'], config)
    records = []
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')):
        with open(path) as f:
            records += [json.loads(line) for line in f if line.strip()]
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses), losses
    state = load_checkpoint_file(osp.join(work_dir, 'iter_2.pth'))['state_dict']
    if not config.startswith('projects/'):
        return  # the teacher
    cfg = _import_plugin(config)
    model = cfg.model
    prefix = 'student.' if 'student' in model else ''
    for encoder in ('key_encoder', 'value_encoder'):
        module = MODELS.build(copy.deepcopy(model.get('student', model)[encoder]))
        assert type(module).__module__.startswith('projects.'), type(module)
        trained = {k[len(prefix + encoder) + 1:] for k in state if k.startswith(f'{prefix}{encoder}.')}
        assert trained == set(module.state_dict()), f'{config}: {encoder} is not the plugin'


@pytest.mark.slow
def test_doc_export_of_the_mobileone_student_writes_every_graph(doc_run):
    command = next(c for c in doc_commands() if c.startswith('python tools/deploy.py '))
    result = doc_run['results'][command]
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    work_dir = osp.join(doc_run['dir'], shlex.split(command)[shlex.split(command).index('--work-dir') + 1])
    with open(osp.join(work_dir, 'export_meta.json')) as f:
        meta = json.load(f)
    assert set(meta['graphs']) == GRAPHS
    for info in meta['graphs'].values():
        assert osp.isfile(osp.join(work_dir, info['files']['fp32']))
    # the exporter compared every graph with eager PyTorch. After two iterations the BN running statistics
    # are near their initial values and MobileOne's stride-16 features reach ~1e5 (measured 4.6e5 at
    # initialisation), so the absolute differences say little here: the 1e-4 bound is checked with weights
    # that keep activations of order 1 in test_mobileone_student_onnx_export_matches_eager.
    diffs = meta['verification']['max_abs_diff']['fp32']
    assert list(diffs) == list(meta['graphs'])
    assert all(math.isfinite(d) for outputs in diffs.values() for d in outputs.values()), diffs


def test_example_backbone_shapes_are_found_by_the_probe():
    cfg = _import_plugin('projects/example_backbone/configs/tinyconv_mbv2-noaspp-student_synthetic.py')
    key = MODELS.build(copy.deepcopy(cfg.model.key_encoder))
    value = MODELS.build(copy.deepcopy(cfg.model.value_encoder))
    assert type(key).__name__ == 'TinyConvBackbone'
    # widths (16, 24, 32, 64), stage i at stride 2**(i+1): the key encoder returns stages 1-3
    assert tuple(probe_feature_spec(key, 3)) == ((24, 32, 64), (4, 8, 16))
    assert tuple(probe_feature_spec(value, 5)) == ((64, ), (16, ))
    network = MODELS.build(copy.deepcopy(cfg.model))
    assert network.key_spec.channels == (24, 32, 64) and network.value_spec.strides == (16, )


# ---------------------------------------------------------------- MobileOne: folding and export


def _randomise_batch_norms_(module: torch.nn.Module, seed: int = 0) -> None:
    """Random BN scale, shift and running statistics, small enough that a deep stack stays of order 1."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                m.weight.uniform_(0.2, 0.6, generator=generator)
                m.bias.uniform_(-0.1, 0.1, generator=generator)
                m.running_mean.normal_(0.0, 0.1, generator=generator)
                m.running_var.uniform_(0.5, 1.5, generator=generator)


@pytest.mark.parametrize(
    'in_channels,out_channels,kernel_size,stride,groups,branches',
    [
        (4, 4, 3, 1, 4, 3),  # depthwise with identity and scale branches
        (4, 4, 3, 2, 4, 2),  # depthwise, stride 2: no identity
        (6, 6, 1, 1, 1, 2),  # pointwise with identity, no scale branch
        (5, 8, 3, 2, 1, 1),  # a stem: full conv, no identity
        (6, 6, 3, 1, 2, 2),  # grouped conv with identity
    ])
def test_reparam_conv_folds_to_one_conv(in_channels, out_channels, kernel_size, stride, groups, branches):
    from projects.mobileone.mobileone import ReparamConv
    torch.manual_seed(0)
    layer = ReparamConv(in_channels, out_channels, kernel_size, stride, groups, branches)
    _randomise_batch_norms_(layer)
    layer.eval()
    x = torch.randn(2, in_channels, 9, 11)
    expected = layer(x)
    # the branches, written out by hand: BN(conv) per branch, plus the 1x1 and identity branches
    by_hand = sum(
        b.bn(torch.nn.functional.conv2d(x, b.conv.weight, None, stride, kernel_size // 2, 1, groups))
        for b in layer.branches)
    if kernel_size > 1:
        by_hand = by_hand + layer.scale.bn(
            torch.nn.functional.conv2d(x, layer.scale.conv.weight, None, stride, 0, 1, groups))
    if in_channels == out_channels and stride == 1:
        by_hand = by_hand + layer.identity(x)
    assert torch.allclose(expected, by_hand, atol=1e-6)
    layer.switch_to_deploy()
    assert not any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) for m in layer.modules())
    assert sorted(type(m).__name__ for m in layer.modules()) == ['Conv2d', 'Identity', 'ReparamConv']
    folded = layer(x)
    assert folded.shape == expected.shape
    assert (folded - expected).abs().max() <= 1e-5
    layer.switch_to_deploy()  # a second call does nothing
    assert torch.equal(layer(x), folded)


@pytest.mark.parametrize('arch', ['s0', dict(width_factors=(0.25, 0.5, 0.25, 0.5), num_branches=2)])
def test_mobileone_folded_and_unfolded_give_the_same_outputs(arch):
    from projects.mobileone.mobileone import MobileOne
    torch.manual_seed(0)
    network = MobileOne(arch, out_indices=(0, 1, 2, 3))
    _randomise_batch_norms_(network)
    network.eval()
    x = torch.randn(1, 3, 32, 64)
    expected = network(x)
    folded = copy.deepcopy(network).switch_to_deploy()
    outputs = folded(x)
    assert [tuple(o.shape) for o in outputs] == [tuple(e.shape) for e in expected]
    for i, (out, ref) in enumerate(zip(outputs, expected)):
        print(
            f'{arch} stage {i}: max abs diff {(out - ref).abs().max():.2e}, '
            f'max |output| {ref.abs().max():.2f}'
        )
        assert ref.abs().max() > 0.1  # not a small difference of small numbers
        assert (out - ref).abs().max() <= 1e-5
    convs = sum(isinstance(m, torch.nn.Conv2d) for m in folded.modules())
    assert convs == sum(type(m).__name__ == 'ReparamConv' for m in network.modules())
    assert sum(p.numel() for p in folded.parameters()) < sum(p.numel() for p in network.parameters())
    # weights saved after folding load into a network built folded (deploy=True)
    built = MobileOne(arch, out_indices=(0, 1, 2, 3), deploy=True)
    built.load_state_dict(folded.state_dict(), strict=True)
    assert all(torch.equal(a, b) for a, b in zip(built.eval()(x), outputs))


@pytest.mark.slow
def test_mobileone_student_onnx_export_matches_eager(tmp_path):
    from mobilevos.deploy import export_network
    from mobilevos.deploy.verify import graph_parity, lecun_random_init_
    from projects.mobileone.mobileone import ReparamConv
    from tests.deploy.helpers import onnx_cfg
    cfg = _import_plugin('projects/mobileone/configs/mobileone-s0_mbv2-student_synthetic.py')
    network = lecun_random_init_(MODELS.build(copy.deepcopy(cfg.model)), seed=0)
    _randomise_batch_norms_(network.key_encoder, seed=1)
    _randomise_batch_norms_(network.value_encoder, seed=2)
    unfolded = copy.deepcopy(network).eval()
    export_network(network, onnx_cfg(), str(tmp_path), verify=False)
    layers = [m for m in network.modules() if isinstance(m, ReparamConv)]
    assert layers and all(m.deploy for m in layers), 'export_network did not fold the backbone'
    # the graph holds the folded convs: fewer bytes than the unfolded encoder's float32 conv weights
    # alone (measured: 8.1 MB with the ASPP neck, against 12.8 MB of unfolded encoder weights)
    unfolded_bytes = 4 * sum(p.numel() for p in unfolded.key_encoder.parameters())
    assert osp.getsize(tmp_path / 'key_encoder.onnx') < unfolded_bytes
    for reference in (network, unfolded):  # the graphs match the folded and the trained structure
        scales = {}
        diffs = graph_parity(reference, str(tmp_path), 'fp32', seed=1, scales=scales)
        assert set(diffs) == GRAPHS
        for graph, outputs in diffs.items():
            for name, diff in outputs.items():
                print(f'{graph}.{name}: max abs diff {diff:.2e} (max |eager| {scales[graph][name]:.2f})')
                assert diff <= 1e-4, f'{graph}.{name} differs by {diff}'
                assert scales[graph][name] > 0.05


# ---------------------------------------------------------------- the package does not know its plugins


def test_package_does_not_name_the_plugins():
    names = set()
    for package in PROJECTS.values():
        names.update(n for n in import_modules_from_strings(package).__all__ if not n.isupper())  # classes
        names.add(package)
    names.update(PROJECTS)
    offenders = []
    for path in glob.glob(osp.join(ROOT, 'mobilevos', '**', '*'), recursive=True):
        if osp.isfile(path) and not path.endswith('.pyc'):
            with open(path, errors='ignore') as f:
                text = f.read()
            offenders += [f'{osp.relpath(path, ROOT)}: {name}' for name in names if name in text]
    assert names >= {'TinyConvBackbone', 'MobileOne', 'ReparamConv'}
    assert not offenders, offenders
