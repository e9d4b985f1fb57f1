"""Train a model from a config, as mmsegmentation's ``tools/train.py`` does.

Examples::

    python tools/train.py configs/distill_r50_to_mbv2.py
    python tools/train.py CONFIG --work-dir work_dirs/x --cfg-options train_cfg.max_iters=100
    python tools/train.py CONFIG --resume                  # latest checkpoint in the work dir
    python tools/train.py CONFIG --resume work_dirs/x/iter_200.pth
    torchrun --nproc-per-node 2 tools/train.py CONFIG --launcher pytorch

A mistake in the input (a missing config, data folder or teacher checkpoint, a
checkpoint that does not fit) ends with ``error: ...`` and exit status 1;
``--debug`` shows the traceback instead (see ``mobilevos/utils/cli.py``).
Configs are Python files and are executed: only run configs you trust.
"""
import argparse
import os.path as osp
import sys

# Make `projects.*` plugins importable when run from a checkout.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import DictAction  # noqa: E402

from mobilevos.apis import prepare_train_config, build_runner  # noqa: E402
from mobilevos.utils.cli import (add_runner_arguments, config_keys_in_errors,  # noqa: E402
                                 parse_runner_args, tool_main)
from mobilevos.utils.config import read_config  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a mobilevos model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir',
                        help='where logs and checkpoints go '
                        '(default: the config\'s work_dir, else work_dirs/<config name>)')
    parser.add_argument('--resume',
                        nargs='?',
                        type=str,
                        const='auto',
                        default=None,
                        help='resume training: with no value, from the latest checkpoint in the work dir; '
                        'with a path, from that checkpoint')
    parser.add_argument('--amp', action='store_true', help='mixed-precision training (CUDA only)')
    parser.add_argument('--cfg-options',
                        nargs='+',
                        action=DictAction,
                        help='override config settings, e.g. train_cfg.max_iters=100 '
                        'model.distill_losses.loss_repr.omega=0.5')
    add_runner_arguments(parser, launcher_help='job launcher; use "pytorch" under torchrun')
    return parse_runner_args(parser, argv)


@tool_main
def main(argv=None):
    args = parse_args(argv)
    cfg = read_config(args.config)
    cfg = prepare_train_config(cfg,
                               config_path=args.config,
                               work_dir=args.work_dir,
                               resume=args.resume,
                               amp=args.amp,
                               launcher=args.launcher,
                               cfg_options=args.cfg_options)
    with config_keys_in_errors(cfg):
        runner = build_runner(cfg, verbose=args.verbose)
        runner.train()


if __name__ == '__main__':
    sys.exit(main())
