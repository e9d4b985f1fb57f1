"""An encoder-decoder monocular depth regressor over any registered backbone."""
import math
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModel
from mmengine.structures import PixelData

from mobilevos.models.backbones import probe_feature_spec
from mobilevos.registry import MODELS


class FPNDepthDecoder(nn.Module):
    """Top-down fusion of multi-scale features into one map at the finest stride.

    Each input goes through a 1x1 lateral conv to ``channels``; from the
    coarsest up, the running map is upsampled (bilinear) and added to the next
    lateral; ``fuse`` (3x3 conv-BN-ReLU) gives the feature map that
    distillation records (``decoder.fuse``); ``predict`` (1x1 conv) gives one
    logit per pixel.

    Args:
        in_channels: channels of the backbone outputs, finest first.
        channels: width of the decoder.
        norm_cfg: normalisation of the convs.

    Forward:
        tuple of ``(B, in_channels[i], H_i, W_i)`` -> ``(B, 1, H_0, W_0)`` logits.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 channels: int = 64,
                 norm_cfg: Optional[dict] = dict(type='BN')) -> None:
        super().__init__()
        self.laterals = nn.ModuleList(
            ConvModule(c, channels, 1, norm_cfg=norm_cfg, act_cfg=None) for c in in_channels)
        self.fuse = ConvModule(channels, channels, 3, padding=1, norm_cfg=norm_cfg)
        self.predict = nn.Conv2d(channels, 1, 1)

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        x = self.laterals[-1](feats[-1])  # coarsest, (B, C, H_n, W_n)
        for lateral, feat in zip(reversed(self.laterals[:-1]), reversed(feats[:-1])):
            x = lateral(feat) + F.interpolate(x, size=feat.shape[-2:], mode='bilinear', align_corners=False)
        return self.predict(self.fuse(x))  # (B, 1, H_0, W_0)


@MODELS.register_module()
class DepthRegressor(BaseModel):
    """Backbone + :class:`FPNDepthDecoder`; depth bounded to ``[min_depth, max_depth]``.

    The decoder's logit ``x`` maps to ``log d = log min + sigmoid(x) * (log
    max - log min)``, upsampled bilinearly (in log space) to the input size.
    The loss is the L1 distance of log depths over valid pixels (ground truth
    finite and > 0): a relative error, the quantity AbsRel measures.

    Data: mmseg's ``SegDataSample`` with ``gt_depth_map`` (``(1, H, W)``
    metres), as ``mmseg.PackSegInputs`` makes it; ``predict`` sets
    ``pred_depth_map``.

    Args:
        backbone: ``MODELS`` config of any backbone returning a tuple of maps
            (e.g. ``mmseg.ResNet`` or mobilevos' ``MobileNetV2Encoder``); its
            channels are read by a probe forward.
        channels: decoder width.
        min_depth, max_depth: range of the output in metres.
        loss_weight: factor on ``loss_depth``.
        norm_cfg: normalisation of the decoder.
        data_preprocessor: e.g. ``mmseg.SegDataPreProcessor``.
        init_cfg: mmengine initialisation config.

    Forward (``mode``):
        ``'tensor'``: ``(B, 3, H, W)`` -> depth ``(B, 1, H, W)``;
        ``'loss'``: ``{'loss_depth': scalar}``;
        ``'predict'``: the data samples with ``pred_depth_map``.
    """

    def __init__(self,
                 backbone: dict,
                 channels: int = 64,
                 min_depth: float = 0.5,
                 max_depth: float = 20.0,
                 loss_weight: float = 1.0,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if not 0 < min_depth < max_depth:
            raise ValueError(f'DepthRegressor: need 0 < min_depth < max_depth, got {min_depth}, {max_depth}')
        self.backbone = MODELS.build(backbone)
        spec = probe_feature_spec(self.backbone, name=f'DepthRegressor backbone ({backbone.get("type")})')
        self.decoder = FPNDepthDecoder(spec.channels, channels, norm_cfg)
        self.log_min, self.log_max = math.log(min_depth), math.log(max_depth)
        self.loss_weight = float(loss_weight)

    def log_depth(self, inputs: torch.Tensor) -> torch.Tensor:
        """``(B, 3, H, W)`` images -> ``(B, 1, H, W)`` log depth."""
        logits = self.decoder(self.backbone(inputs))  # (B, 1, H/s, W/s)
        log_d = self.log_min + torch.sigmoid(logits) * (self.log_max - self.log_min)
        return F.interpolate(log_d, size=inputs.shape[-2:], mode='bilinear', align_corners=False)

    @staticmethod
    def gt_depth(data_samples: Sequence) -> torch.Tensor:
        """The ground truth of a batch, ``(B, 1, H, W)`` metres (distillation records it as labels)."""
        return torch.stack([sample.gt_depth_map.data for sample in data_samples]).float()

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor') -> Union[torch.Tensor, Dict[str, torch.Tensor], List]:
        if mode == 'tensor':
            return self.log_depth(inputs).exp()
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            depth = self.log_depth(inputs).exp()  # (B, 1, H, W)
            for sample, pred in zip(data_samples, depth):
                sample.pred_depth_map = PixelData(data=pred)
            return data_samples
        raise ValueError(f"DepthRegressor: mode must be 'tensor', 'loss' or 'predict', got {mode!r}")

    def loss(self, inputs: torch.Tensor, data_samples: List) -> Dict[str, torch.Tensor]:
        gt = self.gt_depth(data_samples).to(inputs.device)  # (B, 1, H, W)
        valid = torch.isfinite(gt) & (gt > 0)
        log_pred = self.log_depth(inputs)  # (B, 1, H, W)
        error = (log_pred - gt.clamp_min(1e-6).log()).abs()
        loss = (error * valid).sum() / valid.sum().clamp_min(1)
        return dict(loss_depth=self.loss_weight * loss)
