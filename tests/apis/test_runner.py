"""build_runner: the terminal leaves out mmengine's dumps unless verbose; the log file keeps them."""
import io
import logging
import os.path as osp
from glob import glob

from mmengine.config import Config

from mobilevos.apis import build_runner, prepare_train_config
from mobilevos.apis.runner import quiet_console

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY_CONFIG = osp.join(ROOT, 'tests', 'configs', 'toy_train.py')
DUMPS = ('System environment:', 'Config:', 'Hooks will be executed in the following order')


def _runner_output(tmp_path, capsys, verbose):
    name = f'{"verbose" if verbose else "quiet"}_{tmp_path.name}'
    cfg = Config.fromfile(TOY_CONFIG)
    cfg.experiment_name = name  # a logger of its own
    cfg = prepare_train_config(cfg, TOY_CONFIG, work_dir=str(tmp_path / name))
    runner = build_runner(cfg, verbose=verbose)
    runner.logger.info('a line for the terminal')
    with open(glob(osp.join(str(tmp_path / name), '*', '*.log'))[0]) as f:
        return capsys.readouterr().out, f.read()


def test_console_is_quiet_by_default_and_verbose_on_request(tmp_path, capsys):
    terminal, log_file = _runner_output(tmp_path, capsys, verbose=False)
    assert 'a line for the terminal' in terminal
    for dump in DUMPS:
        assert dump not in terminal
        assert dump in log_file
    terminal, _ = _runner_output(tmp_path, capsys, verbose=True)
    for dump in DUMPS:
        assert dump in terminal


def test_weight_initialisation_lines_stay_off_the_terminal(tmp_path):
    logger = logging.Logger('quiet_console_test')
    terminal, log_file = io.StringIO(), str(tmp_path / 'run.log')
    logger.addHandler(logging.StreamHandler(terminal))
    logger.addHandler(logging.FileHandler(log_file))
    quiet_console(logger)
    quiet_console(logger)  # a second call adds no second filter
    assert [len(handler.filters) for handler in logger.handlers] == [1, 0]
    init_line = '\nbackbone.conv1.weight - torch.Size([64, 3, 7, 7]): \nKaimingInit: a=0, mode=fan_out \n '
    table = '\n+--------+-------+\n| J&F    | 80.1  |'
    logger.warning(init_line)
    logger.warning(table)
    assert terminal.getvalue() == table + '\n'
    with open(log_file) as f:
        assert f.read() == init_line + '\n' + table + '\n'


def test_a_default_hook_of_ours_set_to_none_is_switched_off(tmp_path):
    cfg = Config.fromfile(TOY_CONFIG)
    cfg.experiment_name = f'no_exact_resume_{tmp_path.name}'
    cfg = prepare_train_config(cfg, TOY_CONFIG, work_dir=str(tmp_path / 'work'),
                               cfg_options={'default_hooks.exact_resume': None, 'default_hooks.timer': None})
    names = [type(hook).__name__ for hook in build_runner(cfg).hooks]
    assert 'ExactResumeHook' not in names and 'IterTimerHook' not in names
    assert 'CheckpointHook' in names
