# The CPU-scale teacher of docs/results.md: the STCN-R50 teacher trained from scratch on a larger
# synthetic set (600 videos of 12 frames, 128x128, so the stride-16 maps memory matching works on are
# 8x8) with the 6K-iteration CPU schedule. About 3-6 s per iteration on an idle 2-core CPU (5-10 h; 30 s under
# heavy load): run it in the background and continue with --resume (tools/experiments/README.md).
# Scores are on synthetic data: they say nothing about real videos.
_base_ = [
    '../_base_/models/stcn_r50.py', '../_base_/datasets/synthetic_davis.py', '../_base_/schedules/cpu_scale_6k.py',
    '../_base_/default_runtime.py'
]
model = _base_.stcn_r50
model.loss_seg = _base_.cpu_scale_loss_seg
data_root = 'data/synthetic_davis_128'
synthetic = dict(num_videos=600, num_frames=12, size=(128, 128), seed=0, num_val_videos=30)
train_pipeline = [dict(_base_.train_pipeline[0], size=(128, 128))] + _base_.train_pipeline[1:]
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    # one object per clip halves the decoder work; testing segments every object of each video
    dataset=dict(max_objects=1, pipeline=train_pipeline,
                 dataset=dict(data_root=data_root, **synthetic)))
val_dataloader = dict(dataset=dict(data_root=data_root, **synthetic))
test_dataloader = val_dataloader
# Checkpoints every 50 iterations, so little is lost when a session ends mid-run (--resume continues).
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(interval=50, max_keep_ckpts=2))
