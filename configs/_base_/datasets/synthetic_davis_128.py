# The CPU-scale synthetic set of docs/results.md: 600 synthetic DAVIS-2017-format videos of 12 frames at
# 128x128 (30 more for val), so that the stride-16 maps memory matching works on are 8x8. Generated into
# data_root on first use. The same data and loaders as configs/cpu_scale/stcn_r50_synthetic-128.py (which
# writes them inline; tests/test_configs.py checks that they agree): synthetic_davis.py's pipeline at
# 128x128, one object per training clip (testing segments every object), loading in the main process.
# Scores on them are on synthetic data: they say nothing about real videos.
data_root = 'data/synthetic_davis_128'
synthetic = dict(num_videos=600, num_frames=12, size=(128, 128), seed=0, num_val_videos=30)
crop_size = (128, 128)

train_pipeline = [
    dict(type='ClipRandomResizedCrop', size=crop_size, scale=(0.36, 1.0)),
    dict(type='ClipRandomFlip', prob=0.5),
    dict(type='FrameRandomAffine', degrees=15, shear=10, scale=(0.9, 1.1)),
    dict(type='ClipColorJitter', brightness=0.01, contrast=0.01, saturation=0.01, per_frame=True),
    dict(type='ClipColorJitter', brightness=0.1, contrast=0.03, saturation=0.03),
    dict(type='ClipRandomGrayscale', prob=0.05),
    dict(type='PackVOSInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='VOSClipDataset',
        num_frames=3,
        max_skip=5,
        max_objects=1,
        reverse_prob=0.5,
        pipeline=train_pipeline,
        dataset=dict(type='SyntheticDAVISDataset', data_root=data_root, split='train', **synthetic)))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='SyntheticDAVISDataset', data_root=data_root, split='val', **synthetic))
test_dataloader = val_dataloader
val_evaluator = dict(type='DAVISMetric')
test_evaluator = val_evaluator
val_cfg = dict(type='VOSValLoop')
test_cfg = dict(type='VOSTestLoop')
