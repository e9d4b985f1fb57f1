# Distil a toy dense teacher (width 8, stride 1) into a smaller student (width 4, stride 2).
# The teacher checkpoint is set by the caller: --cfg-options model.teacher_ckpt=PATH
_base_ = ['../../configs/_base_/default_runtime.py']
custom_imports = dict(imports=['tests.toy'], allow_failed_imports=False)
model = dict(
    type='SingleTeacherDistiller',
    student=dict(type='ToyDenseModel', width=4, stride=2),
    teacher=dict(type='ToyDenseModel', width=8, stride=1),
    teacher_ckpt='work_dirs/toy_teacher/teacher.pth',
    student_recorders=dict(
        feat=dict(type='ModuleOutputs', source='neck'),
        logits=dict(type='ModuleOutputs', source='classifier'),
        labels=dict(type='MethodOutputs', source='frame_labels')),
    teacher_recorders=dict(
        feat=dict(type='ModuleOutputs', source='neck'),
        logits=dict(type='ModuleOutputs', source='classifier')),
    distill_losses=dict(
        loss_repr=dict(
            type='ContrastiveKDLoss',
            omega=0.9,
            resize_mode='student',
            sampler=dict(type='BoundaryPixelSampler', num_samples=32, kernel_size=3, seed=0)),
        loss_logit=dict(type='BoundaryKLDivLoss', temperature=1.0, kernel_size=3)),
    loss_forward_mappings=dict(
        loss_repr=dict(
            student_feat=dict(from_student=True, recorder='feat', record_idx=None),
            teacher_feat=dict(from_student=False, recorder='feat', record_idx=None),
            labels=dict(from_student=True, recorder='labels', record_idx=None)),
        loss_logit=dict(
            student_logits=dict(from_student=True, recorder='logits'),
            teacher_logits=dict(from_student=False, recorder='logits'),
            labels=dict(from_student=True, recorder='labels'))))
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ToyDenseDataset', length=8, size=16))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-2))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=5)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=5, max_keep_ckpts=1))
