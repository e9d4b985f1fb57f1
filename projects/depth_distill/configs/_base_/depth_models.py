# The depth networks and the distiller of this project.
# - teacher_r18: mmseg's ResNet-18 at half width (2.8 M parameters) + an FPN depth decoder (48 ch).
# - student_mbv2: mobilevos' MobileNetV2Encoder, widen 0.35, five stages + decoder (24 ch): 0.09 M parameters.
# Both decoders end in `decoder.fuse` (B, C, H/4, W/4), the feature map that distillation compares.
teacher_r18 = dict(
    type='DepthRegressor',
    channels=48,
    min_depth=0.5,
    max_depth=20.0,
    backbone=dict(
        type='mmseg.ResNet', depth=18, stem_channels=32, base_channels=32, out_indices=(0, 1, 2, 3)))
student_mbv2 = dict(
    type='DepthRegressor',
    channels=24,
    min_depth=0.5,
    max_depth=20.0,
    backbone=dict(type='MobileNetV2Encoder', widen_factor=0.35, num_stages=5, out_indices=(1, 2, 4)))
teacher_ckpt = 'work_dirs/teacher_r18_synthetic-depth/iter_600.pth'
# mobilevos' task-agnostic distiller; a top-level config adds student, teacher, distill_losses and
# loss_forward_mappings. The student's ground-truth depth (DepthRegressor.gt_depth) is recorded as labels.
depth_kd = dict(
    type='SingleTeacherDistiller',
    teacher_ckpt=teacher_ckpt,
    teacher_ckpt_hint='Train the teacher first: '
    'python tools/train.py projects/depth_distill/configs/teacher_r18_synthetic-depth.py',
    teacher_in_state_dict=False,
    student_recorders=dict(
        feat=dict(type='ModuleOutputs', source='decoder.fuse'),
        depth=dict(type='MethodOutputs', source='gt_depth')),
    teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='decoder.fuse')))
# The unified loss on depth: Y from 16 log-spaced depth bins on [1, 16] m, all 16x16 decoder pixels.
# normalizer='none': the loss is log2(||C_s||^2 / ||C_s * C_ty||^2) per image (about 0.1-1 here).
ckd_loss = dict(
    type='ContrastiveKDLoss',
    omega=0.9,
    loss_weight=0.5,
    normalizer='none',
    sampler=None,
    label_bins=dict(num_bins=16, min=1.0, max=16.0, log=True))
ckd_mapping = dict(
    student_feat=dict(from_student=True, recorder='feat'),
    teacher_feat=dict(from_student=False, recorder='feat'),
    labels=dict(from_student=True, recorder='depth'))
