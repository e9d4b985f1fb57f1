# STCN-style teacher: ResNet-50 key encoder, ResNet-18 value encoder, infinite memory.
# Measured: 54.43 M parameters (paper: 54.4 M). Widths: keys 64, values 512, query 512,
# decoder 512/256/256, 3x3 shortcuts (STCN's layout).
#
# No weights are downloaded. To start from local ImageNet weights, set e.g.
#   model.key_encoder.init_cfg = dict(type='Pretrained', checkpoint='/path/to/resnet50.pth')
# (torchvision-style keys load into mmseg's ResNet; layer4/fc are reported as unexpected).
stcn_r50 = dict(
    type='STMNetwork',
    data_preprocessor=dict(
        type='VOSDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False,  # PackVOSInputs gives RGB frames
        size_divisor=16,
        seg_pad_val=255),
    # layer1..layer3 of ResNet-50: f4 (256 ch), f8 (512), f16 (1024)
    key_encoder=dict(
        type='mmseg.ResNet',
        depth=50,
        num_stages=3,
        out_indices=(0, 1, 2),
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        norm_cfg=dict(type='BN', requires_grad=True),
        pretrained=None,
        init_cfg=None),
    # layer1..layer3 of ResNet-18 on frame + mask + other objects: f16 (256 ch). As in STCN's
    # modified ResNet-18, every conv has a bias (Conv2dWithBias), so STCN's checkpoints load strictly.
    value_encoder=dict(
        type='mmseg.ResNet',
        depth=18,
        in_channels=5,
        conv_cfg=dict(type='mobilevos.Conv2dWithBias'),
        num_stages=3,
        out_indices=(2, ),
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        norm_cfg=dict(type='BN', requires_grad=True),
        pretrained=None,
        init_cfg=None),
    neck=None,
    key_dim=64,
    value_dim=512,
    query_dim=512,
    value_fuser=dict(type='ValueFuser', with_attention=True, shortcut_kernel=3),
    decoder=dict(type='STMDecoder', channels=(512, 256, 256), shortcut_kernel=3),
    memory_reader=dict(type='MemoryReader', similarity='l2', top_k=None),
    aggregate=dict(type='SoftAggregation'),
    loss_seg=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, avg_non_ignore=True, loss_weight=1.0),
    # every frame of a training clip stays in memory
    train_memory=dict(type='InfiniteMemory', mem_every=1),
    # STCN's evaluation defaults: every 5th frame (+ the latest), top-20 read-out
    test_memory=dict(type='InfiniteMemory', mem_every=5, top_k=20))
