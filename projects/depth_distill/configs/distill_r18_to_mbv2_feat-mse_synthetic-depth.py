# Baseline: plain feature distillation (FitNets-style): MSE between a 1x1 projection of the student's
# decoder feature (24 ch) and the teacher's (48 ch).
_base_ = ['_base_/synthetic_depth.py', '_base_/depth_models.py']
model = dict(
    _base_.depth_kd,
    student=dict(_base_.student_mbv2, data_preprocessor=_base_.preprocessor),
    teacher=_base_.teacher_r18,
    connectors=dict(project=dict(type='Conv2d', in_channels=24, out_channels=48, kernel_size=1)),
    distill_losses=dict(loss_feat=dict(type='FeatureMSELoss', loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_feat=dict(
            student_feat=dict(from_student=True, recorder='feat', connector='project'),
            teacher_feat=dict(from_student=False, recorder='feat'))))
