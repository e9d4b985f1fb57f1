# Static-image stage of the MobileVOS MobileNetV2 student without ASPP (1.9 M parameters):
# STCN's stage 0, which the paper's students go through too. Images with masks as 3-frame
# pseudo-videos, 300K iterations, the encoders started from ImageNet. Continue with
#   python tools/train.py configs/distill_r50_to_mbv2-noaspp_davis-ytvos.py --cfg-options
#   model.student.init_cfg.type=Pretrained model.student.init_cfg.checkpoint=<this config's checkpoint>
_base_ = [
    '_base_/models/mobilevos_students.py', '_base_/datasets/static_images.py',
    '_base_/schedules/stcn_static_300k.py', '_base_/default_runtime.py'
]
model = _base_.mobilevos_mbv2_noaspp_imagenet
model.loss_seg = _base_.stcn_loss_seg
