# The MobileVOS MobileNetV2 student (configs/mobilevos_mbv2_synthetic.py) with both encoders swapped for
# MobileOne-S0, trained alone (no teacher) on the embedded synthetic set:
#   python tools/train.py projects/mobileone/configs/mobileone-s0_mbv2-student_synthetic.py
# tools/deploy.py folds the train-time branches (switch_to_deploy) before export.
_base_ = ['../../../configs/mobilevos_mbv2_synthetic.py', './_base_/mobileone_s0_encoders.py']
custom_imports = dict(imports=['projects.mobileone.mobileone'], allow_failed_imports=False)
model = dict(key_encoder=_base_.mobileone_key_encoder, value_encoder=_base_.mobileone_value_encoder)
