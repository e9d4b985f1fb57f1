"""ImageNet initialisation of our encoders from torchvision's released weights (an ``init_cfg`` type).

Usage in a config (mmseg's ``init_cfg`` way; the synthetic configs use none)::

    key_encoder=dict(type='mmseg.ResNet', depth=50, ...,
                     init_cfg=dict(type='mobilevos.ImageNetPretrained',
                                   checkpoint=IMAGENET_URLS['resnet50'], mapping='torchvision_resnet'))

``checkpoint`` is a URL (downloaded once into torch's hub cache, ``~/.cache/torch/hub/checkpoints``)
or a local file. Offline, a URL that is not in the cache stops the run with a
:class:`~mobilevos.utils.cli.MissingDataError` naming the URL; the tools add the config key to
set to a local copy (e.g. ``model.key_encoder.init_cfg.checkpoint``).
"""
import os
import os.path as osp
import re
from typing import Callable, Dict, Mapping, Optional
from urllib.parse import urlparse

import torch
import torch.nn as nn
from mmengine.logging import print_log

from mobilevos.registry import WEIGHT_INITIALIZERS
from mobilevos.utils.checkpoint import CheckpointMismatchError, extract_state_dict, load_checkpoint_file
from mobilevos.utils.cli import MissingDataError

#: torchvision's ImageNet weights (IMAGENET1K_V1, the ones STCN starts from).
IMAGENET_URLS = dict(resnet18='https://download.pytorch.org/models/resnet18-f37072fd.pth',
                     resnet50='https://download.pytorch.org/models/resnet50-0676ba61.pth',
                     mobilenet_v2='https://download.pytorch.org/models/mobilenet_v2-b0353104.pth')

#: Blocks per stage of MobileNetV2 (torchvision ``features.1..17`` = our ``layer1..layer7``).
_MBV2_BLOCKS = (1, 2, 3, 4, 3, 3, 1)


