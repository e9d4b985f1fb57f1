# A 2-iteration training run of the toy dense model; used by tests/test_tools.
_base_ = ['../../configs/_base_/default_runtime.py']
custom_imports = dict(imports=['tests.toy'], allow_failed_imports=False)
model = dict(type='ToyDenseModel', width=4)
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ToyDenseDataset', length=8, size=16))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[3], gamma=0.1)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2)
default_hooks = dict(
    logger=dict(interval=1),
    checkpoint=dict(interval=2, max_keep_ckpts=2))
