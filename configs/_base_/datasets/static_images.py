# STCN stage 0: static images with masks (image + mask folders) as pseudo-videos of 3 frames,
# each frame warped by its own random affine transform. Set data_root to your image set.
data_root = 'data/static'
crop_size = (384, 384)
train_pipeline = [
    dict(type='ClipRandomResizedCrop', size=crop_size, scale=(0.36, 1.0)),
    dict(type='ClipRandomFlip', prob=0.5),
    dict(type='FrameRandomAffine', degrees=20, shear=10, scale=(0.9, 1.1), translate=0.1, skip_first=True),
    dict(type='ClipColorJitter', brightness=0.1, contrast=0.05, saturation=0.05, per_frame=True),
    dict(type='ClipRandomGrayscale', prob=0.05),
    dict(type='PackVOSInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='VOSClipDataset',
        num_frames=3,
        max_objects=1,
        pipeline=train_pipeline,
        dataset=dict(type='StaticImageDataset', data_root=data_root)))
