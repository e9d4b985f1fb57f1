# Distil the STCN-R50 teacher into the MobileVOS MobileNetV2 student with both encoders swapped for
# MobileOne-S0 (configs/distill_r50_to_mbv2.py otherwise: same losses, data and schedule).
# Train the teacher first (python tools/train.py configs/stcn_r50_synthetic.py), then
#   python tools/train.py projects/mobileone/configs/distill_r50_to_mobileone-s0.py
# (or add --cfg-options model.teacher_ckpt=PATH).
_base_ = ['../../../configs/distill_r50_to_mbv2.py', './_base_/mobileone_s0_encoders.py']
custom_imports = dict(imports=['projects.mobileone.mobileone'], allow_failed_imports=False)
model = dict(
    student=dict(key_encoder=_base_.mobileone_key_encoder, value_encoder=_base_.mobileone_value_encoder))
