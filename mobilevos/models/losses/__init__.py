"""Losses (registered in ``MODELS``): segmentation and dense distillation losses.

None of them knows about video: they take dense maps ``(B, C, H, W)`` and label
maps ``(B, H, W)``, so any dense task (VOS, semantic segmentation, depth with
binned labels) can use them.
"""
from .bootstrapped_ce_loss import BootstrappedCELoss
from .boundary_kl_loss import BoundaryKLDivLoss
from .contrastive_kd_loss import ContrastiveKDLoss

__all__ = ['BootstrappedCELoss', 'BoundaryKLDivLoss', 'ContrastiveKDLoss']
