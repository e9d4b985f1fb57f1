"""Logit distillation restricted to label boundaries."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mobilevos.registry import MODELS
from ..samplers.boundary_sampler import boundary_band
from .utils import RESIZE_MODES, check_dense, resize_labels, resize_map, target_size


@MODELS.register_module()
class BoundaryKLDivLoss(nn.Module):
    r"""``KL(p_teacher || p_student)`` with temperature, averaged over boundary pixels.

    Per pixel, with ``p = softmax(x / T)`` over the class dimension (dim 1)::

        kl = sum_c p_t[c] * (log p_t[c] - log p_s[c])

    The loss is ``loss_weight * T^2 * mean(kl over band pixels of all frames)``
    (the ``T^2`` factor keeps gradient sizes comparable across temperatures, as
    in Hinton et al.; switch it off with ``scale_by_temperature=False``). The
    band is :func:`~mobilevos.models.samplers.boundary_band` of the labels with
    ``kernel_size``, at the common resolution chosen by ``resize_mode``;
    ignored pixels are never in it. If no frame has a band pixel the loss is a
    zero that still depends on ``student_logits``. The teacher is detached.

    Works on multi-object aggregated outputs: ``C = K + 1`` channels (background
    plus objects), as logits (``input_type='logits'``) or as probabilities
    (``input_type='probs'``, turned into log-probabilities first). Channels whose
    teacher probability is 0 (e.g. ``-inf`` logits of padded objects)
    contribute 0.

    Args:
        temperature: ``T`` > 0 (default 1.0).
        kernel_size: odd boundary window at the common resolution (default 3).
        loss_weight: factor on the loss.
        resize_mode: 'student' (default), 'teacher' or 'labels': whose size the
            others are resized to (logits bilinear, labels nearest to each
            cell's centre).
        input_type: 'logits' (default) or 'probs'.
        ignore_index: label value that is never in the band.
        scale_by_temperature: multiply by ``T^2`` (default True).
        align_corners: for the bilinear resize of logits.

    Call:
        ``loss(student_logits (B,C,H,W), teacher_logits (B,C,H',W'), labels (B,H'',W'') integer)``
        ``-> scalar tensor``.
    """

    def __init__(self,
                 temperature: float = 1.0,
                 kernel_size: int = 3,
                 loss_weight: float = 1.0,
                 resize_mode: str = 'student',
                 input_type: str = 'logits',
                 ignore_index: int = 255,
                 scale_by_temperature: bool = True,
                 align_corners: bool = False,
                 eps: float = 1e-12) -> None:
        super().__init__()
        if float(temperature) <= 0:
            raise ValueError(f'BoundaryKLDivLoss: temperature must be > 0, got {temperature}')
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f'BoundaryKLDivLoss: kernel_size must be odd and >= 1, got {kernel_size}')
        if resize_mode not in RESIZE_MODES:
            raise ValueError(f'BoundaryKLDivLoss: resize_mode must be one of {RESIZE_MODES}, got {resize_mode!r}')
        if input_type not in ('logits', 'probs'):
            raise ValueError(f"BoundaryKLDivLoss: input_type must be 'logits' or 'probs', got {input_type!r}")
        self.temperature = float(temperature)
        self.kernel_size = kernel_size
        self.loss_weight = float(loss_weight)
        self.resize_mode = resize_mode
        self.input_type = input_type
        self.ignore_index = ignore_index
        self.scale_by_temperature = scale_by_temperature
        self.align_corners = align_corners
        self.eps = eps

    def _log_probs(self, x: torch.Tensor) -> torch.Tensor:
        if self.input_type == 'probs':
            x = torch.log(x.clamp_min(self.eps))
        return F.log_softmax(x / self.temperature, dim=1)

    def forward(self, student_logits: torch.Tensor, teacher_logits: torch.Tensor,
                labels: torch.Tensor) -> torch.Tensor:
        name = type(self).__name__
        check_dense(name, 'student_logits', student_logits, 4)
        check_dense(name, 'teacher_logits', teacher_logits, 4)
        check_dense(name, 'labels', labels, 3)
        if student_logits.shape[:2] != teacher_logits.shape[:2] or student_logits.shape[0] != labels.shape[0]:
            raise ValueError(f'{name}: batch or class counts differ: student_logits '
                             f'{tuple(student_logits.shape)}, teacher_logits {tuple(teacher_logits.shape)}, '
                             f'labels {tuple(labels.shape)}')
        teacher_logits = teacher_logits.detach()
        size = target_size(self.resize_mode, student_logits, teacher_logits, labels)
        student_logits = resize_map(student_logits.float(), size, 'bilinear', self.align_corners)  # (B, C, H, W)
        teacher_logits = resize_map(teacher_logits.float(), size, 'bilinear', self.align_corners)  # (B, C, H, W)
        labels = resize_labels(labels, size)  # (B, H, W)
        band = boundary_band(labels, self.kernel_size, self.ignore_index)  # (B, H, W) bool

        log_ps = self._log_probs(student_logits)
        log_pt = self._log_probs(teacher_logits)
        pt = log_pt.exp()
        terms = torch.where(pt > 0, pt * (log_pt - log_ps), torch.zeros_like(pt))  # (B, C, H, W)
        kl = terms.sum(1)  # (B, H, W)
        count = band.sum()
        if int(count) == 0:
            return student_logits.sum() * 0.0
        loss = kl[band].sum() / count
        if self.scale_by_temperature:
            loss = loss * self.temperature**2
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return (f'temperature={self.temperature}, kernel_size={self.kernel_size}, '
                f'loss_weight={self.loss_weight}, resize_mode={self.resize_mode!r}')
