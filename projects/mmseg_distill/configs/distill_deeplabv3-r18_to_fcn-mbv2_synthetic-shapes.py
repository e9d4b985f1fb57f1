# mobilevos' SingleTeacherDistiller around two unchanged mmseg EncoderDecoders: the student's own
# cross-entropy plus the unified contrastive-KD loss (omega = 0.9) between the features each decode
# head feeds to its classifier (the inputs of decode_head.conv_seg), with Y the ground-truth classes
# that the student's decode head hands to its loss (second input of decode_head.loss_decode).
_base_ = ['_base_/synthetic_shapes.py', '_base_/mmseg_models.py']
model = dict(
    type='SingleTeacherDistiller',
    student=dict(_base_.student_fcn_mbv2, data_preprocessor=_base_.preprocessor),
    teacher=_base_.teacher_deeplabv3_r18,
    teacher_ckpt=_base_.teacher_ckpt,
    teacher_ckpt_hint='Train the teacher first: '
    'python tools/train.py projects/mmseg_distill/configs/teacher_deeplabv3-r18_synthetic-shapes.py',
    teacher_in_state_dict=False,
    student_recorders=dict(
        feat=dict(type='ModuleInputs', source='decode_head.conv_seg'),
        labels=dict(type='ModuleInputs', source='decode_head.loss_decode')),
    teacher_recorders=dict(feat=dict(type='ModuleInputs', source='decode_head.conv_seg')),
    distill_losses=dict(
        loss_repr=dict(
            type='ContrastiveKDLoss', omega=0.9, loss_weight=0.5, normalizer='none', sampler=None)),
    loss_forward_mappings=dict(
        loss_repr=dict(
            student_feat=dict(from_student=True, recorder='feat'),
            teacher_feat=dict(from_student=False, recorder='feat'),
            labels=dict(from_student=True, recorder='labels', data_idx=1))))
