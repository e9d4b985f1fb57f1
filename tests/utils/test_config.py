"""read_config and check_device: a bad config file or device is a user error that names it."""
import pytest
import torch

from mobilevos.utils.cli import ConfigError, UserError
from mobilevos.utils.config import check_device, read_config


def test_reads_a_config_with_its_base(tmp_path):
    (tmp_path / 'base.py').write_text('a = 1\nb = dict(c=2)\n')
    (tmp_path / 'main.py').write_text("_base_ = ['base.py']\nb = dict(d=3)\n")
    cfg = read_config(str(tmp_path / 'main.py'))
    assert cfg.a == 1 and cfg.b.to_dict() == dict(c=2, d=3)


def test_missing_config_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match=f'deploy config {tmp_path / "no.py"} does not exist'):
        read_config(str(tmp_path / 'no.py'), what='deploy config')


def test_syntax_error_names_the_file_and_line(tmp_path):
    path = tmp_path / 'broken.py'
    path.write_text('model = dict(\n    type="X",\n    depth=18,,\n)\n')
    with pytest.raises(ConfigError) as info:
        read_config(str(path))
    message = str(info.value)
    assert message.startswith(f'config file {path} cannot be read: syntax error at ')
    assert 'line 3' in message and '\n' not in message


def test_missing_base_names_the_config(tmp_path):
    path = tmp_path / 'child.py'
    path.write_text("_base_ = ['nowhere/base.py']\n")
    with pytest.raises(ConfigError, match=f'config file {path} cannot be read: .*nowhere'):
        read_config(str(path))


def test_check_device(monkeypatch):
    assert check_device('cpu') == torch.device('cpu')
    with pytest.raises(UserError, match='--device gpu: not a torch device name'):
        check_device('gpu')
    with pytest.raises(UserError, match='device meta: only cpu, cuda and mps'):
        check_device('meta', option='device')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(UserError, match='--device cuda:0: CUDA is not available on this machine; use --device'):
        check_device('cuda:0')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setattr(torch.cuda, 'device_count', lambda: 1)
    assert check_device('cuda:0') == torch.device('cuda:0')
    with pytest.raises(UserError, match='--device cuda:1: this machine has 1 CUDA device'):
        check_device('cuda:1')


def test_cfg_options_that_cannot_merge_name_the_config(tmp_path):
    from mobilevos.utils.config import merge_options
    path = tmp_path / 'c.py'
    path.write_text('optim_wrapper = dict(clip_grad=None, lr=1)\n')
    cfg = read_config(str(path))
    assert merge_options(cfg, {'optim_wrapper.lr': 2}, str(path)).optim_wrapper.lr == 2
    expected = rf'--cfg-options cannot be applied to {path}: .*clip_grad.*_delete_=True'
    with pytest.raises(ConfigError, match=expected):
        merge_options(cfg, {'optim_wrapper.clip_grad.max_norm': 1.0}, str(path))
