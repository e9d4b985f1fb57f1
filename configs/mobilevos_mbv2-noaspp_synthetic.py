# MobileVOS MobileNetV2 student without ASPP (1.9 M parameters), first + latest frame memory, trained alone
# (cross-entropy only, no teacher): the no-distillation baseline of
# configs/distill_r50_to_mbv2-noaspp.py, on the embedded synthetic set.
_base_ = [
    '_base_/models/mobilevos_students.py', '_base_/datasets/synthetic_davis.py',
    '_base_/schedules/stcn_main_150k.py', '_base_/default_runtime.py'
]
model = _base_.mobilevos_mbv2_noaspp
model.loss_seg = _base_.stcn_loss_seg
