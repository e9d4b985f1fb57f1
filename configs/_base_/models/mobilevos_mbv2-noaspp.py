# MobileVOS MobileNetV2 student without ASPP: MobileNetV2 key encoder (stages 1-5, stride 16),
# MobileNetV2 value encoder (stages 1-4, stride 16, 5 input channels), first + latest memory.
# Measured: 1.92 M parameters (paper: 1.9 M).
# Widths: keys 64, values 112, query 96, decoder 96/64/48, 1x1 shortcuts.
mobilevos_mbv2_noaspp = dict(
    type='STMNetwork',
    data_preprocessor=dict(
        type='VOSDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False,
        size_divisor=16,
        seg_pad_val=255),
    # stages 1-5 of MobileNetV2: f4 (24 ch), f8 (32), f16 (96); stages 6-7 are not built
    key_encoder=dict(
        type='MobileNetV2Encoder',
        in_channels=3,
        num_stages=5,
        widen_factor=1.0,
        strides=(1, 2, 2, 2, 1, 1, 1),
        dilations=(1, 1, 1, 1, 1, 1, 1),
        out_indices=(1, 2, 4),
        pretrained=None,
        init_cfg=None),
    # stages 1-4 on frame + mask + other objects: f16 (64 ch)
    value_encoder=dict(
        type='MobileNetV2Encoder',
        in_channels=5,
        num_stages=4,
        widen_factor=1.0,
        strides=(1, 2, 2, 2, 1, 1, 1),
        dilations=(1, 1, 1, 1, 1, 1, 1),
        out_indices=(3, ),
        pretrained=None,
        init_cfg=None),
    neck=None,
    key_dim=64,
    value_dim=112,
    query_dim=96,
    value_fuser=dict(type='ValueFuser', with_attention=True, shortcut_kernel=1),
    decoder=dict(type='STMDecoder', channels=(96, 64, 48), shortcut_kernel=1),
    memory_reader=dict(type='MemoryReader', similarity='l2', top_k=None),
    aggregate=dict(type='SoftAggregation'),
    loss_seg=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, avg_non_ignore=True, loss_weight=1.0),
    train_memory=dict(type='FirstLatestMemory', keep_first=True, num_latest=1),
    test_memory=dict(type='FirstLatestMemory', keep_first=True, num_latest=1))
