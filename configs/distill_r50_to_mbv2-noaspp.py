# Distil the STCN-R50 teacher into the MobileVOS MobileNetV2 student without ASPP (1.9 M parameters):
# CE + boundary logit KD + the unified contrastive-KD loss (configs/_base_/distillers/mobilevos_kd.py,
# which also names the teacher checkpoint), on the embedded synthetic set, in clips of 8 frames
# (distill_num_frames). Real data: configs/distill_r50_to_mbv2-noaspp_davis-ytvos.py.
_base_ = [
    '_base_/models/stcn_r50.py', '_base_/models/mobilevos_students.py', '_base_/distillers/mobilevos_kd.py',
    '_base_/datasets/synthetic_davis.py', '_base_/schedules/stcn_main_150k.py', '_base_/default_runtime.py'
]
model = dict(_base_.mobilevos_kd, student=_base_.mobilevos_mbv2_noaspp, teacher=_base_.stcn_r50)
model['student'].loss_seg = _base_.stcn_loss_seg
train_dataloader = dict(dataset=dict(num_frames=_base_.distill_num_frames))
