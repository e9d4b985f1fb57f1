# DAVIS 2017 (public layout: JPEGImages/480p, Annotations/480p, ImageSets/2017) for training and
# validation. Set data_root to your copy; nothing is downloaded.
data_root = 'data/DAVIS'
crop_size = (384, 384)
train_pipeline = [
    dict(type='ClipRandomResizedCrop', size=crop_size, scale=(0.25, 1.0)),
    dict(type='ClipRandomFlip', prob=0.5),
    dict(type='FrameRandomAffine', degrees=15, shear=10, scale=(0.9, 1.1)),
    dict(type='ClipColorJitter', brightness=0.01, contrast=0.01, saturation=0.01, per_frame=True),
    dict(type='ClipColorJitter', brightness=0.1, contrast=0.03, saturation=0.03),
    dict(type='ClipRandomGrayscale', prob=0.05),
    dict(type='PackVOSInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='VOSClipDataset',
        num_frames=3,
        max_skip=5,
        max_objects=2,
        pipeline=train_pipeline,
        dataset=dict(type='DAVISDataset', data_root=data_root, split='train', year=2017)))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='DAVISDataset', data_root=data_root, split='val', year=2017))
test_dataloader = val_dataloader
val_evaluator = dict(type='DAVISMetric')
test_evaluator = val_evaluator
val_cfg = dict(type='VOSValLoop')
test_cfg = dict(type='VOSTestLoop')
