# The MobileVOS MobileNetV2 student without ASPP (configs/mobilevos_mbv2-noaspp_synthetic.py) with both
# encoders swapped for the plugin TinyConvBackbone, trained alone on the embedded synthetic set:
#   python tools/train.py projects/example_backbone/configs/tinyconv_mbv2-noaspp-student_synthetic.py
_base_ = ['../../../configs/mobilevos_mbv2-noaspp_synthetic.py', './_base_/tinyconv_encoders.py']
custom_imports = dict(imports=['projects.example_backbone.example_backbone'], allow_failed_imports=False)
model = dict(key_encoder=_base_.tinyconv_key_encoder, value_encoder=_base_.tinyconv_value_encoder)
