# The MobileVOS distillation (paper-notes §2): the student's own bootstrapped CE, plus
# - loss_repr: the unified representation-distillation / supervised-contrastive loss on the last
#   decoder feature before the prediction conv (decoder.feature_out), C_ty = w C_t + (1 - w) Y Y^T,
#   on pixels sampled at object boundaries (boundary-aware sampler);
# - loss_logit: KL(teacher || student) on the aggregated (background + objects) logits, restricted
#   to a band around the object boundaries.
# The teacher checkpoint defaults to the one from `python tools/train.py configs/stcn_r50_synthetic.py`
# (set model.teacher_ckpt=PATH with --cfg-options for another); mobilevos_kd_stcn, at the end, takes
# STCN's converted checkpoint instead (the real-data configs). A top-level config adds the networks:
#   model = dict(_base_.mobilevos_kd, student=_base_.mobilevos_r18, teacher=_base_.stcn_r50)
# and its training clips' length, distill_num_frames:
#   train_dataloader = dict(dataset=dict(num_frames=_base_.distill_num_frames))

# Frames per distillation training clip: 8, so that the teacher's infinite memory holds more frames than
# the student's two (first + latest); networks trained alone keep STCN's 3 (the dataset bases' value).
distill_num_frames = 8
mobilevos_kd = dict(
    type='SingleTeacherDistiller',
    teacher_ckpt='work_dirs/stcn_r50_synthetic/iter_150000.pth',
    teacher_ckpt_hint=('Get a teacher first, one of two ways:\n'
                       '  train one (it writes the path above): python tools/train.py configs/stcn_r50_synthetic.py\n'
                       "  or convert STCN's released weights: "
                       'python tools/model_converters/stcn2mobilevos.py stcn.pth OUT.pth\n'
                       'and for a checkpoint elsewhere set: --cfg-options model.teacher_ckpt=PATH'),
    # checkpoints hold the student only; the teacher comes from teacher_ckpt
    teacher_in_state_dict=False,
    student_recorders=dict(
        feat=dict(type='ModuleOutputs', source='decoder.feature_out'),
        logits=dict(type='ModuleOutputs', source='aggregate'),
        labels=dict(type='MethodOutputs', source='frame_labels')),
    teacher_recorders=dict(
        feat=dict(type='ModuleOutputs', source='decoder.feature_out'),
        logits=dict(type='ModuleOutputs', source='aggregate')),
    distill_losses=dict(
        loss_repr=dict(
            type='ContrastiveKDLoss',
            omega=0.9,  # w: 1 = pure distillation, 0 = pure supervised contrastive learning
            # The log-ratio itself, not divided by N (as a mean over pixels, its gradient does not shrink as N
            # grows), weighted so that at the start of a run its gradient on the student is ~30 % of the CE's
            # (>= 10 % on every batch measured); see docs/distillation.md "Its scale".
            normalizer='none',
            loss_weight=5.0,
            batch_fold='channels',  # decoder features are per object: (B*K, C, h, w)
            resize_mode='student',
            sampler=dict(type='BoundaryPixelSampler', num_samples=1024, kernel_size=3, topup_ratio=1.0)),
        loss_logit=dict(type='BoundaryKLDivLoss', temperature=1.0, kernel_size=3, loss_weight=1.0)),
    loss_forward_mappings=dict(
        loss_repr=dict(
            student_feat=dict(from_student=True, recorder='feat', record_idx=None),
            teacher_feat=dict(from_student=False, recorder='feat', record_idx=None),
            labels=dict(from_student=True, recorder='labels', record_idx=None)),
        loss_logit=dict(
            # `aggregate` also runs on the annotated frame 0, which is not decoded: skip that call
            student_logits=dict(from_student=True, recorder='logits', record_idx='1:'),
            teacher_logits=dict(from_student=False, recorder='logits', record_idx='1:'),
            labels=dict(from_student=True, recorder='labels', record_idx=None))))

# The real-data recipe's teacher: STCN's released weights, converted (docs/model_zoo.md).
mobilevos_kd_stcn = dict(
    mobilevos_kd,
    teacher_ckpt='checkpoints/stcn_r50_s012.pth',
    teacher_ckpt_hint=('Get a teacher first, one of two ways:\n'
                       "  convert STCN's released weights (docs/model_zoo.md; it writes the path above):\n"
                       '    python tools/model_converters/stcn2mobilevos.py '
                       'stcn.pth checkpoints/stcn_r50_s012.pth\n'
                       '  or train one:\n    python tools/train.py configs/stcn_r50_davis-ytvos.py\n'
                       'and for a checkpoint elsewhere set: --cfg-options model.teacher_ckpt=PATH'))
