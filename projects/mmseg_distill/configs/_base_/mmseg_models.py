# mmseg's own segmentors, unchanged. Every mmseg type carries the 'mmseg.' scope prefix: the configs'
# default scope is mobilevos, and mmseg's builders look nested types up in the current scope.
# - teacher: DeepLabV3 (ASPPHead) on a ResNet-18-V1c at half width, output stride 8;
# - student: FCN head on mmseg's MobileNetV2 (widen 0.35), output stride 8.
norm_cfg = dict(type='BN', requires_grad=True)
teacher_deeplabv3_r18 = dict(
    type='mmseg.EncoderDecoder',
    backbone=dict(
        type='mmseg.ResNetV1c', depth=18, stem_channels=32, base_channels=32, strides=(1, 2, 1, 1),
        dilations=(1, 1, 2, 4), out_indices=(3, ), norm_cfg=norm_cfg),
    decode_head=dict(
        type='mmseg.ASPPHead', in_channels=256, in_index=0, channels=64, dilations=(1, 2, 4, 6),
        dropout_ratio=0.1, num_classes=4, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
student_fcn_mbv2 = dict(
    type='mmseg.EncoderDecoder',
    # two out_indices: with one, mmseg's MobileNetV2 returns a bare tensor, not a tuple
    backbone=dict(
        type='mmseg.MobileNetV2', widen_factor=0.35, strides=(1, 2, 2, 1, 1, 1, 1),
        dilations=(1, 1, 1, 2, 2, 4, 4), out_indices=(2, 6), norm_cfg=norm_cfg),
    decode_head=dict(
        type='mmseg.FCNHead', in_channels=112, in_index=1, channels=32, num_convs=1, concat_input=False,
        dropout_ratio=0.1, num_classes=4, norm_cfg=norm_cfg, align_corners=False,
        loss_decode=dict(type='mmseg.CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
teacher_ckpt = 'work_dirs/teacher_deeplabv3-r18_synthetic-shapes/iter_300.pth'