def torchvision_resnet_keys(state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """torchvision's ResNet keys are mmseg ``ResNet``'s (``conv1``, ``bn1``, ``layerN.i.*``): kept as is."""
    return dict(state)


def _mbv2_block_key(block: int, rest: str) -> str:
    """Our name of ``features.{block}.{rest}`` (``block`` in 1..17)."""
    stage, index = 0, block - 1
    while index >= _MBV2_BLOCKS[stage]:
        index -= _MBV2_BLOCKS[stage]
        stage += 1
    expand = block != 1  # torchvision's first block has no expansion conv
    # torchvision: ConvBNReLU units are conv.j.0 / conv.j.1; the last (linear) conv and BN are plain
    # conv.{n-1} / conv.{n}. mmseg: every unit is a ConvModule conv.j.conv / conv.j.bn.
    last = 2 if expand else 1
    match = re.match(r'conv\.(\d+)\.([01])\.(.+)$', rest)
    if match:
        unit, part, tail = match.groups()
        ours = f'conv.{unit}.{"conv" if part == "0" else "bn"}.{tail}'
    else:
        match = re.match(r'conv\.(\d+)\.(.+)$', rest)
        if match is None:
            raise KeyError(f'unknown MobileNetV2 key features.{block}.{rest}')
        unit, tail = int(match.group(1)), match.group(2)
        ours = f'conv.{last}.{"conv" if unit == last else "bn"}.{tail}'
    return f'layer{stage + 1}.{index}.{ours}'


def torchvision_mobilenet_v2_keys(state: Mapping[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """torchvision ``mobilenet_v2`` keys -> :class:`MobileNetV2Encoder` (mmseg ``MobileNetV2``) keys.

    ``features.0.0/1`` -> ``conv1.conv/bn``; ``features.{1..17}`` -> ``layer{1..7}.{i}``;
    ``features.18`` (the 1x1 conv to 1280 channels) and ``classifier`` have no counterpart and are dropped.
    """
    out = {}
    for key, value in state.items():
        match = re.match(r'features\.(\d+)\.(.+)$', key)
        if match is None:
            continue  # classifier.*
        block, rest = int(match.group(1)), match.group(2)
        if block == 0:
            part, tail = rest.split('.', 1)  # features.0.0 conv, features.0.1 BN
            out[f'conv1.{"conv" if part == "0" else "bn"}.{tail}'] = value
        elif block <= sum(_MBV2_BLOCKS):
            out[_mbv2_block_key(block, rest)] = value
    return out


#: Key mappings ``init_cfg.mapping`` can name.
KEY_MAPPINGS: Dict[str, Callable[[Mapping[str, torch.Tensor]], Dict[str, torch.Tensor]]] = dict(
    torchvision_resnet=torchvision_resnet_keys, torchvision_mobilenet_v2=torchvision_mobilenet_v2_keys)


def resolve_checkpoint(checkpoint: str) -> str:
    """A local file for ``checkpoint``: itself, or a URL's copy in torch's hub cache (downloaded if missing).

    Raises:
        MissingDataError: the local file does not exist, or the URL cannot be downloaded (offline).
    """
    if not re.match(r'^https?://', checkpoint):
        path = osp.expanduser(checkpoint)
        if not osp.isfile(path):
            raise MissingDataError(f'ImageNet weights {checkpoint} not found', checkpoint)
        return path
    cached = osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(urlparse(checkpoint).path))
    if not osp.isfile(cached):
        os.makedirs(osp.dirname(cached), exist_ok=True)
        try:
            torch.hub.download_url_to_file(checkpoint, cached, progress=False)
        except Exception as err:  # URLError, HTTPError, timeouts: all mean "no file"
            raise MissingDataError(
                f'cannot download the ImageNet weights {checkpoint} ({type(err).__name__}: {err}); download '
                f'it elsewhere and point init_cfg.checkpoint at the local file',
                checkpoint) from err
    return cached


def pad_input_channels(state: Dict[str, torch.Tensor], own: Mapping[str,
                                                                    torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Give a conv weight with fewer input channels than ours zero weights for the extra channels.

    The value encoders take RGB plus mask channels; ImageNet weights cover RGB,
    and the mask channels start at zero (as STCN's evaluation pads a 4-channel stem).
    """
    out = dict(state)
    for key, value in state.items():
        target = own.get(key)
        if (target is not None and value.dim() == 4 and target.dim() == 4 and value.shape[1] < target.shape[1]
                and value.shape[:1] + value.shape[2:] == target.shape[:1] + target.shape[2:]):
            extra = value.new_zeros(value.shape[0], target.shape[1] - value.shape[1], *value.shape[2:])
            out[key] = torch.cat([value, extra], dim=1)
    return out


@WEIGHT_INITIALIZERS.register_module(name='ImageNetPretrained')
class ImageNetPretrainedInit:
    """Load ImageNet weights into a backbone, renaming keys and padding extra input channels.

    Keys of the checkpoint that the backbone lacks (e.g. ``layer4``, ``fc``,
    stages cut by ``num_stages``) are skipped; backbone tensors the checkpoint
    lacks (e.g. the zero biases of :class:`Conv2dWithBias`) keep their
    initial values. Both are logged.

    Args:
        checkpoint: URL or local file.
        mapping: a :data:`KEY_MAPPINGS` name; ``None`` keeps the keys.
        prefix: keep only the checkpoint keys under this prefix, without it
            (e.g. ``'backbone.'`` for OpenMMLab classification checkpoints).

    Raises (when called):
        MissingDataError: see :func:`resolve_checkpoint`.
        CheckpointMismatchError: a tensor's shape differs from the backbone's
            (beyond extra input channels), or no key fits.
    """

    def __init__(self, checkpoint: str, mapping: Optional[str] = None, prefix: Optional[str] = None):
        if mapping is not None and mapping not in KEY_MAPPINGS:
            raise ValueError(
                f'init_cfg mapping must be one of {sorted(KEY_MAPPINGS)} or None, got {mapping!r}')
        self.checkpoint, self.mapping, self.prefix = checkpoint, mapping, prefix

    def __call__(self, module: nn.Module) -> None:
        path = resolve_checkpoint(self.checkpoint)
        state = extract_state_dict(load_checkpoint_file(path, map_location='cpu'), self.prefix, source=path)
        if self.mapping is not None:
            state = KEY_MAPPINGS[self.mapping](state)
        own = module.state_dict()
        state = pad_input_channels({k: v for k, v in state.items() if k in own}, own)
        wrong = [
            f'{k} {tuple(v.shape)} vs {tuple(own[k].shape)}' for k, v in state.items()
            if v.shape != own[k].shape
        ]
        if wrong:
            raise CheckpointMismatchError(
                f'{self.checkpoint} does not fit {type(module).__name__}: {len(wrong)} '
                f'tensors have other shapes ({", ".join(wrong[:5])})')
        if not state:
            raise CheckpointMismatchError(
                f'{self.checkpoint} does not fit {type(module).__name__}: none of its '
                f'keys is one of the backbone\'s (mapping={self.mapping!r}, '
                f'prefix={self.prefix!r})')
        module.load_state_dict(state, strict=False)
        kept = [k for k in own if k not in state]
        shown = ', '.join(kept[:3]) + (', ...' if len(kept) > 3 else '')
        print_log(
            f'ImageNet init of {type(module).__name__} from {self.checkpoint}: {len(state)} tensors loaded; '
            f'{len(kept)} kept their initial values ({shown})',
            logger='current')

    def __repr__(self) -> str:
        return f'{type(self).__name__}(checkpoint={self.checkpoint!r}, mapping={self.mapping!r})'


def _is_imagenet_cfg(cfg) -> bool:
    return isinstance(cfg,
                      Mapping) and cfg.get('type') in ('ImageNetPretrained', 'mobilevos.ImageNetPretrained',
                                                       ImageNetPretrainedInit)


def init_weights_imagenet_last(module, init_weights: Callable[[], None]) -> None:
    """Run a ``BaseModule``'s ``init_weights``, with its ``ImageNetPretrained`` configs applied last.

    mmengine applies only its own ``'Pretrained'`` type after the children's
    ``init_weights``; any other init_cfg runs before them, so a child with its
    own init (e.g. a ``ConvModule`` stem) would overwrite the loaded weights.

    Args:
        module: the backbone; its ``init_cfg`` is restored afterwards.
        init_weights: the parent class's ``init_weights`` bound to ``module``.
    """
    cfgs = module.init_cfg if isinstance(module.init_cfg, list) else [module.init_cfg]
    imagenet = [cfg for cfg in cfgs if _is_imagenet_cfg(cfg)]
    if not imagenet or getattr(module, '_is_init', False):
        init_weights()
        return
    original = module.init_cfg
    module.init_cfg = [cfg for cfg in cfgs if cfg is not None and not _is_imagenet_cfg(cfg)] or None
    try:
        init_weights()
    finally:
        module.init_cfg = original
    for cfg in imagenet:
        args = {k: v for k, v in cfg.items() if k != 'type'}
        ImageNetPretrainedInit(**args)(module)
