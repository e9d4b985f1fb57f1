# The depth teacher alone (ResNet-18 at half width), twice the students' schedule (600 iterations).
_base_ = ['_base_/synthetic_depth.py', '_base_/depth_models.py']
model = dict(_base_.teacher_r18, data_preprocessor=_base_.preprocessor)
train_cfg = dict(max_iters=600, val_interval=600)
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=1.0, by_epoch=False, begin=0, end=600)]
default_hooks = dict(checkpoint=dict(interval=600))
