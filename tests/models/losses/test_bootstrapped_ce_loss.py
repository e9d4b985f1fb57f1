"""BootstrappedCELoss: STCN's schedule of plain CE into top-p hardest pixels."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub

from mobilevos.models.losses import BootstrappedCELoss
from mobilevos.registry import MODELS


def _data(seed=0):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 3, 5, 6, generator=gen, dtype=torch.float64)
    labels = torch.randint(0, 3, (2, 5, 6), generator=gen)
    return logits, labels


def _top_mean(values: torch.Tensor, share: float) -> torch.Tensor:
    ordered = torch.sort(values.flatten(), descending=True).values
    return ordered[:max(1, int(values.numel() * share))].mean()


def test_plain_ce_before_warm_up():
    logits, labels = _data()
    loss_fn = BootstrappedCELoss(start_warm=10, end_warm=20, top_p=0.15)
    assert torch.allclose(loss_fn(logits, labels, iteration=9), F.cross_entropy(logits, labels))


def test_top_p_after_warm_up_and_linear_in_between():
    logits, labels = _data(1)
    raw = F.cross_entropy(logits, labels, reduction='none')
    loss_fn = BootstrappedCELoss(start_warm=10, end_warm=20, top_p=0.15)
    assert torch.allclose(loss_fn(logits, labels, iteration=21), _top_mean(raw, 0.15))
    # Halfway: p = 0.15 + 0.85 * 0.5 = 0.575.
    assert loss_fn.current_top_p(15) == pytest.approx(0.575)
    assert torch.allclose(loss_fn(logits, labels, iteration=15), _top_mean(raw, 0.575))
    assert loss_fn.current_top_p(10) == pytest.approx(1.0)
    assert loss_fn.current_top_p(20) == pytest.approx(0.15)


def test_defaults_are_stcn_schedule():
    loss_fn = BootstrappedCELoss()
    assert (loss_fn.start_warm, loss_fn.end_warm, loss_fn.top_p) == (20000, 70000, 0.15)


def test_iteration_comes_from_the_message_hub():
    logits, labels = _data(2)
    raw = F.cross_entropy(logits, labels, reduction='none')
    loss_fn = BootstrappedCELoss(start_warm=10, end_warm=20, top_p=0.2)
    hub = MessageHub.get_instance('test_bootstrapped_ce_hub')
    hub.update_info('iter', 100)
    assert MessageHub.get_current_instance() is hub
    assert torch.allclose(loss_fn(logits, labels), _top_mean(raw, 0.2))
    hub.update_info('iter', 0)
    assert torch.allclose(loss_fn(logits, labels), F.cross_entropy(logits, labels))


def test_ignored_pixels_are_left_out():
    logits, labels = _data(3)
    labels[0] = 255
    raw = F.cross_entropy(logits[1:], labels[1:], reduction='none')
    loss_fn = BootstrappedCELoss(start_warm=0, end_warm=1, top_p=0.5)
    assert torch.allclose(loss_fn(logits, labels, iteration=5), _top_mean(raw, 0.5))
    assert torch.allclose(loss_fn(logits, labels, iteration=-1), raw.mean())


def test_registered_and_bad_arguments_raise():
    assert isinstance(MODELS.build(dict(type='BootstrappedCELoss', top_p=0.3)), BootstrappedCELoss)
    with pytest.raises(ValueError, match='start_warm'):
        BootstrappedCELoss(start_warm=5, end_warm=5)
    with pytest.raises(ValueError, match='top_p'):
        BootstrappedCELoss(top_p=0)
    logits, labels = _data()
    with pytest.raises(ValueError, match='resize'):
        BootstrappedCELoss()(logits, labels[:, :4])
