"""configs/cpu_scale/: students with the teacher recipe's data and schedule, distilling its last weights."""
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
TEACHER = osp.join(ROOT, 'configs', 'cpu_scale', 'stcn_r50_synthetic-128.py')
STUDENTS = ('r18', 'mbv2', 'mbv2-noaspp')
SHARED = ('val_dataloader', 'test_dataloader', 'val_evaluator', 'test_evaluator', 'val_cfg', 'test_cfg',
          'train_cfg', 'optim_wrapper', 'param_scheduler', 'custom_hooks', 'default_hooks')


def _load(name):
    return Config.fromfile(osp.join(ROOT, 'configs', 'cpu_scale', name))


@pytest.mark.parametrize('student', STUDENTS)
def test_students_share_the_teacher_recipe(student):
    teacher = Config.fromfile(TEACHER)
    alone = _load(f'mobilevos_{student}_synthetic-128.py')
    distill = _load(f'distill_r50_to_{student}_synthetic-128.py')
    for key in SHARED:
        assert alone[key] == teacher[key], f'mobilevos_{student}_synthetic-128.py: {key} differs'
        assert distill[key] == teacher[key], f'distill_r50_to_{student}_synthetic-128.py: {key} differs'
    assert alone.train_dataloader == teacher.train_dataloader
    # distillation differs only in its clip length
    clips = distill.train_dataloader.to_dict()
    assert clips['dataset']['num_frames'] > teacher.train_dataloader.dataset.num_frames == 3
    clips['dataset']['num_frames'] = 3
    assert clips == teacher.train_dataloader.to_dict()
    assert distill.model.student.to_dict() == alone.model.to_dict()
    # the frozen teacher's training loss plays no part
    frozen = dict(distill.model.teacher.to_dict(), loss_seg=None)
    assert frozen == dict(teacher.model.to_dict(), loss_seg=None)
    data = alone.train_dataloader.dataset
    assert data.dataset.data_root == 'data/synthetic_davis_128' and data.pipeline[0].size == (128, 128)
    assert data.dataset.size == (128, 128) and alone.val_dataloader.dataset.size == (128, 128)


def test_distillation_reads_the_teacher_recipe_final_checkpoint():
    teacher = Config.fromfile(TEACHER)
    ckpt = _load('distill_r50_to_r18_synthetic-128.py').model.teacher_ckpt
    assert ckpt == f'work_dirs/cpu_scale/stcn_r50_synthetic-128/iter_{teacher.train_cfg.max_iters}.pth'
