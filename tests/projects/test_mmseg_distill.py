"""projects/mmseg_distill: mmseg's own segmentors inside mobilevos' distiller, scored by mmseg's IoUMetric."""
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from .train_helpers import ROOT, package_files_naming, train_tiny

CONFIGS = osp.join(ROOT, 'projects', 'mmseg_distill', 'configs')
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from projects.mmseg_distill.mmseg_distill import CLASSES, render_shapes  # noqa: E402
from mobilevos.registry import MODELS  # noqa: E402


def test_shapes_are_seeded_and_labelled():
    image, labels = render_shapes(np.random.default_rng([0, 5]), 32)
    again, labels_again = render_shapes(np.random.default_rng([0, 5]), 32)
    assert image.shape == (32, 32, 3) and labels.shape == (32, 32) and labels.dtype == np.uint8
    assert np.array_equal(image, again) and np.array_equal(labels, labels_again)
    assert set(np.unique(labels)) <= set(range(len(CLASSES))) and (labels > 0).any()


@pytest.mark.slow  # about 25 s of CPU: one tools/train.py process
def test_mmseg_models_distilled_through_tools_train_report_miou(tmp_path):
    # the teacher of the teacher config (an mmseg EncoderDecoder), saved as its checkpoint
    teacher_cfg = Config.fromfile(osp.join(CONFIGS, 'teacher_deeplabv3-r18_synthetic-shapes.py'))
    with DefaultScope.overwrite_default_scope('mobilevos'):
        teacher = MODELS.build(teacher_cfg.model)
    assert type(teacher).__module__.startswith('mmseg.')
    ckpt = tmp_path / 'teacher.pth'
    torch.save(dict(state_dict=teacher.state_dict()), ckpt)
    records = train_tiny(osp.join(CONFIGS, 'distill_deeplabv3-r18_to_fcn-mbv2_synthetic-shapes.py'),
                         str(tmp_path / 'student'), f'model.teacher_ckpt={ckpt}')
    train = [r for r in records if 'distill.loss_repr' in r]
    assert train and all(r['distill.loss_repr'] > 0 and r['student.decode.loss_ce'] > 0 for r in train)
    scores = [r for r in records if 'mIoU' in r]  # IoUMetric's keys: aAcc, mIoU, mAcc
    assert scores and 0 <= scores[-1]['mIoU'] <= 100 and 'aAcc' in scores[-1]


def test_package_does_not_name_the_project():
    assert package_files_naming('mmseg_distill') == []
    assert package_files_naming('SyntheticShapesDataset') == []
