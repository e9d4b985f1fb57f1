"""Every model config builds from the registry with the paper's parameter count (within 10 %)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mobilevos.registry import MODELS
from tests.models.vos.tiny import make_clip, moving_squares

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIGS = osp.join(ROOT, 'configs', '_base_', 'models')

#: config -> (target parameters in millions, memory bank type of the students / teacher)
TARGETS = {
    'stcn_r50.py': (54.4, 'InfiniteMemory'),
    'mobilevos_r18.py': (8.1, 'FirstLatestMemory'),
    'mobilevos_mbv2.py': (2.5, 'FirstLatestMemory'),
    'mobilevos_mbv2-noaspp.py': (1.9, 'FirstLatestMemory'),
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


def test_aspp_is_the_only_difference_between_the_mobilenet_students():
    with_aspp = Config.fromfile(osp.join(CONFIGS, 'mobilevos_mbv2.py')).model
    without = Config.fromfile(osp.join(CONFIGS, 'mobilevos_mbv2-noaspp.py')).model
    assert with_aspp.neck.type == 'ASPPNeck' and without.neck is None
    with_aspp.neck = None
    assert with_aspp.to_dict() == without.to_dict()


def test_mobilenet_student_trains_on_a_tiny_clip():
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(osp.join(CONFIGS, 'mobilevos_mbv2.py')).model)
    frames, sample = make_clip(moving_squares(2, 32, 2), 2)
    data = model.data_preprocessor(dict(inputs=[frames], data_samples=[sample]), True)
    loss = model(**data, mode='loss')['loss_ce']
    loss.backward()
    assert torch.isfinite(loss)
    assert model.neck.merge.conv.weight.grad.abs().sum() > 0
