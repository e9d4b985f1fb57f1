"""SingleTeacherDistiller on a toy dense model: frozen teacher, strict loading, mappings, checkpoints."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper

from mobilevos.apis import build_runner, prepare_train_config
from mobilevos.models.distillers import SingleTeacherDistiller
from mobilevos.registry import MODELS
from mobilevos.utils.checkpoint import (STUDENT_PREFIX, CheckpointMismatchError, extract_state_dict,
                                        load_checkpoint_file, save_checkpoint_atomic)
from tests.toy import ToyDenseDataset, ToyDenseModel

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
DISTILL_CONFIG = osp.join(ROOT, 'tests', 'configs', 'toy_distill.py')


def _teacher_ckpt(tmp_path, name='teacher.pth', bare=False, rename=None, seed=0):
    torch.manual_seed(seed)
    state = ToyDenseModel(width=8).state_dict()
    if rename:
        state[rename[1]] = state.pop(rename[0])
    path = str(tmp_path / name)
    save_checkpoint_atomic(state if bare else dict(state_dict=state, meta=dict(note='toy')), path)
    return path


def _cfg(ckpt, **overrides):
    cfg = dict(
        type='SingleTeacherDistiller',
        student=dict(type='ToyDenseModel', width=4, stride=2),
        teacher=dict(type='ToyDenseModel', width=8),
        teacher_ckpt=ckpt,
        student_recorders=dict(
            feat=dict(type='ModuleOutputs', source='neck'),
            logits=dict(type='ModuleOutputs', source='classifier'),
            labels=dict(type='MethodOutputs', source='frame_labels')),
        teacher_recorders=dict(
            feat=dict(type='ModuleOutputs', source='neck'),
            logits=dict(type='ModuleOutputs', source='classifier')),
        distill_losses=dict(
            loss_repr=dict(type='ContrastiveKDLoss', omega=0.5),
            loss_logit=dict(type='BoundaryKLDivLoss')),
        loss_forward_mappings=dict(
            loss_repr=dict(
                student_feat=dict(from_student=True, recorder='feat', record_idx=None),
                teacher_feat=dict(from_student=False, recorder='feat', record_idx=None),
                labels=dict(from_student=True, recorder='labels')),
            loss_logit=dict(
                student_logits=dict(from_student=True, recorder='logits'),
                teacher_logits=dict(from_student=False, recorder='logits'),
                labels=dict(from_student=True, recorder='labels'))))
    cfg.update(overrides)
    return cfg


def _batch(n=2):
    data = ToyDenseDataset(length=n, size=16)
    items = [data.prepare_data(i) for i in range(n)]
    return dict(inputs=[it['inputs'] for it in items], labels=[it['labels'] for it in items])


def test_teacher_is_loaded_strictly_and_frozen(tmp_path):
    path = _teacher_ckpt(tmp_path)
    model = MODELS.build(_cfg(path))
    saved = load_checkpoint_file(path)['state_dict']
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, saved[key])
    assert all(not p.requires_grad for p in model.teacher.parameters())
    model.train()
    assert model.student.training and not model.teacher.training
    # init_weights must not touch the loaded teacher (here it would set every conv to 0.5)
    model.teacher.init_cfg = dict(type='Constant', val=0.5, layer='Conv2d')
    model.init_weights()
    for key, value in model.teacher.state_dict().items():
        assert torch.equal(value, saved[key])
    # a bare state dict works too
    bare_path = _teacher_ckpt(tmp_path, 'bare.pth', bare=True)
    bare = load_checkpoint_file(bare_path)
    assert 'state_dict' not in bare
    from_bare = MODELS.build(_cfg(bare_path)).teacher.state_dict()
    assert from_bare.keys() == bare.keys() and all(torch.equal(from_bare[k], bare[k]) for k in bare)


def test_wrong_teacher_key_is_named(tmp_path):
    path = _teacher_ckpt(tmp_path, rename=('neck.weight', 'neck.wieght'))
    with pytest.raises(CheckpointMismatchError) as info:
        MODELS.build(_cfg(path))
    message = str(info.value)
    assert 'neck.wieght' in message and 'neck.weight' in message and path in message
    assert 'missing' in message and 'unexpected' in message
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        MODELS.build(_cfg(str(tmp_path / 'nothing.pth')))


def test_loss_keys_prefixes_and_total(tmp_path):
    model = MODELS.build(_cfg(_teacher_ckpt(tmp_path)))
    losses = model(**_batch(), mode='loss')
    assert set(losses) == {'student.loss_ce', 'distill.loss_repr', 'distill.loss_logit'}
    total, log_vars = model.parse_losses(losses)
    assert torch.allclose(total, sum(losses.values()))
    # A distillation loss without 'loss' in its name still counts.
    cfg = _cfg(_teacher_ckpt(tmp_path))
    cfg['distill_losses'] = dict(repr=cfg['distill_losses'].pop('loss_repr'))
    cfg['loss_forward_mappings'] = dict(repr=cfg['loss_forward_mappings'].pop('loss_repr'))
    renamed = MODELS.build(cfg)
    losses = renamed(**_batch(), mode='loss')
    total, _ = renamed.parse_losses(losses)
    assert 'distill.repr' in losses
    assert torch.allclose(total, losses['student.loss_ce'] + losses['distill.repr'])


def test_distill_gradients_reach_the_student_only(tmp_path):
    model = MODELS.build(_cfg(_teacher_ckpt(tmp_path), calculate_student_loss=False))
    model.train()
    losses = model(**_batch(), mode='loss')
    assert not any(key.startswith('student.') for key in losses)
    total, _ = model.parse_losses(losses)
    total.backward()
    assert all(p.grad is None for p in model.teacher.parameters())
    assert model.student.neck.weight.grad.abs().sum() > 0


def test_tensor_and_predict_run_the_student_and_preprocessor_is_shared(tmp_path):
    model = MODELS.build(_cfg(_teacher_ckpt(tmp_path)))
    model.eval()
    batch = _batch()
    assert torch.equal(model(batch['inputs'], mode='tensor'), model.student(batch['inputs'], mode='tensor'))
    predicted = model(batch['inputs'], mode='predict')
    assert torch.equal(predicted[0]['pred'], model.student(batch['inputs'], mode='predict')[0]['pred'])
    assert model.data_preprocessor is model.student.data_preprocessor


@pytest.mark.parametrize('change, message', [
    (lambda c: c['loss_forward_mappings']['loss_repr']['student_feat'].update(recorder='nope'),
     "no student recorder named 'nope'"),
    (lambda c: c['loss_forward_mappings']['loss_repr']['teacher_feat'].update(recorder='labels'),
     "no teacher recorder named 'labels'"),
    (lambda c: c['loss_forward_mappings']['loss_repr'].update(student=dict(from_student=True, recorder='feat')),
     "has no argument 'student'"),
    (lambda c: c['loss_forward_mappings']['loss_repr'].pop('labels'), r"required arguments \['labels'\]"),
    (lambda c: c['loss_forward_mappings'].pop('loss_logit'), 'have no entry in loss_forward_mappings'),
    (lambda c: c['loss_forward_mappings']['loss_repr']['labels'].update(connector='proj'), "no connector named"),
    (lambda c: c['loss_forward_mappings']['loss_repr']['labels'].pop('from_student'), 'from_student'),
    (lambda c: c['loss_forward_mappings']['loss_repr']['labels'].update(idx=0), r"unknown keys \['idx'\]"),
    (lambda c: c['loss_forward_mappings']['loss_repr']['labels'].update(record_idx='first'), 'not a slice'),
    (lambda c: c['loss_forward_mappings']['loss_repr']['labels'].update(record_idx=1.5), 'record_idx must be'),
    (lambda c: c['student_recorders'].update(x=dict(type='ModuleOutputs', source='decoder.feature_out')),
     "no module 'decoder.feature_out'"),
])
def test_mappings_are_checked_at_construction(tmp_path, change, message):
    cfg = _cfg(_teacher_ckpt(tmp_path))
    change(cfg)
    with pytest.raises(ValueError, match=message):
        MODELS.build(cfg)


def test_connector_projects_a_record(tmp_path):
    cfg = _cfg(_teacher_ckpt(tmp_path), connectors=dict(proj=dict(type='Conv2d', in_channels=4, out_channels=8,
                                                                  kernel_size=1)))
    cfg['distill_losses']['loss_proj'] = dict(type='ContrastiveKDLoss', omega=1.0)
    cfg['loss_forward_mappings']['loss_proj'] = dict(
        student_feat=dict(from_student=True, recorder='feat', connector='proj'),
        teacher_feat=dict(from_student=False, recorder='feat'),
        labels=dict(from_student=True, recorder='labels'))
    model = MODELS.build(cfg)
    total, _ = model.parse_losses(model(**_batch(), mode='loss'))
    total.backward()
    assert model.connectors['proj'].weight.grad.abs().sum() > 0
    assert any(k.startswith('connectors.proj.') for k in model.state_dict())


def test_student_only_state_dict_and_extraction(tmp_path):
    full = MODELS.build(_cfg(_teacher_ckpt(tmp_path)))
    assert any(k.startswith('teacher.') for k in full.state_dict())
    slim = MODELS.build(_cfg(_teacher_ckpt(tmp_path), teacher_in_state_dict=False))
    state = slim.state_dict()
    assert state and not any(k.startswith('teacher.') for k in state)
    slim.load_state_dict(copy.deepcopy(state), strict=True)  # the teacher's absence is tolerated

    student_state = extract_state_dict(dict(state_dict=full.state_dict(), meta={}), prefix=STUDENT_PREFIX)
    fresh = ToyDenseModel(width=4, stride=2)
    fresh.load_state_dict(student_state, strict=True)
    x = torch.rand(1, 3, 16, 16)
    assert torch.equal(fresh(x), full.student(x))
    with pytest.raises(ValueError, match="no key starts with 'student.'"):
        extract_state_dict(fresh.state_dict(), prefix=STUDENT_PREFIX)


def test_extract_student_tool(tmp_path, capsys):
    from tools.misc.extract_student import main
    model = MODELS.build(_cfg(_teacher_ckpt(tmp_path)))
    src, out = str(tmp_path / 'distill.pth'), str(tmp_path / 'student.pth')
    save_checkpoint_atomic(dict(state_dict=model.state_dict(), meta=dict(iter=5)), src)
    main([src, out])
    written = load_checkpoint_file(out)
    assert written['meta']['iter'] == 5 and written['meta']['extracted_from'] == osp.abspath(src)
    assert set(written['state_dict']) == set(ToyDenseModel(width=4, stride=2).state_dict())
    assert main([out, str(tmp_path / 'again.pth')]) == 1
    assert "student.pth: no key starts with 'student.'" in capsys.readouterr().err


def _runner(tmp_path, ckpt):
    cfg = Config.fromfile(DISTILL_CONFIG)
    cfg.experiment_name = f'toy_distill_{tmp_path.name}'
    return build_runner(prepare_train_config(cfg, DISTILL_CONFIG, work_dir=str(tmp_path / 'work'),
                                             cfg_options={'model.teacher_ckpt': ckpt}))


def test_toy_distillation_trains_five_iterations(tmp_path):
    ckpt = _teacher_ckpt(tmp_path, seed=3)
    runner = _runner(tmp_path, ckpt)
    student_before = {k: v.clone() for k, v in runner.model.student.state_dict().items()}
    runner.train()
    assert runner.iter == 5
    saved = load_checkpoint_file(ckpt)['state_dict']
    teacher = runner.model.teacher.state_dict()
    assert set(teacher) == set(saved)
    for key, value in saved.items():
        assert torch.equal(teacher[key], value), f'teacher weight {key} changed'
    assert any(not torch.equal(v, runner.model.student.state_dict()[k]) for k, v in student_before.items())
    logged = set(runner.message_hub.log_scalars)
    for key in ('train/student.loss_ce', 'train/distill.loss_repr', 'train/distill.loss_logit'):
        assert key in logged, sorted(logged)
    assert osp.isfile(tmp_path / 'work' / 'iter_5.pth')


def test_toy_distillation_with_a_wrong_teacher_key_fails_naming_it(tmp_path):
    ckpt = _teacher_ckpt(tmp_path, rename=('classifier.bias', 'classifier.bais'))
    with pytest.raises(CheckpointMismatchError, match='classifier.bais'):
        _runner(tmp_path, ckpt)
