"""Curriculum and finite-loss hooks."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.dataset import ConcatDataset
from mmengine.logging import MessageHub, MMLogger

from mobilevos.engine.hooks import FiniteLossHook, MaxSkipCurriculumHook, NonFiniteLossError, max_skip_at


def test_stcn_schedule():
    values, fractions = (10, 15, 20, 25, 5), (0.1, 0.2, 0.3, 0.4, 0.9)
    expected = {0.0: 5, 0.05: 5, 0.1: 10, 0.15: 10, 0.2: 15, 0.35: 20, 0.4: 25, 0.89: 25, 0.9: 5, 1.0: 5}
    for progress, skip in expected.items():
        assert max_skip_at(progress, 5, values, fractions) == skip, progress


class _Clips:
    def __init__(self):
        self.skip = None

    def set_max_skip(self, value):
        self.skip = value


def _runner(iteration, max_iters, dataset):
    return SimpleNamespace(iter=iteration, max_iters=max_iters,
                           train_dataloader=SimpleNamespace(dataset=dataset),
                           logger=MMLogger.get_instance('test_hooks'),
                           message_hub=MessageHub.get_instance('test_hooks'), work_dir='/tmp/x')


def test_curriculum_hook_sets_nested_datasets_from_iteration():
    a, b = _Clips(), _Clips()
    wrapper = SimpleNamespace(datasets=[a, SimpleNamespace(dataset=b)])
    hook = MaxSkipCurriculumHook()
    hook.before_train_iter(_runner(25, 100, wrapper), 0)
    assert a.skip == b.skip == 15
    # a fresh hook (as after --resume) gives the same value for the same iteration
    c = _Clips()
    MaxSkipCurriculumHook().before_train_iter(_runner(25, 100, c), 0)
    assert c.skip == 15
    assert MessageHub.get_instance('test_hooks').get_info('max_skip') == 15


def test_curriculum_hook_without_clip_dataset_fails_clearly():
    with pytest.raises(RuntimeError, match='no clip dataset'):
        MaxSkipCurriculumHook().before_train_iter(_runner(0, 10, SimpleNamespace()), 0)


def test_curriculum_rejects_bad_schedule():
    with pytest.raises(ValueError, match='increase'):
        MaxSkipCurriculumHook(values=(1, 2), fractions=(0.5, 0.1))


def test_finite_loss_hook_names_term_and_iteration():
    hook = FiniteLossHook()
    runner = _runner(6, 10, None)
    hook.after_train_iter(runner, 0, outputs={'loss': torch.tensor(1.0), 'distill.loss_repr': torch.tensor(2.)})
    with pytest.raises(NonFiniteLossError, match=r'"distill.loss_repr" is nan at iteration 7'):
        hook.after_train_iter(runner, 0, outputs={'loss': torch.tensor(1.0),
                                                  'distill.loss_repr': torch.tensor(float('nan'))})
    with pytest.raises(NonFiniteLossError, match='inf'):
        hook.after_train_iter(runner, 0, outputs={'student.loss_ce': float('inf')})


def test_mmengine_concat_dataset_is_searched():
    from mmengine.dataset import BaseDataset

    from mobilevos.engine.hooks import iter_clip_datasets

    class _Part(BaseDataset):
        def __init__(self):
            super().__init__(lazy_init=False, serialize_data=False)
            self.skip = None

        def load_data_list(self):
            return [dict(i=0)]

        def set_max_skip(self, value):
            self.skip = value

    a, b = _Part(), _Part()
    assert list(iter_clip_datasets(ConcatDataset([a, b]))) == [a, b]


def test_exact_resume_rng_state_round_trip_covers_each_stream():
    import random

    import numpy as np

    from mobilevos.engine.hooks.exact_resume_hook import capture_rng_state, restore_rng_state

    class _Sampler:
        def __init__(self):
            self.generator = torch.Generator().manual_seed(3)

    model = torch.nn.Sequential(torch.nn.Linear(2, 2))
    model[0].pixel_sampler = _Sampler()

    def draw():
        return (random.random(), float(np.random.rand()), float(torch.rand(1)),
                float(torch.rand(1, generator=model[0].pixel_sampler.generator)))

    state = capture_rng_state(model)
    first = draw()
    assert draw() != first  # the streams move on
    assert restore_rng_state(state, model) == []
    assert draw() == first  # every stream is back, the model's own generator included
    model[0].other = _Sampler()
    assert restore_rng_state(state, model) == ['0.other.generator']


def test_exact_resume_hook_saves_position_and_restores_only_on_resume():
    from mobilevos.datasets import ResumableInfiniteSampler
    from mobilevos.engine.hooks import ExactResumeHook

    sampler = ResumableInfiniteSampler(list(range(10)), seed=5)
    model = torch.nn.Linear(1, 1)
    loader = SimpleNamespace(sampler=sampler, batch_size=2)
    runner = SimpleNamespace(iter=3, model=model, cfg={}, logger=MMLogger.get_instance('test_hooks'),
                             train_loop=SimpleNamespace(dataloader=loader, dataloader_iterator='mmengine iterator'))
    checkpoint = {'meta': {'iter': 4}}  # saved after iteration 4 (runner.iter is still 3)
    ExactResumeHook().before_save_checkpoint(runner, checkpoint)
    state = checkpoint['exact_resume']
    assert state['iter'] == 4 and state['sampler'] == {'position': 8, 'seed': 5}
    expected = torch.rand(3)  # what the run drew after the checkpoint

    # load_from (no resume): the loop starts at iteration 0 and nothing changes
    fresh = ExactResumeHook()
    runner.iter = 0
    fresh.after_load_checkpoint(runner, checkpoint)
    fresh.before_train(runner)
    fresh.before_train_iter(runner, 0)
    assert sampler.position == 0 and runner.train_loop.dataloader_iterator == 'mmengine iterator'
    assert not torch.equal(torch.rand(3), expected)

    # --resume: the loop is at iteration 4
    sampler.seed, resumed = 99, ExactResumeHook()
    runner.iter = 4
    resumed.after_load_checkpoint(runner, checkpoint)
    resumed.before_train(runner)
    assert sampler.position == 8 and sampler.seed == 5
    replay = runner.train_loop.dataloader_iterator
    assert [next(replay) for _ in range(4)] == [None] * 4  # mmengine's replay loads nothing
    torch.rand(5)  # e.g. the data loader drawing its base seed
    resumed.before_train_iter(runner, 4)
    assert torch.equal(torch.rand(3), expected)


class _Decoder(torch.nn.Module):
    """``pred(relu(feature_out(x)))``, the shape of ``STMDecoder``'s last step."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 1)
        self.feature_out = torch.nn.Identity()

    def forward(self, x):
        return self.feature_out(self.conv(x))


