"""The test backbone: mmseg's ResNet with STCN's three stages (overall stride 16)."""
from typing import Sequence

import torch.nn as nn

from mobilevos.registry import MODELS


def stride16_resnet(depth: int, out_indices: Sequence[int] = (2, ), **kwargs) -> nn.Module:
    """Build ``mmseg.ResNet`` of ``depth`` with stages 1-3 (strides 4, 8, 16); ``kwargs`` go to its config."""
    return MODELS.build(
        dict(type='mmseg.ResNet',
             depth=depth,
             num_stages=3,
             out_indices=tuple(out_indices),
             strides=(1, 2, 2),
             dilations=(1, 1, 1),
             **kwargs))
