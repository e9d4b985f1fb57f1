"""STCN's bootstrapped cross-entropy: plain CE warming up into hard-pixel mining."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import MessageHub

from mobilevos.registry import MODELS


@MODELS.register_module()
class BootstrappedCELoss(nn.Module):
    """Cross-entropy over the top-``p`` hardest pixels, ``p`` on a schedule.

    Schedule (iteration ``it``, as in STCN's ``BootstrappedCE``):

    - ``it < start_warm``: plain CE over every non-ignored pixel (``p = 1``);
    - ``start_warm <= it <= end_warm``: ``p = top_p + (1 - top_p) * (end_warm - it) / (end_warm - start_warm)``;
    - ``it > end_warm``: ``p = top_p``.

    With ``p < 1`` the per-pixel CE of all non-ignored pixels of the batch is
    ranked and the mean of the largest ``max(1, int(num_valid * p))`` is the
    loss. ``it`` comes from the ``iteration`` argument when given, otherwise
    from mmengine's current ``MessageHub`` (``get_info('iter')``, which the
    runner updates before each training iteration), and is 0 when neither
    exists. The last ``p`` used is kept in ``self.last_top_p``.

    Args:
        start_warm: first iteration of the annealing (default 20000).
        end_warm: last iteration of the annealing (default 70000).
        top_p: final share of pixels kept, in ``(0, 1]`` (default 0.15).
        ignore_index: label value left out (default 255).
        loss_weight: factor on the loss.

    Call:
        ``loss(logits (N,C,H,W), labels (N,H,W) long, iteration=None) -> scalar``.

    Raises:
        ValueError: a bad schedule, or logits and labels of different sizes.
    """

    def __init__(self,
                 start_warm: int = 20000,
                 end_warm: int = 70000,
                 top_p: float = 0.15,
                 ignore_index: int = 255,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not 0 <= start_warm < end_warm:
            raise ValueError(f'BootstrappedCELoss: need 0 <= start_warm < end_warm, got {start_warm}, {end_warm}')
        if not 0.0 < float(top_p) <= 1.0:
            raise ValueError(f'BootstrappedCELoss: top_p must be in (0, 1], got {top_p}')
        self.start_warm = int(start_warm)
        self.end_warm = int(end_warm)
        self.top_p = float(top_p)
        self.ignore_index = ignore_index
        self.loss_weight = float(loss_weight)
        self.last_top_p = 1.0

    def current_top_p(self, iteration: int) -> float:
        """The share of pixels kept at ``iteration``."""
        if iteration < self.start_warm:
            return 1.0
        if iteration > self.end_warm:
            return self.top_p
        return self.top_p + (1 - self.top_p) * (self.end_warm - iteration) / (self.end_warm - self.start_warm)

    @staticmethod
    def _hub_iteration() -> int:
        """The runner's current iteration (0 when no runner has set one)."""
        # get_current_instance() makes an empty 'mmengine' hub when none exists.
        return int(MessageHub.get_current_instance().get_info('iter', 0) or 0)

    def forward(self, logits: torch.Tensor, labels: torch.Tensor, iteration: Optional[int] = None) -> torch.Tensor:
        if logits.dim() != 4 or labels.dim() != 3:
            raise ValueError(f'BootstrappedCELoss: expected logits (N,C,H,W) and labels (N,H,W), got '
                             f'{tuple(logits.shape)} and {tuple(labels.shape)}')
        if logits.shape[0] != labels.shape[0] or logits.shape[-2:] != labels.shape[-2:]:
            raise ValueError(f'BootstrappedCELoss: logits {tuple(logits.shape)} and labels {tuple(labels.shape)} '
                             'differ in batch or spatial size; resize the logits first')
        it = self._hub_iteration() if iteration is None else int(iteration)
        p = self.current_top_p(it)
        self.last_top_p = p
        labels = labels.long()
        if p >= 1.0:
            valid = labels != self.ignore_index
            if not bool(valid.any()):
                return logits.sum() * 0.0
            return self.loss_weight * F.cross_entropy(logits, labels, ignore_index=self.ignore_index)
        raw = F.cross_entropy(logits, labels, ignore_index=self.ignore_index, reduction='none')  # (N, H, W)
        raw = raw[labels != self.ignore_index]  # (num_valid,)
        if raw.numel() == 0:
            return logits.sum() * 0.0
        k = max(1, int(raw.numel() * p))
        hardest, _ = torch.topk(raw, k, sorted=False)
        return self.loss_weight * hardest.mean()

    def extra_repr(self) -> str:
        return f'start_warm={self.start_warm}, end_warm={self.end_warm}, top_p={self.top_p}'
