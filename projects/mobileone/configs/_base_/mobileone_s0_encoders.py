# MobileOne-S0 encoders for the VOS students, stopped at stride 16 (num_stages=3; the stride-32 stage is
# not built). `_delete_` replaces the student's MobileNetV2 encoder settings instead of merging into them.
mobileone_key_encoder = dict(
    _delete_=True,
    type='MobileOne',
    arch='s0',  # widths 48 (stem), 48, 128, 256; k = 4 branches per conv at train time
    in_channels=3,
    num_stages=3,
    out_indices=(0, 1, 2))  # strides 4, 8, 16: the decoder's skips and the key feature
mobileone_value_encoder = dict(
    _delete_=True,
    type='MobileOne',
    arch='s0',
    in_channels=5,  # frame + object mask + other objects
    num_stages=3,
    out_indices=(2, ))  # stride 16
