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


def _clip_datasets(dataset):
    """Every ``VOSClipDataset`` config inside a training dataset config (through Concat/Repeat wrappers)."""
    if dataset.get('type') == 'VOSClipDataset':
        return [dataset]
    inner = dataset.get('datasets') or [dataset.get('dataset') or {}]
    return [clip for item in inner for clip in _clip_datasets(item)]


TRAINED = [
    osp.relpath(p, CONFIGS) for p in ALL
    if f'{osp.sep}_base_{osp.sep}' not in p and 'train_dataloader' in Config.fromfile(p)
]


@pytest.mark.parametrize('name', TRAINED)
def test_clips_have_8_frames_for_distillation_and_3_alone(name):
    cfg = _load(name)
    clips = _clip_datasets(cfg.train_dataloader.dataset)
    assert clips, f'{name}: no VOSClipDataset in train_dataloader'
    expected = 8 if cfg.model.get('type') == 'SingleTeacherDistiller' else 3
    assert [clip.num_frames for clip in clips] == [expected] * len(clips)


def _without_init(network):
    return dict(network,
                key_encoder=dict(network['key_encoder'], init_cfg=None),
                value_encoder=dict(network['value_encoder'], init_cfg=None))


@pytest.mark.parametrize('student', STUDENTS)
def test_real_data_students_are_the_synthetic_ones_with_imagenet_encoders(student):
    synthetic = _load(f'mobilevos_{student}_synthetic.py').model.to_dict()
    static = _load(f'mobilevos_{student}_static.py').model.to_dict()
    distill = _load(f'distill_r50_to_{student}_davis-ytvos.py').model.to_dict()
    assert static == distill['student']
    assert _without_init(static) == synthetic
    url = 'resnet18-f37072fd.pth' if student == 'r18' else 'mobilenet_v2-b0353104.pth'
    for encoder in ('key_encoder', 'value_encoder'):
        init = static[encoder]['init_cfg']
        assert init['type'] == 'mobilevos.ImageNetPretrained' and init['checkpoint'].endswith(url)
    # the real-data distillation differs from the synthetic one only in the teacher's checkpoint
    # (STCN's, converted) and the student's ImageNet init
    synthetic_distill = _load(f'distill_r50_to_{student}.py').model.to_dict()
    assert distill['teacher_ckpt'] == 'checkpoints/stcn_r50_s012.pth'
    assert 'stcn2mobilevos.py' in distill['teacher_ckpt_hint']
    changed = ('teacher_ckpt', 'teacher_ckpt_hint', 'student')
    assert {k: v for k, v in distill.items() if k not in changed} == {
        k: v for k, v in synthetic_distill.items() if k not in changed}
    assert distill['teacher']['key_encoder']['init_cfg'] is None  # loaded from teacher_ckpt


@pytest.mark.parametrize('student', STUDENTS)
def test_real_data_distillation_reads_davis_and_youtube_vos(student):
    data = _load(f'distill_r50_to_{student}_davis-ytvos.py').train_dataloader.dataset
    teacher_data = _load('stcn_r50_davis-ytvos.py').train_dataloader.dataset.to_dict()
    repeat, youtube = data.datasets
    assert repeat.type == 'RepeatDataset' and repeat.times == 5
    # the teacher's clips but 8 frames long
    assert dict(repeat.to_dict(), dataset=dict(repeat.dataset, num_frames=3)) == teacher_data['datasets'][0]
    assert dict(youtube, num_frames=3) == teacher_data['datasets'][1]


def test_runtime_log_processor_averages_decoder_positive_like_the_losses():
    """mmengine logs keys outside its mean_pattern as the last iteration's value only."""
    import re
    cfg = Config.fromfile(osp.join(ROOT, 'configs', '_base_', 'default_runtime.py'))
    pattern = re.compile(cfg.log_processor.mean_pattern)
    keys = ('loss', 'student.loss_ce', 'time', 'decoder_positive', 'student.decoder_positive', 'grad_norm')
    for key in keys:
        assert pattern.search(key), key
    assert not pattern.search('lr') and not pattern.search('max_skip')
