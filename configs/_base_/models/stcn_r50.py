# STCN-style teacher: ResNet-50 key encoder, ResNet-18 value encoder, infinite memory.
# Measured: 54.43 M parameters (paper: 54.4 M; STCN's network: 54,434,180, the same). Widths: keys 64,
# values 512, query 512, decoder 512/256/256, 3x3 shortcuts (STCN's layout). STCN's released weights
# convert into this network: tools/model_converters/stcn2mobilevos.py (docs/model_zoo.md).
#
# No weights are downloaded here. The real-data configs start the encoders from torchvision's ImageNet
# weights with the two init configs below (as STCN's stage 0 does; the value encoder's mask channels
# start at zero): model.key_encoder.init_cfg = _base_.imagenet_init_r50 (and _r18 for the value encoder).
imagenet_init_r50 = dict(type='mobilevos.ImageNetPretrained',
                         checkpoint='https://download.pytorch.org/models/resnet50-0676ba61.pth',
                         mapping='torchvision_resnet')
imagenet_init_r18 = dict(type='mobilevos.ImageNetPretrained',
                         checkpoint='https://download.pytorch.org/models/resnet18-f37072fd.pth',
                         mapping='torchvision_resnet')
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
    # every 5th frame and top-20 read-out (STCN's eval defaults) plus the latest (STCN's --include_last);
    # include_last=False gives STCN's default exactly (values encoded only for the frames kept)
    test_memory=dict(type='InfiniteMemory', mem_every=5, top_k=20))
