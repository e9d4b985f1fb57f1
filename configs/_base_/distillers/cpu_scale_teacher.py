# The teacher of the CPU-scale distillation configs (configs/cpu_scale/distill_r50_to_*_synthetic-128.py):
# the last checkpoint of configs/cpu_scale/stcn_r50_synthetic-128.py. A top-level config adds it with
#   model = dict(_base_.mobilevos_kd, student=..., teacher=_base_.stcn_r50, **_base_.cpu_scale_teacher)
cpu_scale_teacher = dict(
    teacher_ckpt='work_dirs/cpu_scale/stcn_r50_synthetic-128/iter_6000.pth',
    teacher_ckpt_hint=('Train the CPU-scale teacher first (tools/experiments/README.md):\n'
                       '  python tools/train.py configs/cpu_scale/stcn_r50_synthetic-128.py '
                       '--work-dir work_dirs/cpu_scale/stcn_r50_synthetic-128\n'
                       'or set --cfg-options model.teacher_ckpt=PATH'))
