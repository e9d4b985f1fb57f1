# The CPU-scale teacher of docs/results.md: the STCN-R50 teacher trained from scratch on a larger
# synthetic set (synthetic_davis.py's CPU-scale variant: 600 videos of 12 frames, 128x128, so the stride-16
# maps memory matching works on are 8x8) with the 6K-iteration CPU schedule. About 5 s per iteration on an
# idle 2-core CPU (8 h; 8 s on one core, 30 s under heavy load): run it in the background and continue with
# --resume (tools/experiments/README.md).
# Scores are on synthetic data: they say nothing about real videos.
_base_ = [
    '../_base_/models/stcn_r50.py', '../_base_/datasets/synthetic_davis.py',
    '../_base_/schedules/cpu_scale_6k.py', '../_base_/default_runtime.py'
]
model = _base_.stcn_r50
model.loss_seg = _base_.cpu_scale_loss_seg
train_dataloader = _base_.cpu_scale_train_dataloader
val_dataloader = _base_.cpu_scale_val_dataloader
test_dataloader = val_dataloader
# Checkpoints every 50 iterations, so little is lost when a session ends mid-run (--resume continues).
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(interval=50, max_keep_ckpts=2))
