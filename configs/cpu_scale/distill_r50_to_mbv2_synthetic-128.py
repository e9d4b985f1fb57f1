# Distil the CPU-scale STCN-R50 teacher (the last checkpoint of configs/cpu_scale/stcn_r50_synthetic-128.py,
# named in _base_/distillers/cpu_scale_teacher.py) into the MobileVOS mbv2 student (2.4 M parameters)
# with the same data and schedule: the distilled rows of docs/results.md (tools/experiments/README.md
# has the commands). Clips of distill_num_frames frames (_base_/distillers/mobilevos_kd.py). Synthetic data.
_base_ = [
    '../_base_/models/stcn_r50.py', '../_base_/models/mobilevos_students.py',
    '../_base_/distillers/mobilevos_kd.py', '../_base_/distillers/cpu_scale_teacher.py',
    '../_base_/datasets/synthetic_davis.py', '../_base_/schedules/cpu_scale_6k.py',
    '../_base_/default_runtime.py'
]
model = dict(_base_.mobilevos_kd, student=_base_.mobilevos_mbv2, teacher=_base_.stcn_r50,
             **_base_.cpu_scale_teacher)
model['student'].loss_seg = _base_.cpu_scale_loss_seg
train_dataloader = _base_.cpu_scale_train_dataloader
train_dataloader.dataset.num_frames = _base_.distill_num_frames
val_dataloader = _base_.cpu_scale_val_dataloader
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(interval=50, max_keep_ckpts=2))
