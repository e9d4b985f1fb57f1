# STCN-style teacher on real data: DAVIS 2017 train (x5) + YouTube-VOS 2019 train, validated on
# DAVIS 2017 val; STCN's main-stage recipe (150K iterations). Set the data roots in
# _base_/datasets/youtubevos2019_davis2017.py or with --cfg-options.
_base_ = [
    '_base_/models/stcn_r50.py', '_base_/datasets/youtubevos2019_davis2017.py',
    '_base_/schedules/stcn_main_150k.py', '_base_/default_runtime.py'
]
model = _base_.stcn_r50
# Encoders from torchvision's ImageNet weights (downloaded once into torch's hub cache). Offline, point
# model.key_encoder.init_cfg.checkpoint and model.value_encoder.init_cfg.checkpoint at local copies.
model.key_encoder.init_cfg = _base_.imagenet_init_r50
model.value_encoder.init_cfg = _base_.imagenet_init_r18
model.loss_seg = _base_.stcn_loss_seg
