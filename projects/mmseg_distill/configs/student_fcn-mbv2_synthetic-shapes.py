# The segmentation student alone (the no-distillation baseline): mmseg's FCN on MobileNetV2 (widen 0.35).
_base_ = ['_base_/synthetic_shapes.py', '_base_/mmseg_models.py']
model = dict(_base_.student_fcn_mbv2, data_preprocessor=_base_.preprocessor)
