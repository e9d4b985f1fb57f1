"""tools/data/make_synthetic.py: byte-identical output for a seed (acceptance 2)."""
import importlib.util
import os.path as osp

import pytest

from tests.datasets.test_synthetic import file_digests

TOOL = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tools', 'data',
                'make_synthetic.py')


@pytest.fixture(scope='module')
def tool():
    spec = importlib.util.spec_from_file_location('make_synthetic_tool', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ARGS = ['--videos', '3', '--val-videos', '2', '--frames', '5', '--size', '32x48', '--no-progress']


def test_same_seed_gives_byte_identical_files(tool, tmp_path, capsys):
    assert tool.main(['--out', str(tmp_path / 'a'), '--seed', '7'] + ARGS) == 0
    assert tool.main(['--out', str(tmp_path / 'b'), '--seed', '7'] + ARGS) == 0
    assert tool.main(['--out', str(tmp_path / 'c'), '--seed', '8'] + ARGS) == 0
    a, b, c = file_digests(tmp_path / 'a'), file_digests(tmp_path / 'b'), file_digests(tmp_path / 'c')
    assert len(a) == 5 * 2 * 5 + 5 + 1 + 2  # frames + masks, per-video meta, dataset.json, split files
    assert a == b
    assert set(a) == set(c) and a != c
    assert 'wrote 3 train and 2 val videos' in capsys.readouterr().out


def test_overwrite_and_errors(tool, tmp_path, capsys):
    out = str(tmp_path / 'd')
    assert tool.main(['--out', out, '--seed', '1'] + ARGS) == 0
    assert tool.main(['--out', out, '--seed', '1'] + ARGS) == 1
    assert 'not empty' in capsys.readouterr().err
    assert tool.main(['--out', out, '--seed', '1', '--overwrite'] + ARGS) == 0
    with pytest.raises(SystemExit):
        tool.parse_args(['--out', out, '--size', '32by48'])
    assert '--size must be HxW' in capsys.readouterr().err
