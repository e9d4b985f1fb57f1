"""STMNetwork: stateless steps, the clip forward in each mode, padding and late objects."""
import pytest
import torch

from mobilevos.models.memory import InfiniteMemory
from mobilevos.models.vos import STMNetwork
from tests.models.vos.tiny import build_tiny, make_clip, moving_squares

H = W = 32


@pytest.fixture(scope='module')
def model() -> STMNetwork:
    return build_tiny()


def batch_of(model, clips):
    frames, samples = zip(*clips)
    return model.data_preprocessor(dict(inputs=list(frames), data_samples=list(samples)), True)


def step_inputs(model, seed=0):
    g = torch.Generator().manual_seed(seed)
    frame = torch.randn(2, 3, H, W, generator=g)
    masks = (torch.rand(2, 3, H, W, generator=g) > 0.7).float()
    memory_keys = torch.randn(2, model.key_dim, 2, H // 16, W // 16, generator=g)
    memory_values = torch.randn(2, 3, model.value_dim, 2, H // 16, W // 16, generator=g)
    memory_valid = torch.tensor([[[1., 1.], [1., 1.], [0., 1.]]] * 2)
    return frame, masks, memory_keys, memory_values, memory_valid


def run_steps(model, seed):
    frame, masks, memory_keys, memory_values, memory_valid = step_inputs(model, seed)
    key, query, f16, f8, f4 = model.encode_key(frame)
    values = model.encode_value(frame, f16, masks, masks.sum(1, keepdim=True) - masks)
    readout = model.read_memory(key, memory_keys, memory_values, memory_valid)
    logits = model.decode(readout, query, f8, f4)
    merged = model.aggregate(torch.sigmoid(logits))
    return dict(key=key,
                query=query,
                f16=f16,
                f8=f8,
                f4=f4,
                values=values,
                readout=readout,
                logits=logits,
                merged=merged)


def test_step_shapes(model):
    out = run_steps(model, 0)
    h, w = H // 16, W // 16
    assert out['key'].shape == (2, model.key_dim, h, w)
    assert out['query'].shape == (2, model.query_dim, h, w)
    assert out['f8'].shape[-2:] == (2 * h, 2 * w) and out['f4'].shape[-2:] == (4 * h, 4 * w)
    assert out['values'].shape == (2, 3, model.value_dim, h, w)
    assert out['readout'].shape == (2, 3, model.value_dim, h, w)
    assert out['logits'].shape == (2, 3, H, W)
    assert out['merged'].shape == (2, 4, H, W)


def test_steps_hold_no_hidden_state(model):
    model.eval()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    first = run_steps(model, 0)
    again = run_steps(model, 0)
    run_steps(model, 1)  # another input in between must not change the next result
    third = run_steps(model, 0)
    for name in first:
        assert torch.equal(first[name], again[name]), name
        assert torch.equal(first[name], third[name]), name
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_loss_is_finite_and_reaches_both_encoders():
    model = build_tiny()
    model.train()
    data = batch_of(model, [make_clip(moving_squares(3, H, 2), 2)])
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_ce'}
    assert torch.isfinite(losses['loss_ce']) and losses['loss_ce'] > 0
    losses['loss_ce'].backward()
    for part in ('key_encoder', 'value_encoder', 'value_fuser', 'decoder', 'key_proj', 'key_comp'):
        grads = [p.grad for p in getattr(model, part).parameters() if p.grad is not None]
        assert grads and sum(g.abs().sum() for g in grads) > 0, part


def test_frame_labels_and_decoder_feature_are_recorded_once_per_decoded_frame(monkeypatch):
    model = build_tiny()
    calls, features = [], []
    original = STMNetwork.frame_labels

    def spy(self, gt_masks, t):
        labels = original(self, gt_masks, t)
        calls.append((t, labels))
        return labels

    monkeypatch.setattr(STMNetwork, 'frame_labels', spy)
    handle = model.decoder.feature_out.register_forward_hook(lambda m, i, o: features.append(o))
    gt = moving_squares(4, H, 2)
    data = batch_of(model, [make_clip(gt, 2), make_clip(gt.flip(-1), 2, seed=1)])
    model(**data, mode='loss')
    handle.remove()
    assert [t for t, _ in calls] == [1, 2, 3]
    assert torch.equal(calls[1][1][0], gt[2]) and torch.equal(calls[1][1][1], gt[2].flip(-1))
    assert len(features) == 3
    assert features[0].shape == (2 * 2, model.decoder.out_channels, H // 4, W // 4)


def test_tensor_and_predict_modes():
    model = build_tiny().eval()
    gt = moving_squares(3, 40, 2)[:, :36, :40]  # 36x40 is padded to 48x48 by the preprocessor
    data = batch_of(model, [make_clip(gt, 2)])
    assert data['inputs'].shape == (1, 3, 3, 48, 48)
    with torch.no_grad():
        logits = model(**data, mode='tensor')
        assert logits.shape == (1, 2, 3, 48, 48)
        samples = model(**data, mode='predict')
    pred = samples[0].pred_masks
    assert pred.shape == (3, 36, 40) and pred.dtype == torch.long
    assert torch.equal(pred[0], gt[0])  # frame 0 is the annotation
    assert set(pred.unique().tolist()) <= {0, 1, 2}


def test_padded_objects_do_not_change_real_ones():
    model = build_tiny().eval()
    two = moving_squares(3, H, 2)
    one = moving_squares(3, H, 1)
    together = batch_of(model, [make_clip(two, 2), make_clip(one, 1, seed=1)])
    alone = batch_of(model, [make_clip(one, 1, seed=1)])
    with torch.no_grad():
        both = model(**together, mode='tensor')  # (2, 2, 3, H, W): sample 1 has a padded object
        single = model(**alone, mode='tensor')  # (1, 2, 2, H, W)
    torch.testing.assert_close(torch.softmax(both[1], 1)[:, :2],
                               torch.softmax(single[0], 1),
                               atol=1e-5,
                               rtol=1e-5)
    assert torch.equal(torch.softmax(both[1], 1)[:, 2], torch.zeros(2, H, W))


def test_late_object_enters_memory_when_it_appears(monkeypatch):
    model = build_tiny().eval()
    gt = moving_squares(4, H, 2)
    gt[:2][gt[:2] == 2] = 0  # object 2 first appears in frame 2
    bank = InfiniteMemory(mem_every=1)
    monkeypatch.setattr(model, 'build_memory', lambda mode='test': bank)
    with torch.no_grad():
        logits = model(**batch_of(model, [make_clip(gt, 2)]), mode='tensor')  # frames 1..3
    probs = torch.softmax(logits[0], 1)
    assert torch.equal(probs[0, 2], torch.zeros(H, W))  # frame 1: object 2 not known yet
    assert torch.equal(probs[1].argmax(0) == 2, gt[2] == 2)  # frame 2: its annotation
    # frame 3: predicted from memory (an object the memory does not hold gets exactly 0, as in frame 1)
    assert probs[2, 2].min() > 0
    _, _, valid = bank.read()
    assert valid[0].tolist() == [[1, 1, 1], [0, 0, 1]]  # frames 0, 1, 2 held; object 2 valid from frame 2


def test_bad_inputs_are_named(model):
    data = batch_of(model, [make_clip(moving_squares(2, H, 1), 1)])
    with pytest.raises(ValueError, match='divisible by 16'):
        model(data['inputs'][..., :24], data['data_samples'], mode='tensor')
    with pytest.raises(ValueError, match="mode must be"):
        model(**data, mode='train')
    sample = data['data_samples'][0]
    sample.set_metainfo(dict(num_objects=0))
    with pytest.raises(ValueError, match='object id 1 but num_objects is 0'):
        model(**data, mode='tensor')


class RecordingLoss(torch.nn.Module):
    """A loss with the bare contract ``loss(logits, labels) -> scalar`` (no ignore_index argument)."""

    calls = []

    def forward(self, logits, labels):
        RecordingLoss.calls.append((tuple(logits.shape), labels.clone()))
        valid = labels != 255
        picked = logits.permute(0, 2, 3, 1)[valid]  # (N, C)
        return torch.nn.functional.cross_entropy(picked, labels[valid])


def test_any_loss_with_the_contract_plugs_in():
    RecordingLoss.calls = []
    model = build_tiny(loss_seg=RecordingLoss())
    gt = moving_squares(3, 40, 1)[:, :40, :36]  # padded to 48x48 with label 255
    data = batch_of(model, [make_clip(gt, 1)])
    loss = model(**data, mode='loss')['loss_ce']
    assert torch.isfinite(loss)
    assert [shape for shape, _ in RecordingLoss.calls] == [(1, 2, 48, 48)] * 2
    labels = RecordingLoss.calls[0][1]
    assert labels[0, 40:].eq(255).all() and labels[0, :, 36:].eq(255).all()
    assert torch.equal(labels[0, :40, :36], gt[1])
