"""Convert a checkpoint of STCN (Cheng et al., NeurIPS 2021, hkchengrex/STCN) into our STCN-R50 teacher.

Examples::

    python tools/model_converters/stcn2mobilevos.py saves/stcn.pth checkpoints/stcn_r50_s012.pth
    python tools/model_converters/stcn2mobilevos.py saves/stcn_s0.pth checkpoints/stcn_r50_s0.pth \\
        --config configs/stcn_r50_davis-ytvos.py   # also load the result strictly into that config's network

Accepts STCN's released weights (``stcn.pth``, the s0/s01 stage weights: bare
state dicts) and STCN's training checkpoints (``{'network': ..., 'optimizer':
...}``), with or without a ``module.`` (DDP) prefix. Every key of STCN's
network must be present and no other key (the reference list is
``stcn_state_dict_shapes.json`` next to this file, read from STCN's network).

The conversion renames keys and does what STCN's own evaluation does on load,
nothing else: the value encoder's first conv of a single-object (stage 0)
checkpoint takes 4 input channels (RGB + mask) and gets a zero-weight 5th
channel (the "other objects" mask), as STCN's ``eval_*.py`` do. Renames:

==========================================  ====================================
STCN                                        mobilevos (``configs/stcn_r50_*``)
==========================================  ====================================
``key_encoder.res2.*``                      ``key_encoder.layer1.*``
``key_proj.key_proj.*``                     ``key_proj.proj.*``
``value_encoder.fuser.*``                   ``value_fuser.*``
``...ChannelGate.mlp.1/3.*``                ``...channel_gate.mlp.0/2.*``
``...SpatialGate.spatial.conv.*``           ``...spatial_gate.conv.*``
``decoder.up_*.out_conv.*``                 ``decoder.up_*.refine.*``
ResBlock ``downsample.*``                   ResBlock ``shortcut.*``
==========================================  ====================================

The output holds ``state_dict`` and ``meta`` (``converted_from``) and is
written atomically; ``tools/test.py``, ``tools/infer.py``, ``load_from`` and a
distiller's ``teacher_ckpt`` load it strictly. docs/model_zoo.md shows the
check that STCN's inference and ours agree on converted weights.
"""
import argparse
import json
import os.path as osp
import re
import sys
from collections import OrderedDict
from collections.abc import Mapping
from typing import Dict, List, Optional, Tuple

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mobilevos.utils.checkpoint import (
    DDP_PREFIX,
    load_checkpoint_file,
    load_state_dict_strict,  # noqa: E402
    save_checkpoint_atomic)
from mobilevos.utils.cli import UserError, add_debug_argument, tool_main  # noqa: E402

#: STCN's parameter and buffer names with their shapes (multi-object network, 405 entries).
REFERENCE_FILE = osp.join(osp.dirname(osp.abspath(__file__)), 'stcn_state_dict_shapes.json')

#: ``(pattern, replacement)`` for each group of STCN keys; every key matches exactly one pattern.
RENAMES: Tuple[Tuple[str, str], ...] = (
    (r'^key_encoder\.res2\.', 'key_encoder.layer1.'),
    (r'^key_encoder\.(conv1|bn1|layer2|layer3)\.', r'key_encoder.\1.'),
    (r'^key_proj\.key_proj\.', 'key_proj.proj.'),
    (r'^key_comp\.', 'key_comp.'),
    (r'^value_encoder\.(conv1|bn1|layer1|layer2|layer3)\.', r'value_encoder.\1.'),
    (r'^value_encoder\.fuser\.(block[12])\.downsample\.', r'value_fuser.\1.shortcut.'),
    (r'^value_encoder\.fuser\.(block[12])\.(conv[12])\.', r'value_fuser.\1.\2.'),
    (r'^value_encoder\.fuser\.attention\.ChannelGate\.mlp\.1\.', 'value_fuser.attention.channel_gate.mlp.0.'),
    (r'^value_encoder\.fuser\.attention\.ChannelGate\.mlp\.3\.', 'value_fuser.attention.channel_gate.mlp.2.'),
    (r'^value_encoder\.fuser\.attention\.SpatialGate\.spatial\.conv\.',
     'value_fuser.attention.spatial_gate.conv.'),
    (r'^decoder\.compress\.downsample\.', 'decoder.compress.shortcut.'),
    (r'^decoder\.compress\.(conv[12])\.', r'decoder.compress.\1.'),
    (r'^decoder\.(up_16_8|up_8_4)\.skip_conv\.', r'decoder.\1.skip_conv.'),
    (r'^decoder\.(up_16_8|up_8_4)\.out_conv\.downsample\.', r'decoder.\1.refine.shortcut.'),
    (r'^decoder\.(up_16_8|up_8_4)\.out_conv\.(conv[12])\.', r'decoder.\1.refine.\2.'),
    (r'^decoder\.pred\.', 'decoder.pred.'),
)

#: STCN's value-encoder stem; a stage-0 (single-object) checkpoint has 4 input channels there, not 5.
VALUE_STEM = 'value_encoder.conv1.weight'


