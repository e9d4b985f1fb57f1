# Data, metric (mmseg's IoUMetric) and schedule shared by this project's configs: 64x64 images of
# textured shapes (4 classes); train 1000 images of seed 0, val 100 held-out images of seed 1.
_base_ = ['../../../../configs/_base_/default_runtime.py']
custom_imports = dict(imports=['projects.mmseg_distill.mmseg_distill'], allow_failed_imports=False)

image_size = 64
max_iters = 300
# (named preprocessor: a top-level data_preprocessor would be passed by mmengine's Runner to any model)
preprocessor = dict(
    type='mmseg.SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
    bgr_to_rgb=False, size=(image_size, image_size), pad_val=0, seg_pad_val=255)
pipeline = [dict(type='mmseg.PackSegInputs')]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='SyntheticShapesDataset', num_samples=1000, size=image_size, seed=0, pipeline=pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SyntheticShapesDataset', num_samples=100, size=image_size, seed=1, test_mode=True,
        pipeline=pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='mmseg.IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=1.0, by_epoch=False, begin=0, end=max_iters)]
default_hooks = dict(checkpoint=dict(interval=max_iters, max_keep_ckpts=1, save_best=None))
