"""The unified contrastive / representation distillation loss of MobileVOS."""
from typing import Optional, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.logging import print_log

from mobilevos.registry import MODELS, PIXEL_SAMPLERS
from .utils import (RESIZE_MODES, bin_continuous_labels, check_dense, check_label_bins, resize_labels,
                    resize_map, target_size)


def _row_block(n: int, batch: int, max_block_elements: int) -> int:
    """Rows per block so that one ``(batch, rows, n)`` block holds at most ``max_block_elements``."""
    return max(1, min(n, max_block_elements // max(1, batch * n)))


def _block(zs: torch.Tensor, zt: torch.Tensor, labels: torch.Tensor, omega: float, start: int,
           stop: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Rows ``start:stop`` of ``S = Zs Zs^T`` and of ``W = C_ty ** 2``, each ``(B, r, N)``.

    ``C_ty = omega * Zt Zt^T + (1 - omega) * [y_i == y_j]``. Both results are
    fresh tensors that the caller may change in place.
    """
    s_blk = torch.bmm(zs[:, start:stop], zs.transpose(1, 2))  # (B, r, N)
    same = labels[:, start:stop, None] == labels[:, None, :]  # (B, r, N) bool
    if omega == 0.0:
        return s_blk, same.to(zs.dtype)  # a 0/1 matrix is its own square
    w_blk = torch.bmm(zt[:, start:stop], zt.transpose(1, 2))  # (B, r, N), C_t rows
    if omega != 1.0:
        w_blk.mul_(omega).add_(same, alpha=1.0 - omega)
    del same
    return s_blk, w_blk.square_()


class _CorrelationSums(torch.autograd.Function):
    """``den = ||C_s||_F^2`` and ``num = ||C_s * C_ty||_F^2`` per frame, in O(rows * N) memory.

    Inputs are ``zs (B,N,Ds)``, ``zt (B,N,Dt)``, ``labels (B,N)``. Neither the
    ``N x N`` matrices nor any part of them is kept for backward: backward
    recomputes them block by block. With ``S = Zs Zs^T`` symmetric and ``W =
    C_ty**2`` symmetric, ``d den / d Zs = 4 S Zs`` and ``d num / d Zs = 4 (S*W) Zs``.
    Only ``zs`` receives a gradient.
    """

    @staticmethod
    def forward(ctx, zs, zt, labels, omega: float, rows: int):
        den = zs.new_zeros(zs.shape[0])
        num = zs.new_zeros(zs.shape[0])
        for start in range(0, zs.shape[1], rows):
            s_blk, w_blk = _block(zs, zt, labels, omega, start, start + rows)
            s_blk.square_()
            den += s_blk.sum((1, 2))
            num += w_blk.mul_(s_blk).sum((1, 2))
            del s_blk, w_blk  # free this block before the next one is built
        ctx.save_for_backward(zs, zt, labels)
        ctx.omega = omega
        ctx.rows = rows
        return den, num

    @staticmethod
    def backward(ctx, grad_den, grad_num):
        zs, zt, labels = ctx.saved_tensors
        grad_zs = None
        if ctx.needs_input_grad[0]:
            grad_zs = torch.empty_like(zs)
            g_den = grad_den[:, None, None]  # (B, 1, 1)
            g_num = grad_num[:, None, None]
            for start in range(0, zs.shape[1], ctx.rows):
                s_blk, w_blk = _block(zs, zt, labels, ctx.omega, start, start + ctx.rows)
                # rows of 4 * (g_den * S + g_num * S * W) Zs
                w_blk.mul_(g_num).add_(g_den).mul_(s_blk)  # (B, r, N)
                del s_blk
                grad_zs[:, start:start + ctx.rows] = torch.bmm(w_blk, zs).mul_(4)
                del w_blk
        return grad_zs, None, None, None, None


@MODELS.register_module()
class ContrastiveKDLoss(nn.Module):
    r"""Unified representation-distillation / supervised-contrastive loss (MobileVOS eq. 1-2).

    For each frame ``b``, at ``N`` sampled pixels::

        Z_s, Z_t  = L2-normalised student / teacher embeddings   (N, Cs), (N, Ct)
        C_s       = Z_s Z_s^T,  C_t = Z_t Z_t^T                   (N, N)
        C_ty      = omega * C_t + (1 - omega) * Y Y^T             (Y one-hot labels)
        L_b       = (log2 ||C_s||_F^2 - log2 ||C_s * C_ty||_F^2) / |C_s|   (|C_s|: see normalizer)

    and the loss is ``loss_weight * mean_b L_b`` over frames that have at least
    one sample. ``omega = 1`` is ITRD's Gram (mutual-information) distillation
    loss across pixels; ``omega = 0`` is a supervised-contrastive loss with a
    squared-cosine kernel. ``L_b >= 0`` because ``|C_ty| <= 1`` entrywise.

    Details:

    - Matrices are built per frame (per batch element), never across frames.
    - Student and teacher channel counts may differ (only ``N x N`` matrices are
      compared).
    - The teacher side is detached: no gradient ever reaches ``teacher_feat``.
    - Resize policy: features and labels are brought to one size first
      (``resize_mode`` 'student' | 'teacher' | 'labels'); features with
      ``interpolation`` (bilinear by default), labels with the nearest pixel
      to each cell's centre (``resize_labels``).
      The sampler then sees the labels at that (feature) resolution.
    - Pixels: ``sampler`` (a ``PIXEL_SAMPLERS`` config or object) picks ``N``
      flat indices per frame; ``None`` takes every non-ignored pixel (only for
      small maps: the cost is O((HW)^2) then). Padding indices (``-1``) and
      pixels labelled ``ignore_index`` are left out, and ``N`` counts only
      the pixels used in that frame.
    - Memory: the ``N x N`` matrices are built in row blocks of at most
      ``max_block_elements`` entries (over the batch) in forward and again in
      backward, and are not kept for backward: peak memory is O(min(B N^2,
      max_block_elements)) plus the features, never O((HW)^2).
    - Several maps per frame: with ``batch_fold='channels'`` a feature map with
      ``m * B`` rows for ``B`` label frames (e.g. per-object features laid out
      ``(B*K, C, H, W)``, row ``b*m + k`` belonging to frame ``b``) is folded to
      ``(B, m*C, H, W)``: frame ``b``'s pixel embedding is its ``m`` rows'
      features side by side. Student and teacher are folded separately. The
      default ``None`` requires equal batch sizes.
    - Computed in float32 (float64 inputs stay float64), with autocast off.
    - A pixel whose student feature is exactly zero gets a zero row (it adds
      nothing to either norm).
    - Labels may be ``(B, H, W)`` or ``(B, 1, H, W)`` (mmseg's layout of
      ``gt_sem_seg`` and ``gt_depth_map``).
    - Continuous targets (depth, or any regression map): with ``label_bins``
      the loss bins them itself into ``num_bins`` equal-width bins on
      ``[min, max]`` (on ``[log min, log max]`` when ``log=True``), see
      :func:`~mobilevos.models.losses.utils.bin_continuous_labels`; the bin
      index is ``Y``. Values outside the range go to the end bins; non-finite
      values (and values ``<= 0`` with ``log=True``) are ignored. Binning
      happens before any resize, so labels are resized as integers. Without
      ``label_bins``, float labels raise ``ValueError``. ``omega=1`` uses no
      labels at all (they only mark ignored pixels and feed the sampler).

    Args:
        omega: weight of the teacher in ``C_ty``, in ``[0, 1]`` (default 0.9).
        loss_weight: factor on the loss.
        sampler: ``PIXEL_SAMPLERS`` config dict, a built sampler, or ``None``
            (all pixels).
        resize_mode: which map's size the others are resized to: 'student'
            (default), 'teacher' or 'labels'.
        interpolation: ``F.interpolate`` mode for features (default bilinear).
        align_corners: for bilinear/bicubic feature resizing.
        ignore_index: label value that is never sampled.
        normalizer: ``|C_s|``, per frame: 'num_samples' (``N``, default),
            'num_pairs' (``N^2``) or 'none' (1). 'none' equals ``log2
            mean(C_s^2) - log2 mean((C_s * C_ty)^2)`` (means over the ``N^2``
            pairs), whose gradient scales like a mean over pixels; the VOS
            configs use it (docs/distillation.md, "Its scale").
        max_block_elements: entries per block of the correlation matrices.
        eps: floor of the norms inside ``log2``.
        batch_fold: ``None`` (default) or ``'channels'`` (see above).
        label_bins: ``None`` (labels are integer classes, default) or
            ``dict(num_bins=16, min=0.5, max=10.0, log=True)`` to bin
            continuous labels (see above; ``log`` defaults to False).

    Call:
        ``loss(student_feat (B,Cs,H,W), teacher_feat (B,Ct,H',W'), labels (B,[1,]H'',W''))``
        ``-> scalar tensor``; labels are integers, or real values when
        ``label_bins`` is set.

    Raises:
        ValueError: bad arguments, wrong dimensions, or batch sizes that differ.
    """

    def __init__(self,
                 omega: float = 0.9,
                 loss_weight: float = 1.0,
                 sampler: Union[dict, object, None] = None,
                 resize_mode: str = 'student',
                 interpolation: str = 'bilinear',
                 align_corners: bool = False,
                 ignore_index: int = 255,
                 normalizer: str = 'num_samples',
                 max_block_elements: int = 2**22,
                 eps: float = 1e-12,
                 batch_fold: Optional[str] = None,
                 label_bins: Optional[dict] = None) -> None:
        super().__init__()
        if batch_fold not in (None, 'channels'):
            raise ValueError(f"ContrastiveKDLoss: batch_fold must be None or 'channels', got {batch_fold!r}")
        if not 0.0 <= float(omega) <= 1.0:
            raise ValueError(f'ContrastiveKDLoss: omega must be in [0, 1], got {omega}')
        if resize_mode not in RESIZE_MODES:
            raise ValueError(f'ContrastiveKDLoss: resize_mode must be one of {RESIZE_MODES}, got {resize_mode!r}')
        if normalizer not in ('num_samples', 'num_pairs', 'none'):
            raise ValueError("ContrastiveKDLoss: normalizer must be 'num_samples', 'num_pairs' or 'none', "
                             f'got {normalizer!r}')
        if int(max_block_elements) < 1:
            raise ValueError(f'ContrastiveKDLoss: max_block_elements must be >= 1, got {max_block_elements}')
        self.omega = float(omega)
        self.loss_weight = float(loss_weight)
        self.sampler = PIXEL_SAMPLERS.build(sampler) if isinstance(sampler, dict) else sampler
        self.resize_mode = resize_mode
        self.interpolation = interpolation
        self.align_corners = align_corners
        self.ignore_index = ignore_index
        self.normalizer = normalizer
        self.max_block_elements = int(max_block_elements)
        self.eps = float(eps)
        self.batch_fold = batch_fold
        self._said_unsampled = False  # the one-time warning of _check_sampling
        self.label_bins = None if label_bins is None else check_label_bins(type(self).__name__, label_bins)
        if self.label_bins is not None and 0 <= ignore_index < self.label_bins['num_bins']:
            raise ValueError(f'ContrastiveKDLoss: ignore_index={ignore_index} is one of the '
                             f'{self.label_bins["num_bins"]} label bins; choose one outside them')

    def forward(self, student_feat: torch.Tensor, teacher_feat: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_dense(name, 'student_feat', student_feat, 4)
        check_dense(name, 'teacher_feat', teacher_feat, 4)
        labels = self._class_labels(labels)  # (B, H, W) integer
        if self.batch_fold == 'channels':
            student_feat = self._fold(student_feat, labels.shape[0], 'student_feat')
            teacher_feat = self._fold(teacher_feat, labels.shape[0], 'teacher_feat')
        if not student_feat.shape[0] == teacher_feat.shape[0] == labels.shape[0]:
            raise ValueError(f'{name}: batch sizes differ: student_feat {tuple(student_feat.shape)}, '
                             f'teacher_feat {tuple(teacher_feat.shape)}, labels {tuple(labels.shape)}')
        with torch.autocast(device_type=student_feat.device.type, enabled=False):
            return self._loss(student_feat, teacher_feat.detach(), labels)

    def _class_labels(self, labels: torch.Tensor) -> torch.Tensor:
        """``(B, H, W)`` or ``(B, 1, H, W)`` labels -> ``(B, H, W)`` integer classes (binned if asked)."""
        name = type(self).__name__
        if isinstance(labels, torch.Tensor) and labels.dim() == 4 and labels.shape[1] == 1:
            labels = labels[:, 0]
        check_dense(name, 'labels', labels, 3)
        if self.label_bins is not None:
            return bin_continuous_labels(labels, ignore_index=self.ignore_index, **self.label_bins)
        if labels.dtype.is_floating_point:
            raise ValueError(f'{name}: labels are {labels.dtype} (continuous targets?); either pass '
                             'integer class labels or set label_bins=dict(num_bins=..., min=..., max=..., '
                             'log=...) so that the loss bins them')
        if labels.dtype == torch.bool:
            raise ValueError(f'{name}: labels must be an integer tensor, got {labels.dtype}')
        return labels

    @staticmethod
    def _fold(feat: torch.Tensor, frames: int, arg: str) -> torch.Tensor:
        """``(m*B, C, H, W)`` -> ``(B, m*C, H, W)``, rows ``b*m .. b*m+m-1`` side by side."""
        rows, channels = feat.shape[:2]
        if rows % frames:
            raise ValueError(f'ContrastiveKDLoss: {arg} has {rows} rows, not a multiple of the {frames} label '
                             'frames (batch_fold=\'channels\')')
        return feat.reshape(frames, rows // frames * channels, *feat.shape[2:])

    def _loss(self, student_feat: torch.Tensor, teacher_feat: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        dtype = torch.float64 if student_feat.dtype == torch.float64 else torch.float32
        student_feat = student_feat.to(dtype)
        teacher_feat = teacher_feat.to(dtype)
        size = target_size(self.resize_mode, student_feat, teacher_feat, labels)
        student_feat = resize_map(student_feat, size, self.interpolation, self.align_corners)  # (B, Cs, H, W)
        teacher_feat = resize_map(teacher_feat, size, self.interpolation, self.align_corners)  # (B, Ct, H, W)
        labels = resize_labels(labels, size)  # (B, H, W)
        b, h, w = labels.shape
        self._check_sampling(h, w)

        if self.sampler is None:
            index = torch.arange(h * w, device=labels.device).expand(b, -1)  # (B, HW)
        else:
            index = self.sampler(labels).to(labels.device)  # (B, N)
        present = index >= 0
        index = index.clamp_min(0)
        y = labels.flatten(1).gather(1, index)  # (B, N)
        present &= y != self.ignore_index
        y = y.masked_fill(~present, -1)

        def gather(feat: torch.Tensor) -> torch.Tensor:
            flat = feat.flatten(2)  # (B, C, HW)
            picked = flat.gather(2, index[:, None, :].expand(-1, flat.shape[1], -1))  # (B, C, N)
            z = F.normalize(picked.transpose(1, 2), dim=2)  # (B, N, C)
            return z * present[..., None].to(z.dtype)

        zs = gather(student_feat)  # (B, N, Cs)
        zt = gather(teacher_feat)  # (B, N, Ct)
        rows = _row_block(zs.shape[1], b, self.max_block_elements)
        den, num = _CorrelationSums.apply(zs, zt, y, self.omega, rows)  # (B,), (B,)
        per_frame = (torch.log2(den.clamp_min(self.eps)) - torch.log2(num.clamp_min(self.eps)))  # (B,)
        count = present.sum(1).to(dtype)  # (B,)
        if self.normalizer == 'num_samples':
            per_frame = per_frame / count.clamp_min(1)
        elif self.normalizer == 'num_pairs':
            per_frame = per_frame / count.square().clamp_min(1)
        used = count > 0
        if not bool(used.any()):
            # Nothing to compare: a zero that keeps the graph (and DDP) happy.
            return student_feat.sum() * 0.0
        return self.loss_weight * per_frame[used].mean()

    def _check_sampling(self, h: int, w: int) -> None:
        """Warn once where the sampler asks for as many pixels as the ``h x w`` map holds, or more.

        It then returns every pixel, so boundary, grid and random sampling all give the loss of
        ``sampler=None``: a sampler ablation at that size compares runs of the same loss.
        """
        wanted = getattr(self.sampler, 'num_samples', None)
        if self._said_unsampled or wanted is None or wanted < h * w:
            return
        self._said_unsampled = True
        print_log(f'{type(self).__name__}: the {type(self.sampler).__name__} asks for {wanted} pixels of a {h}x{w} '
                  f'map ({h * w} pixels), so it returns all of them and sampling has no effect; set its '
                  f'num_samples below {h * w} to sample', logger='current', level=30)

    def extra_repr(self) -> str:
        return (f'omega={self.omega}, loss_weight={self.loss_weight}, sampler={self.sampler!r}, '
                f'resize_mode={self.resize_mode!r}, normalizer={self.normalizer!r}, '
                f'label_bins={self.label_bins}')