class STCNCheckpointError(UserError, ValueError):
    """A file is not an STCN checkpoint, or its keys or shapes differ from STCN's network."""


def load_reference(path: str = REFERENCE_FILE) -> Dict[str, Tuple[int, ...]]:
    """STCN's state-dict names and shapes, in STCN's order."""
    with open(path) as f:
        return OrderedDict((key, tuple(shape)) for key, shape in json.load(f)['shapes'].items())


def rename_key(key: str) -> Optional[str]:
    """Our name of an STCN key, or ``None`` if no rule matches it."""
    for pattern, replacement in RENAMES:
        if re.match(pattern, key):
            return re.sub(pattern, replacement, key, count=1)
    return None


def _first(keys: List[str], limit: int = 5) -> str:
    return ', '.join(keys[:limit]) + (f', ... ({len(keys) - limit} more)' if len(keys) > limit else '')


def stcn_state_dict(checkpoint, source: str) -> Dict[str, torch.Tensor]:
    """The network weights inside a loaded STCN file (bare, ``{'network': ...}``, DDP-prefixed)."""
    state = checkpoint
    if isinstance(state, Mapping) and isinstance(state.get('network'), Mapping):
        state = state['network']  # STCN's training checkpoint (model.py save_checkpoint)
    if not isinstance(state, Mapping) or not state or not all(isinstance(k, str) for k in state):
        raise STCNCheckpointError(f'{source} is not an STCN checkpoint: it holds no state dict '
                                  f'(found {type(state).__name__})')
    if all(key.startswith(DDP_PREFIX) for key in state):
        state = {key[len(DDP_PREFIX):]: value for key, value in state.items()}
    return dict(state)


def convert_stcn(state: Mapping,
                 source: str = 'checkpoint',
                 reference: Optional[Mapping] = None) -> 'OrderedDict[str, torch.Tensor]':
    """Rename STCN's weights to ours (and pad a 4-channel value stem with a zero 5th channel).

    Args:
        state: STCN's state dict ``{name: tensor}``.
        source: names the checkpoint in errors.
        reference: STCN's names and shapes (default: :func:`load_reference`).

    Returns:
        Our state dict, in STCN's key order.

    Raises:
        STCNCheckpointError: no STCN key at all, missing or extra keys, or
            shapes that differ from STCN's (the message names ``source`` and the
            first keys at fault).
    """
    reference = load_reference() if reference is None else reference
    keys = list(state)
    missing = [key for key in reference if key not in state]
    extra = [key for key in keys if key not in reference]
    if len(extra) == len(keys):
        raise STCNCheckpointError(
            f'{source} is not an STCN checkpoint: none of its {len(keys)} keys is a key of '
            f"STCN's network (first keys: {_first(keys)})")
    if missing or extra:
        raise STCNCheckpointError(f"{source} does not match STCN's network: {len(missing)} missing keys "
                                  f'[{_first(missing)}]; {len(extra)} unexpected keys [{_first(extra)}]')
    wrong = []
    for key in keys:
        shape, expected = tuple(state[key].shape), reference[key]
        single_object_stem = key == VALUE_STEM and shape == expected[:1] + (4, ) + expected[2:]
        if shape != expected and not single_object_stem:
            wrong.append(f'{key} {shape} (STCN: {expected})')
    if wrong:
        raise STCNCheckpointError(f"{source} does not match STCN's network: {len(wrong)} tensors have other "
                                  f'shapes [{_first(wrong)}]')
    converted = OrderedDict()
    for key in keys:
        new_key = rename_key(key)
        if new_key is None:  # the reference list and RENAMES disagree: a bug, not a user error
            raise KeyError(f'no rename rule for the STCN key {key}')
        value = state[key]
        if key == VALUE_STEM and value.shape[1] == 4:
            # STCN's eval scripts: the "other objects" channel of a stage-0 model gets zero weights
            value = torch.cat([value, value.new_zeros(value.shape[0], 1, *value.shape[2:])], dim=1)
        converted[new_key] = value
    return converted


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Convert STCN's weights (stcn.pth, s0/s01 stages) into a checkpoint of configs/stcn_r50_*"
    )
    parser.add_argument('src', help="STCN's checkpoint (.pth)")
    parser.add_argument('dst', help='where to write the converted checkpoint')
    parser.add_argument('--config',
                        help='also load the result strictly into this config\'s network (a check)')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@tool_main
def main(argv=None) -> None:
    args = parse_args(argv)
    state = stcn_state_dict(load_checkpoint_file(args.src, map_location='cpu'), args.src)
    converted = convert_stcn(state, source=args.src)
    if args.config:
        from mobilevos.apis.inference import init_model
        load_state_dict_strict(init_model(args.config), converted, source=f'{args.src} (converted)')
        print(f'loaded strictly into the network of {args.config}')
    save_checkpoint_atomic(dict(state_dict=converted, meta=dict(converted_from=osp.abspath(args.src))),
                           args.dst)
    print(f'wrote {len(converted)} tensors to {args.dst}')


if __name__ == '__main__':
    sys.exit(main())
