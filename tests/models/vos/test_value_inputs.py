"""STMNetwork(value_inputs=...): the paper's 5-channel value input by default, and the mask-only option.

The option (issue 13) gives the value encoder the object's mask and the other objects' mask only; the
frame reaches the value through the key encoder's f16 alone. Never the default of the paper's students.
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mobilevos.inference import VideoInferencer
from mobilevos.models.vos.stm_network import DEFAULT_VALUE_INPUTS, VALUE_INPUT_CHANNELS
from mobilevos.registry import MODELS
from tests.models.vos.tiny import TINY_MODEL, build_tiny, make_clip, moving_squares

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIGS = osp.join(ROOT, 'configs')
H, W = 32, 48
MASK_ONLY = dict(value_inputs=('mask', 'others'),
                 value_encoder=dict(type='MaskEncoder', in_channels=2, channels=(8, 8, 16, 16)))
#: The paper's networks: their value encoders keep the 5-channel frame+mask+others input.
PAPER_CONFIGS = ('stcn_r50_synthetic.py', 'mobilevos_r18_synthetic.py', 'mobilevos_mbv2_synthetic.py',
                 'mobilevos_mbv2-noaspp_synthetic.py')


def value_step_inputs(seed=0, objects=2):
    g = torch.Generator().manual_seed(seed)
    frame = torch.randn(1, 3, H, W, generator=g)
    masks = torch.rand(1, objects, H, W, generator=g)
    return frame, masks, masks.sum(1, keepdim=True) - masks


def test_default_value_input_is_frame_mask_others_in_that_order():
    model = build_tiny().eval()
    assert model.value_inputs == DEFAULT_VALUE_INPUTS == ('frame', 'mask', 'others')
    assert model.value_in_channels == 5 and VALUE_INPUT_CHANNELS == dict(frame=3, mask=1, others=1)
    assert model.value_encoder.conv1.conv.weight.shape[1] == 5
    frame, masks, others = value_step_inputs()
    with torch.no_grad():
        f16 = model.encode_key(frame)[2]
        values = model.encode_value(frame, f16, masks, others)
        # rebuilt here from the parts: channels 0-2 the frame, 3 the object's mask, 4 the others'
        x = torch.cat([frame.expand(2, -1, -1, -1), masks[0, :, None], others[0, :, None]], dim=1)
        expected = model.value_fuser(model.value_encoder(x)[0], f16)  # one key map for the frame's 2 objects
    assert torch.equal(values[0], expected)


@pytest.mark.parametrize('name', PAPER_CONFIGS)
def test_paper_networks_keep_the_default(name):
    model_cfg = Config.fromfile(osp.join(CONFIGS, name)).model
    assert 'value_inputs' not in model_cfg
    assert model_cfg.value_encoder.in_channels == 5


def test_mask_only_value_ignores_the_frame_but_not_f16():
    model = build_tiny(**MASK_ONLY).eval()
    assert model.value_in_channels == 2 and model.value_spec.strides == (16, )
    frame, masks, others = value_step_inputs()
    other_frame = torch.randn_like(frame)
    with torch.no_grad():
        f16 = model.encode_key(frame)[2]
        values = model.encode_value(frame, f16, masks, others)
        assert values.shape == (1, 2, model.value_dim, H // 16, W // 16)
        assert torch.equal(values, model.encode_value(other_frame, f16, masks, others))
        assert not torch.allclose(values, model.encode_value(frame, f16 + 1, masks, others))
        assert not torch.allclose(values, model.encode_value(frame, f16, masks.flip(-1), others))


@pytest.mark.parametrize('options, frame_reaches_value', [(MASK_ONLY, False), ({}, True)])
def test_frame_reaches_the_value_only_through_f16(options, frame_reaches_value):
    """Autograd: with f16 held fixed, the option's value has no gradient path to the frame."""
    model = build_tiny(**options).eval()
    frame, masks, others = value_step_inputs()
    frame.requires_grad_(True)
    f16 = model.encode_key(frame)[2]
    values = model.encode_value(frame, f16.detach(), masks, others)
    (grad, ) = torch.autograd.grad(values.sum(), frame, allow_unused=True)
    assert (grad is not None) == frame_reaches_value
    (through_f16, ) = torch.autograd.grad(model.encode_value(frame, f16, masks, others).sum(), frame)
    assert through_f16.abs().sum() > 0


