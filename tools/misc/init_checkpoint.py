"""Write a checkpoint holding a config's network with its initial (untrained) weights.

    python tools/misc/init_checkpoint.py configs/distill_r50_to_mbv2.py work_dirs/untrained.pth --seed 0

For a distillation config this is the student. The checkpoint is the
"untrained network" baseline that trained models are compared against
(``tools/quickstart.sh`` tests it next to the teacher and the student).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402

from mobilevos.apis import init_model  # noqa: E402
from mobilevos.apis.runner import quiet_console  # noqa: E402
from mobilevos.utils.checkpoint import save_checkpoint_atomic  # noqa: E402
from mobilevos.utils.cli import UserError, add_debug_argument, tool_main  # noqa: E402


@tool_main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description='Save a config\'s network with its initial weights')
    parser.add_argument('config', help='config file')
    parser.add_argument('out', help='checkpoint to write (.pth)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the random initialisation')
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    if not osp.isfile(args.config):
        raise UserError(f'config file {args.config} does not exist')
    torch.manual_seed(args.seed)
    network = init_model(args.config)
    if hasattr(network, 'init_weights'):
        quiet_console(MMLogger.get_current_instance())  # no per-parameter init report on the terminal
        network.init_weights()
    save_checkpoint_atomic(
        {
            'state_dict': network.state_dict(),
            'meta': {
                'untrained': True,
                'seed': args.seed
            }
        }, args.out)
    count = sum(p.numel() for p in network.parameters())
    print(f'wrote {args.out}: {type(network).__name__} with {count / 1e6:.2f} M untrained parameters')
    return 0


if __name__ == '__main__':
    sys.exit(main())
