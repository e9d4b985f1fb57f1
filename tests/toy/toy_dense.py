"""A toy dense-prediction task: segment bright squares in noise images."""
from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.dataset import BaseDataset
from mmengine.model import BaseModel

from mobilevos.registry import DATASETS, MODELS


@DATASETS.register_module()
class ToyDenseDataset(BaseDataset):
    """``length`` random images with a bright square; label 1 inside it.

    Each item is ``dict(inputs=(3,S,S) float, labels=(S,S) long, index=int)``.
    Items are deterministic functions of their index.
    """

    def __init__(self, length: int = 16, size: int = 16, **kwargs):
        self.length = length
        self.size = size
        super().__init__(lazy_init=False, serialize_data=False, **kwargs)

    def load_data_list(self) -> List[dict]:
        return [dict(index=i) for i in range(self.length)]

    def prepare_data(self, idx: int) -> dict:
        gen = torch.Generator().manual_seed(idx)
        s = self.size
        image = torch.rand(3, s, s, generator=gen) * 0.3
        labels = torch.zeros(s, s, dtype=torch.long)
        y, x = torch.randint(0, s // 2, (2, ), generator=gen).tolist()
        labels[y:y + s // 2, x:x + s // 2] = 1
        image[:, labels == 1] += 0.6
        return dict(inputs=image, labels=labels, index=idx)


@MODELS.register_module()
class ToyDenseModel(BaseModel):
    """Two conv layers and a 1x1 classifier; ``mode='loss'`` gives CE.

    ``self.neck`` is the layer whose output distillation tests record; with
    ``stride=2`` its output has half the input size (the logits are upsampled
    back), so students and teachers can differ in feature stride.
    :meth:`frame_labels` returns the stacked labels whenever labels are given,
    so a method recorder can pick them up.
    """

    def __init__(self, width: int = 8, num_classes: int = 2, stride: int = 1, init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.stem = nn.Conv2d(3, width, 3, padding=1)
        self.neck = nn.Conv2d(width, width, 3, stride=stride, padding=1)
        self.classifier = nn.Conv2d(width, num_classes, 1)

    def frame_labels(self, labels) -> torch.Tensor:
        """The labels of the batch as one ``(B, H, W)`` long tensor."""
        return torch.stack(list(labels)) if isinstance(labels, (list, tuple)) else labels

    def forward(self, inputs, labels=None, index=None, mode: str = 'tensor'):
        if isinstance(inputs, (list, tuple)):
            inputs = torch.stack(list(inputs))
        feats = F.relu(self.neck(F.relu(self.stem(inputs))))  # (B, W, H/s, W/s)
        logits = self.classifier(feats)  # (B, num_classes, H/s, W/s)
        if logits.shape[-2:] != inputs.shape[-2:]:
            logits = F.interpolate(logits, size=inputs.shape[-2:], mode='bilinear', align_corners=False)
        if labels is not None:
            labels = self.frame_labels(labels)
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            return dict(loss_ce=F.cross_entropy(logits, labels))
        if mode == 'predict':
            return [dict(pred=p) for p in logits.argmax(1)]
        raise ValueError(f'unknown mode {mode!r}')

    def train_step(self, data: Dict, optim_wrapper) -> Dict[str, torch.Tensor]:
        return super().train_step(data, optim_wrapper)
