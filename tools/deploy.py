"""Export a model's per-frame graphs to ONNX (ONNX Runtime), Core ML (iOS) or LiteRT (Android), mmdeploy-like.

Examples::

    python tools/deploy.py configs/deploy/vos_onnxruntime_static-480x854.py \\
        configs/mobilevos_mbv2_synthetic.py work_dirs/mobilevos_mbv2_synthetic/iter_150000.pth \\
        --work-dir deploy/mbv2_onnx
    # int8 (plus the fp32 graphs it is quantised from), a distillation config + checkpoint (the student)
    python tools/deploy.py configs/deploy/vos_onnxruntime-int8_static-480x854.py \\
        configs/distill_r50_to_mbv2.py work_dirs/distill/best.pth --work-dir deploy/mbv2_int8
    python tools/deploy.py configs/deploy/vos_coreml-fp16_static-480x854.py CONFIG CKPT --work-dir deploy/ios
    # LiteRT (.tflite) needs litert-torch: use the Python of tools/install_litert.sh's environment
    .venv-litert/bin/python tools/deploy.py configs/deploy/vos_litert_static-480x854.py CONFIG CKPT \\
        --work-dir deploy/litert

Writes one file per graph (``key_encoder``, ``read_memory``, ``decode``,
``aggregate``, ``value_encoder``; ``.onnx``, ``.mlpackage`` or ``.tflite``) and
``export_meta.json`` (sizes, normalisation, names and shapes, memory policy, objects, call order);
see docs/deploy.md. For onnxruntime and litert it then compares every graph with eager
PyTorch on random inputs and prints the max abs differences (``--no-verify``
skips this). Core ML packages are converted and saved; Linux cannot run them.

Configs are Python files and are executed: only use configs you trust.
Checkpoints are loaded with ``weights_only=True``.
"""
import argparse
import os.path as osp
import sys
import time

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from mobilevos.apis import init_model  # noqa: E402
from mobilevos.deploy import export_network, parse_deploy_config  # noqa: E402
from mobilevos.utils.cli import add_debug_argument, tool_main  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Export the per-frame graphs of a mobilevos model',
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split('Examples::')[0].strip())
    parser.add_argument('deploy_cfg',
                        help='deploy config, e.g. configs/deploy/vos_onnxruntime_static-480x854.py')
    parser.add_argument('model_cfg', help='model config (a network, or a distillation config: its student)')
    parser.add_argument('checkpoint', help='checkpoint (.pth): network or distillation weights')
    parser.add_argument('--work-dir', required=True, help='output folder for the graphs and export_meta.json')
    parser.add_argument('--no-verify',
                        action='store_true',
                        help='skip the comparison of each graph (onnxruntime, litert) with eager PyTorch')
    parser.add_argument('--quiet', action='store_true', help='print only errors and the summary line')
    add_debug_argument(parser)
    return parser.parse_args(argv)


def _summary(meta: dict, work_dir: str) -> str:
    lines = [
        f'{meta["backend"]} export of {meta["model"]["type"]} ({meta["model"]["num_parameters"] / 1e6:.2f} M '
        f'parameters) in {work_dir}:'
    ]
    for graph, info in meta['graphs'].items():
        sizes = ', '.join(f'{p} {info["files"][p]} {info["bytes"][p] / 1e6:.2f} MB'
                          for p in meta['precisions'])
        lines.append(f'  {graph:<14} {sizes}')
    inp = meta['input']
    shape = inp['frame_size'] if inp['frame_size'] else f'dynamic ({", ".join(inp["dynamic_axes"])})'
    objects = meta['objects']
    count = 'any number' if objects['max_objects'] is None else objects['max_objects']
    count = f'{count} ({"dynamic" if objects["dynamic"] else "static, padded"})'
    lines.append(f'  frames {shape}, objects {count}, memory '
                 f'{meta["memory"]["frames"]} frames ({meta["memory"]["policy"]["type"]})')
    parity = meta.get('verification', {}).get('max_abs_diff', {}).get('fp32')
    if parity:
        worst = ', '.join(f'{g} {max(v.values()):.1e}' for g, v in parity.items())
        lines.append(f'  max abs diff vs eager PyTorch (fp32, random inputs): {worst}')
    if meta['backend'] == 'coreml':
        lines.append('  Core ML packages are converted and saved; predict() needs macOS/iOS (not run here)')
    return '\n'.join(lines)


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.time()
    deploy_cfg = parse_deploy_config(args.deploy_cfg)  # config errors come before any model work
    network = init_model(args.model_cfg, args.checkpoint)
    meta = export_network(network,
                          deploy_cfg,
                          args.work_dir,
                          config=args.model_cfg,
                          checkpoint=args.checkpoint,
                          verify=not args.no_verify,
                          log=None if args.quiet else print)
    print(_summary(meta, args.work_dir))
    print(f'wrote {osp.join(args.work_dir, "export_meta.json")} ({time.time() - start:.1f} s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
