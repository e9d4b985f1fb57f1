# MobileVOS ResNet-18 student: ResNet-18 key and value encoders, slim fuser/decoder,
# first + latest frame memory. Measured: 8.10 M parameters (paper: 8.1 M).
# Widths: keys 64, values 128, query 128, decoder 128/96/64, 1x1 shortcuts.
#
# No weights are downloaded; for local ImageNet weights set
#   model.key_encoder.init_cfg = dict(type='Pretrained', checkpoint='/path/to/resnet18.pth')
mobilevos_r18 = dict(
    type='STMNetwork',
    data_preprocessor=dict(
        type='VOSDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False,
        size_divisor=16,
        seg_pad_val=255),
    # layer1..layer3 of ResNet-18: f4 (64 ch), f8 (128), f16 (256)
    key_encoder=dict(
        type='mmseg.ResNet',
        depth=18,
        num_stages=3,
        out_indices=(0, 1, 2),
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        norm_cfg=dict(type='BN', requires_grad=True),
        pretrained=None,
        init_cfg=None),
    value_encoder=dict(
        type='mmseg.ResNet',
        depth=18,
        in_channels=5,
        num_stages=3,
        out_indices=(2, ),
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        norm_cfg=dict(type='BN', requires_grad=True),
        pretrained=None,
        init_cfg=None),
    neck=None,
    key_dim=64,
    value_dim=128,
    query_dim=128,
    value_fuser=dict(type='ValueFuser', with_attention=True, shortcut_kernel=1),
    decoder=dict(type='STMDecoder', channels=(128, 96, 64), shortcut_kernel=1),
    memory_reader=dict(type='MemoryReader', similarity='l2', top_k=None),
    aggregate=dict(type='SoftAggregation'),
    loss_seg=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, avg_non_ignore=True, loss_weight=1.0),
    # the paper's constant-cost memory: first annotated frame + latest frame
    train_memory=dict(type='FirstLatestMemory', keep_first=True, num_latest=1),
    test_memory=dict(type='FirstLatestMemory', keep_first=True, num_latest=1))
