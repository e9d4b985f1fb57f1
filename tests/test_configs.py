"""The configs under configs/: one level of `_base_`, and variants composed from one definition."""
import ast
import glob
import os.path as osp

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(ROOT, 'configs')
ALL = sorted(glob.glob(osp.join(CONFIGS, '**', '*.py'), recursive=True))
STUDENTS = ('r18', 'mbv2', 'mbv2-noaspp')


def _bases(path):
    """The `_base_` entries of a config file, read from its source (``[]`` when it has none)."""
    with open(path, encoding='utf-8') as handle:
        tree = ast.parse(handle.read(), path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == '_base_' for t in node.targets):
            value = ast.literal_eval(node.value)
            return [value] if isinstance(value, str) else list(value)
    return []


def _load(name):
    return Config.fromfile(osp.join(CONFIGS, name))


@pytest.mark.parametrize('path', ALL, ids=lambda p: osp.relpath(p, CONFIGS))
def test_one_level_of_base(path):
    bases = _bases(path)
    if f'{osp.sep}_base_{osp.sep}' in path:
        assert bases == [], f'{path}: a base file must not have a _base_'
    for base in bases:
        target = osp.normpath(osp.join(osp.dirname(path), base))
        assert osp.isfile(target), f'{path}: _base_ {base} does not exist'
        assert f'{osp.sep}_base_{osp.sep}' in target, f'{path}: _base_ {base} is not a base file'


def test_students_are_variants_of_one_definition():
    students = _load('_base_/models/mobilevos_students.py')
    with_aspp, without = students.mobilevos_mbv2.to_dict(), students.mobilevos_mbv2_noaspp.to_dict()
    assert with_aspp['neck']['type'] == 'ASPPNeck' and without['neck'] is None
    assert dict(with_aspp, neck=None) == without
    r18 = students.mobilevos_r18.to_dict()
    shared = ('data_preprocessor', 'value_fuser', 'memory_reader', 'aggregate', 'train_memory', 'test_memory')
    assert all(r18[k] == without[k] for k in shared)
    assert r18['key_encoder']['depth'] == 18 and without['key_encoder']['type'] == 'MobileNetV2Encoder'


@pytest.mark.parametrize('student', STUDENTS)
def test_distilled_student_is_the_baseline_student(student):
    distill = _load(f'distill_r50_to_{student}.py').model.to_dict()
    alone = _load(f'mobilevos_{student}_synthetic.py').model.to_dict()
    assert distill['type'] == 'SingleTeacherDistiller' and distill['student'] == alone
    assert distill['teacher']['key_encoder']['depth'] == 50
    assert distill['teacher_ckpt'] == 'work_dirs/stcn_r50_synthetic/iter_150000.pth'
    # the three distillation configs differ only in the student
    reference = _load('distill_r50_to_r18.py').model.to_dict()
    assert dict(distill, student=None) == dict(reference, student=None)
