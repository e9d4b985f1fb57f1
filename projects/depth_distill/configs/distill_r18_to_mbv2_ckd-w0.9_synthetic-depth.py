# Student + the unified contrastive-KD loss with omega = 0.9 (C_ty = 0.9 C_t + 0.1 Y Y^T, Y = depth bins).
_base_ = ['_base_/synthetic_depth.py', '_base_/depth_models.py']
model = dict(
    _base_.depth_kd,
    student=dict(_base_.student_mbv2, data_preprocessor=_base_.preprocessor),
    teacher=_base_.teacher_r18,
    distill_losses=dict(loss_repr=_base_.ckd_loss),
    loss_forward_mappings=dict(loss_repr=_base_.ckd_mapping))
