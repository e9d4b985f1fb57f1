# The three MobileVOS students: STCN's layout with every width reduced, 1x1 ResBlock shortcuts, and the
# paper's constant-cost memory (first annotated frame + latest frame). A top-level config picks one with
# `model = _base_.mobilevos_r18` (or sets it as a distiller's `student`). Measured sizes (paper's):
#   mobilevos_r18          ResNet-18 key and value encoders                     8.10 M (8.1 M)
#                          widths: keys 64, values 128, query 128, decoder 128/96/64
#   mobilevos_mbv2_noaspp  MobileNetV2 key encoder (stages 1-5, stride 16) and
#                          value encoder (stages 1-4, stride 16, 5 input channels)  1.92 M (1.9 M)
#                          widths: keys 64, values 112, query 96, decoder 96/64/48
#   mobilevos_mbv2         mobilevos_mbv2_noaspp plus an ASPP neck (rates 1/6/12/18 + image
#                          pooling, 128 ch) on the stride-16 key feature        2.44 M (2.5 M)
#                          (the ASPP adds 0.52 M; paper: 0.6 M)
#
# These download nothing (the synthetic configs use them). The `*_imagenet` variants at the end, for the
# real-data configs, start both encoders from torchvision's ImageNet weights (downloaded once into torch's
# hub cache; the value encoders' mask channels start at zero). Offline, set the `model.` key that the error
# names (e.g. model.key_encoder.init_cfg.checkpoint=PATH) to a local copy.
# Names starting with `__` are private to this file (mmengine leaves them out of the config).
__student = dict(
    type='STMNetwork',
    data_preprocessor=dict(
        type='VOSDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=False,
        size_divisor=16,
        seg_pad_val=255),
    neck=None,
    key_dim=64,
    value_fuser=dict(type='ValueFuser', with_attention=True, shortcut_kernel=1),
    memory_reader=dict(type='MemoryReader', similarity='l2', top_k=None),
    aggregate=dict(type='SoftAggregation'),
    loss_seg=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, avg_non_ignore=True, loss_weight=1.0),
    train_memory=dict(type='FirstLatestMemory', keep_first=True, num_latest=1),
    test_memory=dict(type='FirstLatestMemory', keep_first=True, num_latest=1))

# layer1..layer3 of ResNet-18
__resnet18 = dict(
    type='mmseg.ResNet',
    depth=18,
    num_stages=3,
    strides=(1, 2, 2),
    dilations=(1, 1, 1),
    norm_cfg=dict(type='BN', requires_grad=True),
    pretrained=None,
    init_cfg=None)
mobilevos_r18 = dict(
    __student,
    key_encoder=dict(__resnet18, out_indices=(0, 1, 2)),  # f4 (64 ch), f8 (128), f16 (256)
    # on frame + mask + other objects: f16 (256 ch)
    value_encoder=dict(__resnet18, in_channels=5, out_indices=(2, )),
    value_dim=128,
    query_dim=128,
    decoder=dict(type='STMDecoder', channels=(128, 96, 64), shortcut_kernel=1))

# MobileNetV2 at output stride 16; stages past num_stages are not built
__mobilenetv2 = dict(
    type='MobileNetV2Encoder',
    widen_factor=1.0,
    strides=(1, 2, 2, 2, 1, 1, 1),
    dilations=(1, 1, 1, 1, 1, 1, 1),
    pretrained=None,
    init_cfg=None)
mobilevos_mbv2_noaspp = dict(
    __student,
    # stages 1-5: f4 (24 ch), f8 (32), f16 (96)
    key_encoder=dict(__mobilenetv2, in_channels=3, num_stages=5, out_indices=(1, 2, 4)),
    # stages 1-4 on frame + mask + other objects: f16 (64 ch)
    value_encoder=dict(__mobilenetv2, in_channels=5, num_stages=4, out_indices=(3, )),
    value_dim=112,
    query_dim=96,
    decoder=dict(type='STMDecoder', channels=(96, 64, 48), shortcut_kernel=1))
# the neck's in_channels comes from the key encoder
mobilevos_mbv2 = dict(mobilevos_mbv2_noaspp,
                      neck=dict(type='ASPPNeck', channels=128, dilations=(1, 6, 12, 18), separable=False))

# ImageNet-initialised students (docs/model_zoo.md): ResNet-18 from torchvision's resnet18, MobileNetV2 from
# torchvision's mobilenet_v2 (its `features.N` keys renamed to MobileNetV2Encoder's `layerN.i`).
__imagenet_r18 = dict(type='mobilevos.ImageNetPretrained',
                      checkpoint='https://download.pytorch.org/models/resnet18-f37072fd.pth',
                      mapping='torchvision_resnet')
__imagenet_mbv2 = dict(type='mobilevos.ImageNetPretrained',
                       checkpoint='https://download.pytorch.org/models/mobilenet_v2-b0353104.pth',
                       mapping='torchvision_mobilenet_v2')
mobilevos_r18_imagenet = dict(mobilevos_r18,
                              key_encoder=dict(mobilevos_r18['key_encoder'], init_cfg=__imagenet_r18),
                              value_encoder=dict(mobilevos_r18['value_encoder'], init_cfg=__imagenet_r18))
mobilevos_mbv2_noaspp_imagenet = dict(
    mobilevos_mbv2_noaspp,
    key_encoder=dict(mobilevos_mbv2_noaspp['key_encoder'], init_cfg=__imagenet_mbv2),
    value_encoder=dict(mobilevos_mbv2_noaspp['value_encoder'], init_cfg=__imagenet_mbv2))
mobilevos_mbv2_imagenet = dict(mobilevos_mbv2_noaspp_imagenet, neck=mobilevos_mbv2['neck'])

# An architectural option (issue 13), not one of the paper's students and never their default: the value
# encoder sees only the object's mask and the other objects' mask (value_inputs), not the RGB frame; the
# frame's appearance enters each value through the key encoder's stride-16 feature, which the ValueFuser
# concatenates. MaskEncoder: a 3x3 stride-2 conv then three depthwise-separable stride-2 convs (16/32/64/64
# ch). Speed and J&F cost against mobilevos_mbv2: docs/benchmarks.md "Architectural option: mask-only value
# encoder". The mask encoder has no ImageNet weights (the _imagenet variant starts the key encoder only).
__mask_value = dict(value_inputs=('mask', 'others'),
                    value_encoder=dict(type='MaskEncoder', in_channels=2, channels=(16, 32, 64, 64)))
mobilevos_mbv2_maskvalue = dict(mobilevos_mbv2, **__mask_value)
mobilevos_mbv2_maskvalue_imagenet = dict(mobilevos_mbv2_imagenet, **__mask_value)
