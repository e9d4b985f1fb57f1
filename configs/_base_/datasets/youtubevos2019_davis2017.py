# STCN's main training data: DAVIS 2017 train (repeated 5 times) + YouTube-VOS 2019 train;
# validation on DAVIS 2017 val. YouTube-VOS is annotated every 5th frame, so its curriculum skip
# is divided by 5. Set the roots to your copies; nothing is downloaded.
davis_root = 'data/DAVIS'
youtube_root = 'data/YouTube-VOS'
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
davis_clips = dict(
    type='VOSClipDataset',
    num_frames=3,  # STCN's clips; the distillation configs set distill_num_frames (8)
    max_skip=5,
    max_objects=2,
    pipeline=train_pipeline,
    dataset=dict(type='DAVISDataset', data_root=davis_root, split='train', year=2017))
davis_x5 = dict(type='RepeatDataset', times=5, dataset=davis_clips)
youtube_clips = dict(davis_clips,
                     skip_divisor=5,
                     dataset=dict(type='YouTubeVOSDataset', data_root=youtube_root, split='train', year=2019))
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(
        type='ConcatDataset',
        datasets=[davis_x5, youtube_clips],
        ignore_keys=['dataset_name']))  # the two sources' names differ; the rest of their metainfo is equal
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='DAVISDataset', data_root=davis_root, split='val', year=2017))
test_dataloader = val_dataloader
val_evaluator = dict(type='DAVISMetric')
test_evaluator = val_evaluator
val_cfg = dict(type='VOSValLoop')
test_cfg = dict(type='VOSTestLoop')
