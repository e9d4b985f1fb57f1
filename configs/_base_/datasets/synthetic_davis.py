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

# The CPU-scale variant of docs/results.md (configs/cpu_scale/): 600 videos of 12 frames at 128x128
# (30 more for val), so that the stride-16 maps memory matching works on are 8x8. The pipeline above at
# 128x128, one object per training clip (halves the decoder work; testing segments every object),
# loading in the main process. Pick it with `train_dataloader = _base_.cpu_scale_train_dataloader` etc.
cpu_scale_data_root = 'data/synthetic_davis_128'
cpu_scale_synthetic = dict(num_videos=600, num_frames=12, size=(128, 128), seed=0, num_val_videos=30)
cpu_scale_train_dataloader = dict(
    train_dataloader,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        train_dataloader['dataset'],
        max_objects=1,
        pipeline=[dict(train_pipeline[0], size=cpu_scale_synthetic['size'])] + train_pipeline[1:],
        dataset=dict(train_dataloader['dataset']['dataset'], data_root=cpu_scale_data_root,
                     **cpu_scale_synthetic)))
cpu_scale_val_dataloader = dict(
    val_dataloader,
    dataset=dict(val_dataloader['dataset'], data_root=cpu_scale_data_root, **cpu_scale_synthetic))
