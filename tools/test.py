"""Evaluate a checkpoint: segment the configured videos, report J&F, speed and memory.

Examples::

    python tools/test.py configs/distill_r50_to_mbv2.py work_dirs/distill_r50_to_mbv2/iter_150000.pth
    python tools/test.py CONFIG CKPT --out work_dirs/masks --show-dir work_dirs/overlays
    python tools/test.py CONFIG CKPT --memory infinite:5       # another memory policy
    python tools/test.py CONFIG CKPT --cfg-options test_cfg.size=480
    # the exported graphs (tools/deploy.py) over ONNX Runtime, with the same loop and metrics
    python tools/test.py CONFIG CKPT --backend onnxruntime --deploy-dir deploy/mbv2 [--precision int8]

For a distillation config, the student is evaluated. The checkpoint can be a
full distillation checkpoint, a student-only one, or a plain model checkpoint;
it is loaded strictly (safe ``weights_only`` loading), and a mismatch lists the
missing and unexpected keys. On a YouTube-VOS config, ``--out`` receives the
submission folder (``Annotations/<video>/<frame>.png``) instead of scores.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mmengine.config import Config, DictAction  # noqa: E402

from mobilevos.apis import (BACKENDS, build_runner, build_segmenter, check_backend_args,  # noqa: E402
                            prepare_test_config)
from mobilevos.engine.loops import unwrap_vos_network  # noqa: E402
from mobilevos.utils.cli import (add_runner_arguments, config_keys_in_errors,  # noqa: E402
                                 parse_runner_args, tool_main)
from mobilevos.utils.config import read_config  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (evaluate) a mobilevos model')
    parser.add_argument('config', help='config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs and the results JSON go')
    parser.add_argument('--out', help='write the predicted masks (DAVIS palette PNGs) to this folder')
    parser.add_argument('--show-dir', help='write mask overlays (JPEG) to this folder')
    parser.add_argument('--memory', help="memory policy, e.g. 'first+latest', 'infinite:5', 'fifo:3' "
                        '(default: the model\'s test_memory)')
    parser.add_argument('--max-videos', type=int, help='evaluate only the first N videos')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    parser.add_argument('--backend', choices=BACKENDS, default='torch',
                        help='onnxruntime or litert: segment with the exported graphs in --deploy-dir (CPU; '
                        'litert in the environment of tools/install_litert.sh)')
    parser.add_argument('--deploy-dir', help='folder written by tools/deploy.py from CONFIG and CKPT')
    parser.add_argument('--precision', help='variant of the exported graphs (fp32, int8)')
    add_runner_arguments(parser)
    return parse_runner_args(parser, argv)


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    check_backend_args(args.backend, args.deploy_dir, args.precision)  # before any work
    cfg = read_config(args.config)
    cfg = prepare_test_config(cfg, args.config, args.checkpoint, work_dir=args.work_dir,
                              launcher=args.launcher, cfg_options=args.cfg_options)
    for key, value in (('out_dir', args.out), ('show_dir', args.show_dir), ('memory', args.memory),
                       ('max_videos', args.max_videos)):
        if value is not None:
            cfg.test_cfg[key] = value
    _route_youtube_submission(cfg, args.out)
    with config_keys_in_errors(cfg):  # a type= that no registry holds: name the config
        runner = build_runner(cfg, verbose=args.verbose)
    # the checkpoint goes strictly into the runner's network (the student of a distiller), built once
    network = unwrap_vos_network(runner.model)
    segmenter = build_segmenter(cfg, args.checkpoint, backend=args.backend, deploy_dir=args.deploy_dir,
                                precision=args.precision, network=network)
    runner.logger.info(f'loaded {args.checkpoint} into {type(network).__name__}')
    if segmenter is not network:
        runner.test_loop.runtime = segmenter
        runner.logger.info(f'segmenting with {segmenter!r}')
    with config_keys_in_errors(cfg):  # a missing data folder: name the config keys to set
        metrics = runner.test()
    out_file = osp.join(runner.log_dir, 'test_results.json')
    with open(out_file, 'w') as f:
        json.dump({k: v for k, v in metrics.items() if isinstance(v, (int, float, str))}, f, indent=1)
    runner.logger.info(f'results written to {out_file}')
    return 0


def _route_youtube_submission(cfg: Config, out: str) -> None:
    """A YouTube-VOS submission metric writes to ``--out`` (the loop then writes no DAVIS PNGs)."""
    evaluator = cfg.get('test_evaluator')
    metrics = evaluator if isinstance(evaluator, list) else [evaluator]
    for metric in metrics:
        if isinstance(metric, dict) and metric.get('type') == 'YouTubeVOSSubmissionMetric' and out:
            metric['output_dir'] = out
            cfg.test_cfg.pop('out_dir', None)


if __name__ == '__main__':
    sys.exit(main())
