"""Soft aggregation of per-object probabilities into multi-class logits (STCN)."""
from typing import Optional

import torch
import torch.nn as nn

from mobilevos.registry import MODELS

#: Logit given to padded objects: its softmax weight is exactly 0 in float32.
PADDED_LOGIT = -1e4


@MODELS.register_module()
class SoftAggregation(nn.Module):
    """Merge ``K`` independent object probabilities into ``K+1`` logits (background first).

    ``p_0 = prod_k (1 - p_k)``; every ``p`` is clamped to ``[eps, 1-eps]`` and
    turned into the logit ``log(p / (1 - p))``. A softmax over the result is a
    proper distribution over background and objects.

    Padded objects (``object_valid = 0``) have their probability set to 0
    before the product, so they do not change the background, and their logit
    set to ``PADDED_LOGIT``, so they get no softmax weight: real objects'
    outputs are the same as without the padding.

    Args:
        eps: clamping margin.
    """

    def __init__(self, eps: float = 1e-7):
        super().__init__()
        self.eps = eps

    def forward(self, prob: torch.Tensor, object_valid: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Aggregate.

        Args:
            prob: ``(B, K, H, W)`` per-object foreground probabilities in ``[0, 1]``.
            object_valid: ``(B, K)`` float or bool, 1 for real objects; ``None``
                means all are real.

        Returns:
            ``(B, K+1, H, W)`` logits, channel 0 the background.
        """
        if object_valid is not None:
            valid = object_valid.to(prob.dtype)[:, :, None, None]  # (B, K, 1, 1)
            prob = prob * valid
        background = torch.prod(1 - prob, dim=1, keepdim=True)  # (B, 1, H, W)
        p = torch.cat([background, prob], dim=1).clamp(self.eps, 1 - self.eps)
        logits = torch.log(p / (1 - p))  # (B, K+1, H, W)
        if object_valid is not None:
            keep = torch.cat([torch.ones_like(valid[:, :1]), valid], dim=1)  # (B, K+1, 1, 1)
            logits = logits * keep + (1 - keep) * PADDED_LOGIT
        return logits
