# MobileVOS ResNet-18 student (8.1 M parameters), first + latest frame memory, trained alone
# (cross-entropy only, no teacher): the no-distillation baseline of
# configs/distill_r50_to_r18.py, on the embedded synthetic set.
_base_ = [
    '_base_/models/mobilevos_students.py', '_base_/datasets/synthetic_davis.py',
    '_base_/schedules/stcn_main_150k.py', '_base_/default_runtime.py'
]
model = _base_.mobilevos_r18
model.loss_seg = _base_.stcn_loss_seg