def _collapse_runner(model):
    runner = _runner(0, 100, None)
    runner.model = model
    return runner


def test_decoder_collapse_hook_watches_trained_decoders_only():
    from mobilevos.engine.hooks.decoder_collapse_hook import watched_modules
    model = torch.nn.Module()
    model.student, model.teacher = torch.nn.Module(), torch.nn.Module()
    model.student.decoder, model.teacher.decoder = _Decoder(), _Decoder()
    model.teacher.requires_grad_(False)
    assert list(watched_modules(model)) == ['student.decoder.feature_out']
    plain = torch.nn.Module()
    plain.decoder = _Decoder()
    assert list(watched_modules(plain)) == ['decoder.feature_out']
    assert watched_modules(torch.nn.Conv2d(1, 1, 1)) == {}


def test_decoder_collapse_hook_logs_share_and_stops_after_patience():
    from mobilevos.engine.hooks import DecoderCollapseError, DecoderCollapseHook
    from mobilevos.utils.cli import UserError
    model = torch.nn.Module()
    model.decoder = _Decoder().train()
    runner = _collapse_runner(model)
    hook = DecoderCollapseHook(patience=3)
    hook.before_train(runner)
    alive = torch.tensor([[[[1.0, -1.0]]]])  # one positive entry of four after the 2-channel conv
    with torch.no_grad():
        model.decoder.conv.weight.fill_(1.0)
        model.decoder.conv.bias.zero_()
    model.decoder(alive)
    hook.after_train_iter(runner, 0)
    assert runner.message_hub.get_scalar('train/decoder_positive').current() == pytest.approx(0.5)
    dead = -torch.ones(1, 1, 2, 2)
    for iteration in range(2):  # two dead iterations, then one alive: the count starts again
        runner.iter = iteration
        model.decoder(dead)
        hook.after_train_iter(runner, 0)
    model.decoder(alive)
    hook.after_train_iter(runner, 0)
    assert hook.dead_iters['decoder.feature_out'] == 0
    # a forward without gradient (validation) is not counted
    with torch.no_grad():
        model.decoder(alive)
    for iteration in range(2):
        model.decoder(dead)
        hook.after_train_iter(runner, 0)
    runner.iter = 41
    model.decoder(dead)
    expected = r'decoder.feature_out .* last 3 iterations \(up to iteration 42\).* before iteration 39'
    with pytest.raises(DecoderCollapseError, match=expected) as error:
        hook.after_train_iter(runner, 0)
    assert isinstance(error.value, UserError)
    assert runner.message_hub.get_scalar('train/decoder_positive').current() == 0.0
    hook.after_train(runner)
    assert not model.decoder.feature_out._forward_hooks


def test_decoder_collapse_hook_rejects_bad_patience():
    from mobilevos.engine.hooks import DecoderCollapseHook
    with pytest.raises(ValueError, match='patience'):
        DecoderCollapseHook(patience=0)