@pytest.mark.parametrize('value_inputs, match', [(('frame', 'others'), "including 'mask'"),
                                                 (('mask', 'mask'), 'distinct'), (('mask', 'depth'), 'distinct')])
def test_bad_value_inputs_are_clear_errors(value_inputs, match):
    with pytest.raises(ValueError, match=match):
        build_tiny(value_inputs=value_inputs)


def test_value_encoder_channels_must_match_value_inputs():
    # the tiny default value encoder takes 5 channels: a mask-only input (2) fails the probe, naming it
    with pytest.raises(ValueError, match=r'value_encoder \(MobileNetV2Encoder\).*2 input channels'):
        build_tiny(value_inputs=('mask', 'others'))


def test_mask_only_training_step_reaches_both_encoders():
    model = build_tiny(**MASK_ONLY).train()
    frames, sample = make_clip(moving_squares(3, H, 2), 2)
    data = model.data_preprocessor(dict(inputs=[frames], data_samples=[sample]), True)
    loss = model(**data, mode='loss')['loss_ce']
    loss.backward()
    assert torch.isfinite(loss)
    assert model.value_encoder.stages[0].conv.weight.grad.abs().sum() > 0
    assert model.key_encoder.conv1.conv.weight.grad.abs().sum() > 0


def test_mask_only_network_runs_a_video_and_keeps_the_annotation():
    model = build_tiny(**MASK_ONLY).eval()
    gt = moving_squares(4, H, 2)
    frames, _ = make_clip(gt, 2)
    video = [f.permute(1, 2, 0).numpy() for f in frames]
    results = list(VideoInferencer(model).propagate(video, {0: gt[0].numpy().astype('uint8')}, num_frames=4))
    assert len(results) == 4 and all(r.ids.shape == tuple(gt.shape[1:]) for r in results)
    assert (results[0].ids == gt[0].numpy()).all()  # the annotated frame


def test_distiller_with_a_mask_only_student_records_and_trains():
    base = Config.fromfile(osp.join(CONFIGS, '_base_', 'distillers', 'mobilevos_kd.py')).mobilevos_kd.to_dict()
    student = dict(TINY_MODEL, **MASK_ONLY, train_memory=dict(type='FirstLatestMemory'))
    distiller = MODELS.build(dict(base, student=student, teacher=dict(TINY_MODEL), teacher_ckpt=None))
    distiller.train()
    frames, sample = make_clip(moving_squares(3, H, 1), 1)
    data = distiller.data_preprocessor(dict(inputs=[frames], data_samples=[sample]), True)
    losses = distiller(**data, mode='loss')
    assert {'student.loss_ce', 'distill.loss_repr', 'distill.loss_logit'} <= set(losses)
    total = sum(v for v in losses.values())
    total.backward()
    assert distiller.student.value_encoder.stages[0].conv.weight.grad.abs().sum() > 0


def test_option_config_is_the_mbv2_student_with_a_mask_encoder():
    students = Config.fromfile(osp.join(CONFIGS, '_base_', 'models', 'mobilevos_students.py'))
    option, paper = students.mobilevos_mbv2_maskvalue.to_dict(), students.mobilevos_mbv2.to_dict()
    assert option.pop('value_inputs') == ('mask', 'others')
    assert option.pop('value_encoder')['type'] == 'MaskEncoder'
    paper.pop('value_encoder')
    assert option == paper
    top = Config.fromfile(osp.join(CONFIGS, 'mobilevos_mbv2-maskvalue_synthetic.py')).model.to_dict()
    alone = Config.fromfile(osp.join(CONFIGS, 'mobilevos_mbv2_synthetic.py')).model.to_dict()
    assert dict(top, value_inputs=None, value_encoder=None) == dict(alone, value_inputs=None, value_encoder=None)
    model = MODELS.build(top)
    count = sum(p.numel() for p in model.parameters()) / 1e6
    value_count = sum(p.numel() for p in model.value_encoder.parameters()) / 1e6
    print(f'mobilevos_mbv2_maskvalue: {count:.3f} M parameters, value encoder {value_count:.4f} M')
    assert 2.1 < count < 2.3 and value_count < 0.02
