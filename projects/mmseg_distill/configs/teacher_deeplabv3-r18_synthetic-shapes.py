# The segmentation teacher alone: mmseg's DeepLabV3 on ResNet-18-V1c (half width).
_base_ = ['_base_/synthetic_shapes.py', '_base_/mmseg_models.py']
model = dict(_base_.teacher_deeplabv3_r18, data_preprocessor=_base_.preprocessor)
