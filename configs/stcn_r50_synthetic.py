# STCN-style teacher (ResNet-50 key encoder, ResNet-18 value encoder, memory of every 5th frame
# plus the latest, 54.4 M parameters) trained with STCN's main-stage recipe on the embedded
# synthetic DAVIS-format set (generated into data/synthetic_davis on first use).
# For real data: configs/stcn_r50_davis-ytvos.py.
_base_ = [
    '_base_/models/stcn_r50.py', '_base_/datasets/synthetic_davis.py', '_base_/schedules/stcn_main_150k.py',
    '_base_/default_runtime.py'
]
model = _base_.stcn_r50
# STCN's bootstrapped CE: plain CE for 20K iterations, then the hardest 15 % of pixels by 70K.
model.loss_seg = _base_.stcn_loss_seg
