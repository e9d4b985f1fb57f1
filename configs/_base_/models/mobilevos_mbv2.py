# MobileVOS MobileNetV2 student with ASPP: as mobilevos_mbv2-noaspp.py, plus an ASPP neck
# (rates 1/6/12/18 + image pooling, 128 ch) on the stride-16 key feature.
# Measured: 2.44 M parameters (paper: 2.5 M); the ASPP adds 0.52 M (paper: 0.6 M).
# Widths: keys 64, values 112, query 96, decoder 96/64/48, 1x1 shortcuts.
mobilevos_mbv2 = dict(
    type='STMNetwork',
    data_preprocessor=dict(
        type='VOSDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False,
        size_divisor=16,
        seg_pad_val=255),
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
    # in_channels comes from the key encoder
    neck=dict(type='ASPPNeck', channels=128, dilations=(1, 6, 12, 18), separable=False),
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
