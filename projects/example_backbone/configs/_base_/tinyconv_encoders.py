# TinyConvBackbone encoders for the VOS students. Stage i has stride 2**(i+1): the key encoder returns
# strides 4, 8, 16 (the decoder's skips and the key feature), the value encoder stride 16.
# `_delete_` replaces the student's MobileNetV2 encoder settings instead of merging into them.
tinyconv_key_encoder = dict(_delete_=True,
                            type='TinyConvBackbone',
                            in_channels=3,
                            widths=(16, 24, 32, 64),
                            out_indices=(1, 2, 3))
tinyconv_value_encoder = dict(
    _delete_=True,
    type='TinyConvBackbone',
    in_channels=5,  # frame + object mask + other objects
    widths=(16, 24, 32, 64),
    out_indices=(3, ))
