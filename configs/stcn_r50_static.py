# STCN stage 0 for the teacher: static images with masks as 3-frame pseudo-videos, 300K
# iterations. Continue with configs/stcn_r50_davis-ytvos.py --cfg-options load_from=<this ckpt>.
_base_ = [
    '_base_/models/stcn_r50.py', '_base_/datasets/static_images.py', '_base_/schedules/stcn_static_300k.py',
    '_base_/default_runtime.py'
]
model = _base_.stcn_r50
# Encoders from torchvision's ImageNet weights (downloaded once into torch's hub cache). Offline, point
# model.key_encoder.init_cfg.checkpoint and model.value_encoder.init_cfg.checkpoint at local copies.
model.key_encoder.init_cfg = _base_.imagenet_init_r50
model.value_encoder.init_cfg = _base_.imagenet_init_r18
model.loss_seg = _base_.stcn_loss_seg
