"""Shared pieces of the deploy tests: student configs, small deploy configs, a synthetic video."""
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np
import torch

from mobilevos.datasets.synthetic import generate_video
from mobilevos.models.backbones.mobilenet_v2 import MobileNetV2Encoder
from mobilevos.registry import MODELS
from tests.models.vos.tiny import tiny_cfg

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEPLOY_CONFIGS = osp.join(ROOT, 'configs', 'deploy')

#: The three students, by the top-level config that trains them alone (its ``model`` is the student).
STUDENT_CONFIGS = {
    'mbv2': osp.join(ROOT, 'configs', 'mobilevos_mbv2_synthetic.py'),
    'mbv2-noaspp': osp.join(ROOT, 'configs', 'mobilevos_mbv2-noaspp_synthetic.py'),
    'r18': osp.join(ROOT, 'configs', 'mobilevos_r18_synthetic.py'),
}

#: Tiny test size (frames are 64x96, a multiple of 16) and objects of the static graphs.
HEIGHT, WIDTH, MAX_OBJECTS = 64, 96, 3


def onnx_cfg(input_shape: Optional[Sequence[int]] = (HEIGHT, WIDTH),
             max_objects: Optional[int] = MAX_OBJECTS,
             dynamic_axes: Sequence[str] = (),
             precision='fp32',
             **backend) -> dict:
    """A deploy config dict: onnxruntime, first+latest memory."""
    return dict(ir_config=dict(type='onnx',
                               opset_version=17,
                               input_shape=list(input_shape) if input_shape else None,
                               dynamic_axes=tuple(dynamic_axes)),
                codebase_config=dict(type='mobilevos',
                                     task='VOS',
                                     memory=dict(type='FirstLatestMemory', keep_first=True, num_latest=1),
                                     max_objects=max_objects),
                backend_config=dict(type='onnxruntime', precision=precision, **backend))


def late_object_video(num_frames: int = 30, size=(HEIGHT, WIDTH)) -> Dict[str, object]:
    """Synthetic video 0 of the val split: objects 2 and 3 from frame 0, object 1 from frame 12.

    Returns:
        dict(frames (T,H,W,3) uint8, gt (T,H,W) uint8 ids 0..3, annotations {frame: ids}) where
        frame 12's annotation holds object 1 only (YouTube-VOS style).
    """
    frames, masks, meta = generate_video(0, 'val', 0, num_frames, tuple(size))
    gt = np.where(masks > 3, 0, masks).astype(np.uint8)
    late = next(o['first_visible_frame'] for o in meta['objects'] if o['id'] == 1)
    assert set(np.unique(gt[0])) == {0, 2, 3} and 0 < late < num_frames - 2
    annotations = {0: gt[0], late: np.where(gt[late] == 1, 1, 0).astype(np.uint8)}
    return dict(frames=frames, gt=gt, annotations=annotations, late=late)


def save_state_dict(network: torch.nn.Module, path: str, prefix: str = '') -> str:
    torch.save(dict(state_dict={f'{prefix}{k}': v for k, v in network.state_dict().items()}, meta={}), path)
    return path


@MODELS.register_module(name='I0MobileNetV2Encoder', force=True)
class I0MobileNetV2Encoder(MobileNetV2Encoder):
    """A plugin key encoder that uses ``torch.i0``, which neither ONNX (opset 17) nor coremltools converts."""

    def forward(self, x):
        return super().forward(x * torch.i0(torch.zeros_like(x)))  # i0(0) = 1


def i0_tiny_cfg() -> dict:
    """The tiny test network with :class:`I0MobileNetV2Encoder` as its key encoder."""
    cfg = tiny_cfg()
    cfg['key_encoder'] = dict(cfg['key_encoder'], type='I0MobileNetV2Encoder')
    return cfg
