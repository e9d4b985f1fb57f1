# The depth student trained alone: the no-distillation baseline.
_base_ = ['_base_/synthetic_depth.py', '_base_/depth_models.py']
model = dict(_base_.student_mbv2, data_preprocessor=_base_.preprocessor)
