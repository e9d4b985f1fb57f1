# The MobileVOS mbv2 student (2.4 M parameters) trained alone (cross-entropy only) with the CPU-scale
# recipe of configs/cpu_scale/stcn_r50_synthetic-128.py: the no-distillation row of docs/results.md's
# table 1 (tools/experiments/README.md has the commands). Scores are on synthetic data.
_base_ = [
    '../_base_/models/mobilevos_students.py', '../_base_/datasets/synthetic_davis.py',
    '../_base_/schedules/cpu_scale_6k.py', '../_base_/default_runtime.py'
]
model = _base_.mobilevos_mbv2
model.loss_seg = _base_.cpu_scale_loss_seg
train_dataloader = _base_.cpu_scale_train_dataloader
val_dataloader = _base_.cpu_scale_val_dataloader
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(interval=50, max_keep_ckpts=2))
