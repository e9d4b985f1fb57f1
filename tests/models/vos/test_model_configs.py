"""Every model config builds from the registry with the paper's parameter count (within 10 %)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mobilevos.registry import MODELS
from tests.models.vos.tiny import make_clip, moving_squares

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIGS = osp.join(ROOT, 'configs')

#: config -> (target parameters in millions, memory bank type of the students / teacher)
TARGETS = {
    'stcn_r50_synthetic.py': (54.4, 'InfiniteMemory'),
    'stcn_r50_davis-ytvos.py': (54.4, 'InfiniteMemory'),
    'mobilevos_r18_synthetic.py': (8.1, 'FirstLatestMemory'),
    'mobilevos_mbv2_synthetic.py': (2.5, 'FirstLatestMemory'),
    'mobilevos_mbv2-noaspp_synthetic.py': (1.9, 'FirstLatestMemory'),
}
#: distillation config -> (student target, student memory)
DISTILL_TARGETS = {
    'distill_r50_to_r18.py': (8.1, 'FirstLatestMemory'),
    'distill_r50_to_mbv2.py': (2.5, 'FirstLatestMemory'),
    'distill_r50_to_mbv2-noaspp.py': (1.9, 'FirstLatestMemory'),
}


@pytest.mark.parametrize('name', sorted(TARGETS))
def test_parameter_count_within_ten_percent(name):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    model = MODELS.build(cfg.model)
    count = sum(p.numel() for p in model.parameters()) / 1e6
    target, memory = TARGETS[name]
    print(f'{name}: {count:.3f} M parameters (target {target} M, {100 * (count / target - 1):+.1f} %)')
    assert abs(count / target - 1) <= 0.10
    assert cfg.model.test_memory.type == memory and cfg.model.train_memory.type == memory


@pytest.mark.parametrize('name', sorted(DISTILL_TARGETS))
def test_distillation_configs_pair_the_r50_teacher_with_a_student(name):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    target, memory = DISTILL_TARGETS[name]
    student = MODELS.build(cfg.model.student)
    teacher = MODELS.build(cfg.model.teacher)
    count = sum(p.numel() for p in student.parameters()) / 1e6
    teacher_count = sum(p.numel() for p in teacher.parameters()) / 1e6
    print(f'{name}: student {count:.3f} M (target {target} M), teacher {teacher_count:.2f} M (target 54.4 M)')
    assert abs(count / target - 1) <= 0.10
    assert abs(teacher_count / 54.4 - 1) <= 0.10
    assert cfg.model.student.test_memory.type == memory
    assert cfg.model.teacher.test_memory.type == 'InfiniteMemory'


def test_aspp_is_the_only_difference_between_the_mobilenet_students():
    with_aspp = Config.fromfile(osp.join(CONFIGS, 'mobilevos_mbv2_synthetic.py')).model
    without = Config.fromfile(osp.join(CONFIGS, 'mobilevos_mbv2-noaspp_synthetic.py')).model
    assert with_aspp.neck.type == 'ASPPNeck' and without.neck is None
    with_aspp.neck = None
    assert with_aspp.to_dict() == without.to_dict()


def test_mobilenet_student_trains_on_a_tiny_clip():
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(CONFIGS, 'mobilevos_mbv2_synthetic.py')).model)
    frames, sample = make_clip(moving_squares(2, 32, 2), 2)
    data = model.data_preprocessor(dict(inputs=[frames], data_samples=[sample]), True)
    loss = model(**data, mode='loss')['loss_ce']
    loss.backward()
    assert torch.isfinite(loss)
    assert model.neck.merge.conv.weight.grad.abs().sum() > 0
