# 4 iterations of a toy model with batch norm; run under torchrun by tests/engine/test_distributed.py.
_base_ = ['../../configs/_base_/default_runtime.py']
custom_imports = dict(imports=['tests.toy', 'tests.toy_dist'], allow_failed_imports=False)
model = dict(type='ToyBNModel', width=4)
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ToyDenseDataset', length=32, size=8))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=4)
sync_bn = 'torch'
custom_hooks = [dict(type='RankProbeHook')]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=4))
