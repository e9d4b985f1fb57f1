# Distil the STCN-R50 teacher into the student of tinyconv_mbv2-noaspp-student_synthetic.py
# (configs/distill_r50_to_mbv2-noaspp.py otherwise: same losses, data and schedule).
# Train the teacher first (python tools/train.py configs/stcn_r50_synthetic.py), then
#   python tools/train.py projects/example_backbone/configs/distill_r50_to_tinyconv.py
# (or add --cfg-options model.teacher_ckpt=PATH).
_base_ = ['../../../configs/distill_r50_to_mbv2-noaspp.py', './_base_/tinyconv_encoders.py']
custom_imports = dict(imports=['projects.example_backbone.example_backbone'], allow_failed_imports=False)
model = dict(
    student=dict(key_encoder=_base_.tinyconv_key_encoder, value_encoder=_base_.tinyconv_value_encoder))
