"""Print the versions mobilevos depends on and whether mmcv's ops are compiled.

    python tools/misc/collect_env.py

Paste its output into bug reports.
"""
import argparse
import importlib
import importlib.metadata as metadata
import os
import os.path as osp
import platform
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mobilevos.utils.cli import add_debug_argument, tool_main  # noqa: E402

PACKAGES = ('torch', 'mmengine', 'mmcv', 'mmsegmentation', 'numpy', 'opencv-python-headless', 'onnx',
            'onnxruntime', 'coremltools', 'setuptools')


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return 'not installed'


def mmcv_ops_status() -> str:
    """'compiled' if ``mmcv.ops`` imports with its extension, else why not."""
    try:
        importlib.import_module('mmcv.ops')
    except Exception as err:  # ImportError, or mmcv's own load errors
        return f'NOT available ({type(err).__name__}: {err})'
    from mmcv.utils import ext_loader
    ext = ext_loader.load_ext('_ext', ['nms'])
    return f'compiled ({os.path.basename(ext.__file__)})'


def collect_env() -> dict:
    """A dict of environment facts, in print order."""
    import torch

    import mobilevos
    env = {
        'sys.platform': sys.platform,
        'Python': sys.version.replace('\n', ' '),
        'machine': platform.machine(),
        'CPU cores': os.cpu_count(),
        'CUDA available': torch.cuda.is_available(),
        'torch threads': torch.get_num_threads(),
    }
    if torch.cuda.is_available():
        env['GPU'] = torch.cuda.get_device_name(0)
    for name in PACKAGES:
        env[name] = package_version(name)
    env['mmcv.ops'] = mmcv_ops_status()
    env['mobilevos'] = f'{mobilevos.__version__} ({os.path.dirname(mobilevos.__file__)})'
    return env


@tool_main
def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description='Print the versions mobilevos depends on')
    add_debug_argument(parser)
    parser.parse_args(argv)
    for key, value in collect_env().items():
        print(f'{key}: {value}')


if __name__ == '__main__':
    sys.exit(main())
