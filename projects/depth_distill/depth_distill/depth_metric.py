"""AbsRel, RMSE and delta < 1.25 for monocular depth."""
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.evaluator import BaseMetric

from mobilevos.registry import METRICS


def depth_errors(pred: torch.Tensor, gt: torch.Tensor) -> Dict[str, float]:
    """The errors of one depth map over its valid pixels (``gt`` finite and > 0).

    Args:
        pred: ``(H, W)`` (or any shape) predicted depth, > 0.
        gt: same shape, ground-truth depth.

    Returns:
        ``AbsRel = mean |p - g| / g``, ``RMSE = sqrt(mean (p - g)^2)``,
        ``delta1 = mean [max(p / g, g / p) < 1.25]``; NaN for each if no pixel is valid.
    """
    if pred.shape != gt.shape:
        raise ValueError(f'depth_errors: pred {tuple(pred.shape)} and gt {tuple(gt.shape)} differ in shape')
    gt = gt.double()
    valid = torch.isfinite(gt) & (gt > 0)
    p, g = pred.double()[valid], gt[valid]
    if g.numel() == 0:
        return dict(AbsRel=float('nan'), RMSE=float('nan'), delta1=float('nan'))
    ratio = torch.maximum(p / g, g / p)
    return dict(AbsRel=((p - g).abs() / g).mean().item(),
                RMSE=(p - g).square().mean().sqrt().item(),
                delta1=(ratio < 1.25).double().mean().item())


@METRICS.register_module()
class DepthErrorMetric(BaseMetric):
    """AbsRel, RMSE (metres) and delta1 (``delta < 1.25``, in %) of predicted depth.

    Each image's errors are computed over its valid pixels, then averaged over
    images (the usual monocular-depth protocol). Reads ``pred_depth_map`` and
    ``gt_depth_map`` (``(1, H, W)``) from each data sample.

    Args:
        collect_device, prefix: as ``BaseMetric``.
    """

    default_prefix = 'depth'

    def __init__(self, collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = sample['pred_depth_map']['data'].squeeze(0).cpu()  # (H, W)
            gt = sample['gt_depth_map']['data'].squeeze(0).cpu()  # (H, W)
            self.results.append(depth_errors(pred, gt))

    def compute_metrics(self, results: List[Dict[str, float]]) -> Dict[str, float]:
        if not results:
            raise ValueError('DepthErrorMetric: no image was evaluated')
        mean = {key: sum(r[key] for r in results) / len(results) for key in results[0]}
        mean['delta1'] *= 100.0
        return mean
