"""BoundaryKLDivLoss: KL(p_teacher || p_student) over boundary pixels only."""
import pytest
import torch

from mobilevos.models.losses import BoundaryKLDivLoss
from mobilevos.registry import MODELS


def _square_labels(b=2, size=8):
    labels = torch.zeros(b, size, size, dtype=torch.long)
    labels[:, 2:6, 2:6] = 1  # a 4x4 object
    return labels


def _band_by_hand(size=8):
    # k = 3: dilation of the square is rows/cols 1..6, erosion is 3..4.
    band = torch.zeros(size, size, dtype=torch.bool)
    band[1:7, 1:7] = True
    band[3:5, 3:5] = False
    return band


def _logits(b=2, c=3, size=8, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(b, c, size, size, generator=gen, dtype=torch.float64),
            torch.randn(b, c, size, size, generator=gen, dtype=torch.float64))


@pytest.mark.parametrize('temperature', [1.0, 2.0])
def test_equals_kl_averaged_over_the_band(temperature):
    student, teacher = _logits()
    labels = _square_labels()
    loss = BoundaryKLDivLoss(temperature=temperature)(student, teacher, labels)
    pt = torch.softmax(teacher / temperature, 1)
    ps = torch.softmax(student / temperature, 1)
    kl = (pt * (pt.log() - ps.log())).sum(1)  # (B, H, W)
    band = _band_by_hand().expand(2, -1, -1)
    expected = kl[band].mean() * temperature**2
    assert torch.allclose(loss, expected.float(), rtol=1e-5)


def test_only_band_pixels_matter_and_gradients_skip_the_teacher():
    student, teacher = _logits(seed=1)
    labels = _square_labels()
    loss_fn = BoundaryKLDivLoss()
    base = loss_fn(student, teacher, labels)
    outside = student.clone()
    outside[:, 0, 0, 0] += 5.0  # corner: outside the band
    outside[:, 1, 4, 4] -= 5.0  # centre of the object: outside the band
    assert torch.allclose(loss_fn(outside, teacher, labels), base)
    inside = student.clone()
    inside[:, 0, 1, 1] += 5.0
    assert not torch.allclose(loss_fn(inside, teacher, labels), base)

    student.requires_grad_(True)
    teacher.requires_grad_(True)
    loss_fn(student, teacher, labels).backward()
    assert teacher.grad is None
    assert student.grad[:, :, 0, 0].abs().sum() == 0 and student.grad[:, :, 1, 1].abs().sum() > 0


def test_zero_when_equal_and_nonnegative():
    student, teacher = _logits(seed=2)
    labels = _square_labels()
    loss_fn = BoundaryKLDivLoss(temperature=0.5)
    assert loss_fn(teacher, teacher, labels).abs().item() < 1e-6
    assert loss_fn(student, teacher, labels).item() > 0


def test_multi_object_probabilities_and_empty_channels():
    student, teacher = _logits(c=4, seed=3)
    labels = _square_labels()
    labels[:, 0:2, 5:8] = 2
    labels[:, 6:8, 0:3] = 255  # ignored pixels are never in the band
    from_logits = BoundaryKLDivLoss()(student, teacher, labels)
    from_probs = BoundaryKLDivLoss(input_type='probs')(torch.softmax(student, 1), torch.softmax(teacher, 1), labels)
    assert torch.allclose(from_logits, from_probs, rtol=1e-4)
    # A padded object channel with -inf teacher and student logits adds nothing and stays finite.
    pad = torch.full_like(student[:, :1], float('-inf'))
    padded = BoundaryKLDivLoss()(torch.cat([student, pad], 1), torch.cat([teacher, pad], 1), labels)
    assert torch.isfinite(padded) and torch.allclose(padded, from_logits, rtol=1e-5)


def test_teacher_and_labels_at_other_sizes():
    student, teacher = _logits(size=8, seed=4)
    labels = _square_labels(size=8)
    big_teacher = teacher.repeat_interleave(2, 2).repeat_interleave(2, 3)
    big_labels = labels.repeat_interleave(4, 1).repeat_interleave(4, 2)
    loss_fn = BoundaryKLDivLoss(resize_mode='student')
    assert torch.allclose(loss_fn(student, big_teacher, big_labels), loss_fn(student, teacher, labels), rtol=1e-5)


def test_no_band_gives_zero_with_graph_and_bad_args_raise():
    student, teacher = _logits(seed=5)
    student.requires_grad_(True)
    flat = torch.zeros(2, 8, 8, dtype=torch.long)
    loss = BoundaryKLDivLoss()(student, teacher, flat)
    assert loss.item() == 0 and loss.requires_grad
    assert isinstance(MODELS.build(dict(type='BoundaryKLDivLoss', temperature=0.1)), BoundaryKLDivLoss)
    with pytest.raises(ValueError, match='temperature'):
        BoundaryKLDivLoss(temperature=0)
    with pytest.raises(ValueError, match='class counts differ'):
        BoundaryKLDivLoss()(student, teacher[:, :2], flat)
