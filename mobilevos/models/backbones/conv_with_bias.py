"""A 2-d convolution that always has a bias, for backbones that build their convs with ``bias=False``."""
import torch.nn as nn

from mobilevos.registry import MODELS


@MODELS.register_module()
class Conv2dWithBias(nn.Conv2d):
    """``nn.Conv2d`` with a bias, whatever ``bias`` its builder passes.

    STCN's value encoder is a ResNet-18 whose convolutions (stem, blocks and
    downsampling) all have biases; mmseg's ``ResNet`` builds every conv with
    ``bias=False`` through ``conv_cfg``. ``conv_cfg=dict(type='mobilevos.Conv2dWithBias')``
    gives mmseg's ResNet exactly STCN's layout (``conv1.bias``,
    ``layer1.0.conv1.bias``, ``layer2.0.downsample.0.bias``, ...), so STCN's
    checkpoints load into it strictly. Biases start at zero.

    Args: as ``nn.Conv2d``; ``bias`` is ignored.
    """

    def __init__(self, *args, bias: bool = True, **kwargs):
        super().__init__(*args, bias=True, **kwargs)
        nn.init.zeros_(self.bias)
