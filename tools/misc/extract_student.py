"""Extract the student's weights from a distiller checkpoint.

Examples::

    python tools/misc/extract_student.py work_dirs/distill/iter_80000.pth student.pth

The output holds ``state_dict`` (the student's keys, without the ``student.``
prefix, so it loads into the student model alone, e.g. with ``tools/test.py``
and the student's config) and ``meta`` (the input's meta plus
``extracted_from``). The input is read with ``weights_only=True``; the output is
written atomically.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mobilevos.utils.checkpoint import (
    STUDENT_PREFIX,
    extract_state_dict,
    load_checkpoint_file,  # noqa: E402
    save_checkpoint_atomic)
from mobilevos.utils.cli import add_debug_argument, tool_main  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Save the student of a distiller checkpoint on its own')
    parser.add_argument('checkpoint', help='distiller checkpoint (.pth)')
    parser.add_argument('output', help='where to write the student-only checkpoint')
    parser.add_argument('--prefix',
                        default=STUDENT_PREFIX,
                        help=f'key prefix of the student (default: {STUDENT_PREFIX})')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@tool_main
def main(argv=None) -> None:
    args = parse_args(argv)
    checkpoint = load_checkpoint_file(args.checkpoint, map_location='cpu')  # names a missing file
    state_dict = extract_state_dict(checkpoint, prefix=args.prefix, source=args.checkpoint)
    meta = checkpoint.get('meta') if isinstance(checkpoint.get('meta'), dict) else {}
    meta = dict(meta)
    meta['extracted_from'] = osp.abspath(args.checkpoint)
    save_checkpoint_atomic(dict(state_dict=state_dict, meta=meta), args.output)
    print(f'wrote {len(state_dict)} student tensors to {args.output}')


if __name__ == '__main__':
    sys.exit(main())
