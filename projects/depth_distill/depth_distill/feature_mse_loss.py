"""A plain feature-distillation baseline: mean squared error between feature maps."""
import torch
import torch.nn as nn

from mobilevos.models.losses.utils import check_dense, resize_map
from mobilevos.registry import MODELS


@MODELS.register_module()
class FeatureMSELoss(nn.Module):
    """``loss_weight * mean (student - teacher)^2`` over channels and pixels (FitNets-style hint loss).

    The student map is resized (bilinear) to the teacher's size; channel counts
    must match, so project the student first (a connector such as
    ``dict(type='Conv2d', kernel_size=1, ...)`` in the distiller). The teacher
    side is detached.

    Call:
        ``loss(student_feat (B, C, H, W), teacher_feat (B, C, H', W')) -> scalar``.
    """

    def __init__(self, loss_weight: float = 1.0) -> None:
        super().__init__()
        self.loss_weight = float(loss_weight)

    def forward(self, student_feat: torch.Tensor, teacher_feat: torch.Tensor) -> torch.Tensor:
        check_dense('FeatureMSELoss', 'student_feat', student_feat, 4)
        check_dense('FeatureMSELoss', 'teacher_feat', teacher_feat, 4)
        if student_feat.shape[:2] != teacher_feat.shape[:2]:
            raise ValueError(f'FeatureMSELoss: batch and channels must match (add a connector), got student '
                             f'{tuple(student_feat.shape)} and teacher {tuple(teacher_feat.shape)}')
        student_feat = resize_map(student_feat, teacher_feat.shape[-2:])
        return self.loss_weight * (student_feat - teacher_feat.detach()).square().mean()
