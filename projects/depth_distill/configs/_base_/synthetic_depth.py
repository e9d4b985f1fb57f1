# Data, metric and schedule shared by every depth config of this project (synthetic scenes, 64x64).
# Train: 2000 scenes of seed 0; val/test: 200 held-out scenes of seed 1 (no scene in common).
# Validated once, at the end of training: the reported numbers are the last iteration's, with no
# checkpoint selection on the held-out split.
_base_ = ['../../../../configs/_base_/default_runtime.py']
custom_imports = dict(imports=['projects.depth_distill.depth_distill'], allow_failed_imports=False)

image_size = 64
max_iters = 300
# mmseg's preprocessor: normalise and stack; it pads depth with seg_pad_val, and depth 0 counts as
# "no measurement" (left out of the loss and the metric). 64 is a multiple of 32, so nothing is padded here.
# (named preprocessor: a top-level data_preprocessor would be passed by mmengine's Runner to any model)
preprocessor = dict(
    type='mmseg.SegDataPreProcessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
    bgr_to_rgb=False, size_divisor=32, seg_pad_val=0)
pipeline = [dict(type='mmseg.PackSegInputs')]
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='SyntheticDepthDataset', num_samples=2000, size=image_size, seed=0, pipeline=pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='SyntheticDepthDataset', num_samples=200, size=image_size, seed=1, test_mode=True,
        pipeline=pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='DepthErrorMetric')
test_evaluator = val_evaluator

train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=1.0, by_epoch=False, begin=0, end=max_iters)]
# one checkpoint, at the end; no best-checkpoint selection on the held-out split
default_hooks = dict(checkpoint=dict(interval=max_iters, max_keep_ckpts=1, save_best=None))
