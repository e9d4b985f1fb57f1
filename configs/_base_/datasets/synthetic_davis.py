# The embedded default data: synthetic DAVIS-2017-format videos (textured shapes that move,
# occlude each other, leave and re-enter, or appear late), generated into data_root on first use.
# Scores on them are on synthetic data: they say nothing about real videos.
# For real data, use davis2017.py / youtubevos2019_davis2017.py instead (a path in the config).
data_root = 'data/synthetic_davis'
synthetic = dict(num_videos=300, num_frames=10, size=(96, 96), seed=0, num_val_videos=30)
crop_size = (96, 96)

# STCN's clip augmentation, scaled to the synthetic frame size.
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
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='VOSClipDataset',
        num_frames=3,
        max_skip=5,
        max_objects=2,
        reverse_prob=0.5,
        pipeline=train_pipeline,
        dataset=dict(type='SyntheticDAVISDataset', data_root=data_root, split='train', **synthetic)))
# Validation and test segment whole videos (VOSValLoop / VOSTestLoop read the video records).
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
