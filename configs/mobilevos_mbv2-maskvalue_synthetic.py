# An architectural option (issue 13), not a paper student: configs/mobilevos_mbv2_synthetic.py with a mask-only
# value encoder (value_inputs=('mask', 'others'), MaskEncoder; the frame reaches the value through the key
# encoder's stride-16 feature). Trained alone (cross-entropy only) on the embedded synthetic set. Its speed and
# J&F against the MBv2 student: docs/benchmarks.md "Architectural option: mask-only value encoder".
_base_ = [
    '_base_/models/mobilevos_students.py', '_base_/datasets/synthetic_davis.py',
    '_base_/schedules/stcn_main_150k.py', '_base_/default_runtime.py'
]
model = _base_.mobilevos_mbv2_maskvalue
model.loss_seg = _base_.stcn_loss_seg
