# Distil the STCN-R50 teacher into the MobileVOS MobileNetV2 student with ASPP (2.5 M parameters): CE + boundary logit KD +
# the unified contrastive-KD loss (configs/_base_/distillers/mobilevos_kd.py), on the embedded
# synthetic set. The teacher checkpoint comes from: python tools/train.py configs/stcn_r50_synthetic.py
# (or set model.teacher_ckpt=PATH). For real data, swap the dataset base for
# _base_/datasets/youtubevos2019_davis2017.py.
_base_ = [
    '_base_/models/stcn_r50.py', '_base_/models/mobilevos_mbv2.py', '_base_/distillers/mobilevos_kd.py',
    '_base_/datasets/synthetic_davis.py', '_base_/schedules/stcn_main_150k.py', '_base_/default_runtime.py'
]
teacher_ckpt = 'work_dirs/stcn_r50_synthetic/iter_150000.pth'
model = _base_.mobilevos_kd
model.student = _base_.mobilevos_mbv2
model.student.loss_seg = dict(type='BootstrappedCELoss', start_warm=20000, end_warm=70000, top_p=0.15)
model.teacher = _base_.stcn_r50
model.teacher_ckpt = teacher_ckpt
model.teacher_ckpt_hint = ('Train the teacher first: python tools/train.py configs/stcn_r50_synthetic.py '
                           '(or set model.teacher_ckpt=PATH with --cfg-options).')
