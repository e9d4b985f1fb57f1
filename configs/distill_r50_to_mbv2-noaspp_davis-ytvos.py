# Distil STCN's released R50 teacher (converted: docs/model_zoo.md) into the MobileVOS
# MobileNetV2 student without ASPP (1.9 M parameters)
# on real data: DAVIS 2017 train (x5) + YouTube-VOS 2019 train in clips of 8 frames (distill_num_frames),
# validated on DAVIS 2017 val; the student's encoders start from ImageNet. Same losses and schedule as
# configs/distill_r50_to_mbv2-noaspp.py. Set the data roots in _base_/datasets/youtubevos2019_davis2017.py or
# with --cfg-options; to start from the static-image stage (configs/mobilevos_mbv2-noaspp_static.py) add
#   --cfg-options model.student.init_cfg.type=Pretrained model.student.init_cfg.checkpoint=PATH
_base_ = [
    '_base_/models/stcn_r50.py', '_base_/models/mobilevos_students.py', '_base_/distillers/mobilevos_kd.py',
    '_base_/datasets/youtubevos2019_davis2017.py', '_base_/schedules/stcn_main_150k.py',
    '_base_/default_runtime.py'
]
model = dict(_base_.mobilevos_kd_stcn, student=_base_.mobilevos_mbv2_noaspp_imagenet, teacher=_base_.stcn_r50)
model['student'].loss_seg = _base_.stcn_loss_seg
__clip = dict(num_frames=_base_.distill_num_frames)
train_dataloader = dict(
    dataset=dict(datasets=[dict(_base_.davis_x5, dataset=dict(_base_.davis_clips, **__clip)),
                           dict(_base_.youtube_clips, **__clip)]))
