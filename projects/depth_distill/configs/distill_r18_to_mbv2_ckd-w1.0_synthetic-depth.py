# Student + the unified loss with omega = 1: pure representation distillation, labels unused.
_base_ = ['_base_/synthetic_depth.py', '_base_/depth_models.py']
model = dict(
    _base_.depth_kd,
    student=dict(_base_.student_mbv2, data_preprocessor=_base_.preprocessor),
    teacher=_base_.teacher_r18,
    distill_losses=dict(loss_repr=dict(_base_.ckd_loss, omega=1.0)),
    loss_forward_mappings=dict(loss_repr=_base_.ckd_mapping))
