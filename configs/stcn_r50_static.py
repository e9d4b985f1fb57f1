# STCN stage 0 for the teacher: static images with masks as 3-frame pseudo-videos, 300K
# iterations. Continue with configs/stcn_r50_davis-ytvos.py --cfg-options load_from=<this ckpt>.
_base_ = [
    '_base_/models/stcn_r50.py', '_base_/datasets/static_images.py', '_base_/schedules/stcn_static_300k.py',
    '_base_/default_runtime.py'
]
model = _base_.stcn_r50
model.loss_seg = dict(type='BootstrappedCELoss', start_warm=20000, end_warm=70000, top_p=0.15)
