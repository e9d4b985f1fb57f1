"""The tool error policy: user errors in one line (exit 1), bugs and --debug with a traceback."""
import argparse
import os

import pytest
import torch

from mobilevos.utils.cli import (ConfigError, MissingDataError, UserError, add_debug_argument,
                                 add_runner_arguments, config_keys_in_errors, keys_holding, parse_runner_args,
                                 tool_main)


def _tool(exception=None, status=None):
    """A tool whose main parses --debug and then raises ``exception`` or returns ``status``."""

    @tool_main
    def main(argv=None):
        parser = argparse.ArgumentParser()
        add_debug_argument(parser)
        parser.parse_args(argv)
        if exception is not None:
            raise exception
        return status

    return main


def test_user_errors_are_one_line_with_exit_status_1(capsys):
    assert _tool(UserError('model.pth does not fit: retrain it'))([]) == 1
    assert capsys.readouterr().err == 'error: model.pth does not fit: retrain it\n'
    assert _tool(ValueError('--size must be >= 16, got 3'))([]) == 1
    assert capsys.readouterr().err == 'error: --size must be >= 16, got 3\n'


def test_python_os_errors_name_the_file(tmp_path, capsys):
    try:
        open(tmp_path / 'absent.txt')
    except FileNotFoundError as err:
        error = err
    assert _tool(error)([]) == 1
    assert capsys.readouterr().err == f'error: {tmp_path / "absent.txt"}: No such file or directory\n'


def test_bugs_and_debug_keep_the_traceback():
    with pytest.raises(KeyError):
        _tool(KeyError('a bug'))([])
    with pytest.raises(UserError, match='bad file'):
        _tool(UserError('bad file'))(['--debug'])


def test_status_is_passed_on():
    assert _tool(status=None)([]) == 0
    assert _tool(status=3)([]) == 3


def test_missing_data_names_the_config_keys():
    config = dict(
        data_root='data/DAVIS',
        train_dataloader=dict(dataset=dict(datasets=[dict(
            data_root='data/YT'), dict(data_root='data/DAVIS')])),
        test_dataloader=dict(dataset=dict(data_root='data/DAVIS')))
    assert keys_holding(config, 'data/DAVIS') == [
        'data_root', 'train_dataloader.dataset.datasets.1.data_root', 'test_dataloader.dataset.data_root'
    ]
    with pytest.raises(MissingDataError) as info:
        with config_keys_in_errors(config):
            raise MissingDataError('data_root data/DAVIS does not exist', 'data/DAVIS')
    lines = str(info.value).splitlines()
    assert lines[0] == 'data_root data/DAVIS does not exist.'
    assert lines[2:] == [
        '  --cfg-options train_dataloader.dataset.datasets.1.data_root=PATH',
        '  --cfg-options test_dataloader.dataset.data_root=PATH'
    ]
    assert info.value.path == 'data/DAVIS'


def test_runner_arguments_set_local_rank_unless_the_launcher_did(monkeypatch):
    parser = argparse.ArgumentParser()
    add_runner_arguments(parser, launcher_help='job launcher')
    monkeypatch.delenv('LOCAL_RANK', raising=False)
    args = parse_runner_args(parser, ['--launcher', 'pytorch', '--local-rank', '3', '--debug', '--verbose'])
    assert (args.launcher, args.local_rank, args.debug, args.verbose) == ('pytorch', 3, True, True)
    assert os.environ['LOCAL_RANK'] == '3'
    monkeypatch.setenv('LOCAL_RANK', '1')  # torchrun sets it: kept
    assert parse_runner_args(parser, ['--local_rank', '2']).launcher == 'none'
    assert os.environ['LOCAL_RANK'] == '1'
    with pytest.raises(SystemExit):
        parse_runner_args(parser, ['--launcher', 'ssh'])


class _Frames(torch.utils.data.Dataset):
    """A dataset whose items raise ``error`` (as a bad frame does in a DataLoader worker)."""

    def __init__(self, error):
        self.error = error

    def __len__(self):
        return 2

    def __getitem__(self, index):
        raise self.error


def _worker_error(error):
    """The exception PyTorch raises in the main process for ``error`` raised in a worker."""
    loader = torch.utils.data.DataLoader(_Frames(error), num_workers=1)
    try:
        next(iter(loader))
    except Exception as err:  # noqa: B902
        return err
    raise AssertionError('the loader did not raise')


@pytest.mark.parametrize('error, message', [
    (OSError('frame a/00003.jpg cannot be decoded'), 'frame a/00003.jpg cannot be decoded'),
    (MissingDataError('data_root d/DAVIS does not exist.\nPut the data there', 'd/DAVIS'),
     'data_root d/DAVIS does not exist.\nPut the data there'),  # re-raised as a RuntimeError (2 args)
])
def test_user_errors_of_dataloader_workers_are_one_message(error, message, capsys):
    raised = _worker_error(error)
    assert 'Traceback' in str(raised)  # what PyTorch gives: the worker's traceback in the text
    assert _tool(raised)([]) == 1
    assert capsys.readouterr().err == f'error: {message}\n'
    with pytest.raises(type(raised)):
        _tool(raised)(['--debug'])


def test_bugs_in_dataloader_workers_keep_the_traceback():
    raised = _worker_error(KeyError('a bug'))
    with pytest.raises(KeyError):
        _tool(raised)([])
    with pytest.raises(ZeroDivisionError):
        _tool(_worker_error(ZeroDivisionError('a bug')))([])


def test_unregistered_type_names_the_config(tmp_path):
    from mmengine.config import Config

    from mobilevos.registry import MODELS
    from mobilevos.utils.setup_env import register_all_modules
    register_all_modules()
    path = tmp_path / 'my_model.py'
    path.write_text("model = dict(type='NoSuchNet')\n")
    config = Config.fromfile(str(path))
    with pytest.raises(ConfigError) as info:
        with config_keys_in_errors(config):
            MODELS.build(config.model)
    assert str(info.value).startswith(f'{path}: type NoSuchNet is not in the ')
    assert 'custom_imports' in str(info.value)
    with pytest.raises(KeyError):  # other KeyErrors are bugs: unchanged
        with config_keys_in_errors(config):
            raise KeyError('backbone')
