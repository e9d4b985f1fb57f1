"""ContrastiveKDLoss: the maths of paper-notes §2.1/§8 and the issue's acceptance tests 1-4."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from mobilevos.models.losses import ContrastiveKDLoss
from mobilevos.models.samplers import RandomPixelSampler
from mobilevos.registry import MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def _rows(feat: torch.Tensor) -> torch.Tensor:
    """(C, H, W) -> (HW, C), L2-normalised rows, written out by hand."""
    z = feat.flatten(1).T
    return z / z.norm(dim=1, keepdim=True)


def _log2_sq_norm(m: torch.Tensor) -> torch.Tensor:
    return torch.log2((m * m).sum())


def _random(b=2, cs=5, ct=3, h=6, w=7, classes=3, seed=0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    student = torch.randn(b, cs, h, w, generator=gen, dtype=dtype)
    teacher = torch.randn(b, ct, h, w, generator=gen, dtype=dtype)
    labels = torch.randint(0, classes, (b, h, w), generator=gen)
    return student, teacher, labels


@pytest.mark.parametrize('omega', [0.0, 0.3, 0.9, 1.0])
@pytest.mark.parametrize('seed', [0, 1, 2])
def test_nonnegative_on_random_inputs(omega, seed):
    student, teacher, labels = _random(seed=seed, dtype=torch.float32)
    loss = ContrastiveKDLoss(omega=omega)(student, teacher, labels)
    assert loss.dim() == 0
    assert loss.item() >= 0
    sampled = ContrastiveKDLoss(omega=omega, sampler=dict(type='RandomPixelSampler', num_samples=10, seed=seed))
    assert sampled(student, teacher, labels).item() >= 0


@pytest.mark.parametrize('omega', [0.0, 0.5, 0.9, 1.0])
def test_zero_when_student_correlations_equal_cty(omega):
    # Teacher: one-hot of the label (C_t = YY^T, so C_ty = YY^T for every omega).
    # Student: +-one-hot of the label in more channels, so |C_s| = YY^T = C_ty entrywise.
    gen = torch.Generator().manual_seed(3)
    labels = torch.randint(0, 3, (2, 5, 6), generator=gen)
    teacher = F.one_hot(labels, 3).permute(0, 3, 1, 2).double()  # (B, 3, H, W)
    sign = torch.randint(0, 2, (2, 1, 5, 6), generator=gen).double() * 2 - 1
    student = F.one_hot(labels, 5).permute(0, 3, 1, 2).double() * sign  # (B, 5, H, W)
    loss = ContrastiveKDLoss(omega=omega)(student, teacher, labels)
    assert abs(loss.item()) < 1e-12
    # ... and any departure from C_ty makes it positive.
    noisy = student + 0.3 * torch.randn(student.shape, generator=gen, dtype=torch.float64)
    assert ContrastiveKDLoss(omega=omega)(noisy, teacher, labels).item() > 1e-3


def test_omega_one_equals_gram_loss():
    student, teacher, labels = _random(seed=4)
    loss = ContrastiveKDLoss(omega=1.0)(student, teacher, labels)
    expected = []
    for b in range(student.shape[0]):
        zs, zt = _rows(student[b]), _rows(teacher[b])
        cs, ct = zs @ zs.T, zt @ zt.T
        expected.append((_log2_sq_norm(cs) - _log2_sq_norm(cs * ct)) / zs.shape[0])
    assert torch.allclose(loss, torch.stack(expected).mean(), rtol=1e-10, atol=1e-12)


def test_omega_zero_equals_supervised_contrastive_form():
    student, teacher, labels = _random(seed=5)
    loss = ContrastiveKDLoss(omega=0.0)(student, teacher, labels)
    expected = []
    for b in range(student.shape[0]):
        zs = _rows(student[b])
        s = zs @ zs.T
        y = labels[b].flatten()
        n = y.numel()
        positive = sum(s[i, j]**2 for i in range(n) for j in range(n) if y[i] == y[j])
        expected.append(-torch.log2(positive / (s**2).sum()) / n)
    assert torch.allclose(loss, torch.stack(expected).mean(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('omega', [0.0, 0.5, 1.0])
def test_invariant_to_trace_normalisation_for_unit_rows(omega):
    # ITRD's matrix-entropy form normalises the marginal C_s and the joint C_s * C_ty by their traces.
    # With unit rows both traces are N (diag C_ty = 1), so the loss must not change.
    student, teacher, labels = _random(seed=6)
    loss = ContrastiveKDLoss(omega=omega)(student, teacher, labels)
    expected = []
    for b in range(student.shape[0]):
        zs, zt = _rows(student[b]), _rows(teacher[b])
        y = labels[b].flatten()
        cs = zs @ zs.T
        cty = omega * (zt @ zt.T) + (1 - omega) * (y[:, None] == y[None]).double()
        joint = cs * cty
        expected.append((_log2_sq_norm(cs / torch.trace(cs)) - _log2_sq_norm(joint / torch.trace(joint))) /
                        y.numel())
    assert torch.allclose(loss, torch.stack(expected).mean(), rtol=1e-10, atol=1e-12)


def test_channels_differ_and_gradients_reach_only_the_student():
    student, teacher, labels = _random(cs=3, ct=11, seed=7, dtype=torch.float32)
    student.requires_grad_(True)
    teacher.requires_grad_(True)  # as if the teacher had not been frozen
    loss = ContrastiveKDLoss(omega=0.7, sampler=dict(type='RandomPixelSampler', num_samples=20, seed=0))(
        student, teacher, labels)
    loss.backward()
    assert teacher.grad is None
    assert student.grad is not None and torch.isfinite(student.grad).all()
    assert student.grad.abs().sum() > 0


def _reference(student, teacher, labels, omega):
    """Plain autograd over full matrices, per frame."""
    out = []
    for b in range(student.shape[0]):
        zs, zt = _rows(student[b]), _rows(teacher[b].detach())
        y = labels[b].flatten()
        cs = zs @ zs.T
        cty = omega * (zt @ zt.T) + (1 - omega) * (y[:, None] == y[None]).to(zs.dtype)
        out.append((_log2_sq_norm(cs) - _log2_sq_norm(cs * cty)) / y.numel())
    return torch.stack(out).mean()


@pytest.mark.parametrize('block', [1, 7, 2**22])
@pytest.mark.parametrize('omega', [0.0, 0.6, 1.0])
def test_blocked_gradient_matches_plain_autograd(block, omega):
    student, teacher, labels = _random(seed=8)
    student.requires_grad_(True)
    loss = ContrastiveKDLoss(omega=omega, max_block_elements=block)(student, teacher, labels)
    (grad, ) = torch.autograd.grad(loss, student)
    ref = _reference(student, teacher, labels, omega)
    (ref_grad, ) = torch.autograd.grad(ref, student)
    assert torch.allclose(loss, ref, rtol=1e-10)
    assert torch.allclose(grad, ref_grad, rtol=1e-8, atol=1e-12)


def test_gradcheck():
    student, teacher, labels = _random(b=2, cs=3, ct=2, h=3, w=4, seed=9)
    student.requires_grad_(True)
    loss_fn = ContrastiveKDLoss(omega=0.4, max_block_elements=5)
    assert torch.autograd.gradcheck(lambda s: loss_fn(s, teacher, labels), (student, ))


def test_matrices_are_built_per_frame():
    student, teacher, labels = _random(b=3, seed=10)
    loss_fn = ContrastiveKDLoss(omega=0.5)
    whole = loss_fn(student, teacher, labels)
    per_frame = [loss_fn(student[i:i + 1], teacher[i:i + 1], labels[i:i + 1]) for i in range(3)]
    assert torch.allclose(whole, torch.stack(per_frame).mean(), rtol=1e-10)


def test_ignored_pixels_are_left_out():
    student, teacher, labels = _random(b=1, seed=11)
    labels[0, :2] = 255
    loss = ContrastiveKDLoss(omega=0.5)(student, teacher, labels)
    keep = labels[0].flatten() != 255
    zs, zt = _rows(student[0])[keep], _rows(teacher[0])[keep]
    y = labels[0].flatten()[keep]
    cs = zs @ zs.T
    cty = 0.5 * (zt @ zt.T) + 0.5 * (y[:, None] == y[None]).double()
    expected = (_log2_sq_norm(cs) - _log2_sq_norm(cs * cty)) / keep.sum()
    assert torch.allclose(loss, expected, rtol=1e-10)


def test_resize_policy_brings_maps_to_one_size():
    student, teacher, labels = _random(b=2, h=4, w=5, seed=12)
    # A teacher at stride 1/2 of the student and labels at 4x: nearest-upsampled copies of the
    # student-resolution maps, which bilinear / nearest downsampling maps back exactly.
    teacher_big = teacher.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)
    labels_big = labels.repeat_interleave(4, dim=1).repeat_interleave(4, dim=2)
    loss_fn = ContrastiveKDLoss(omega=0.8, resize_mode='student')
    assert torch.allclose(loss_fn(student, teacher_big, labels_big), loss_fn(student, teacher, labels), rtol=1e-10)
    # 'teacher' and 'labels': the loss on maps brought to that size by hand (features bilinear, labels
    # nearest), where the loss itself resizes nothing
    for mode, size in (('teacher', teacher_big.shape[-2:]), ('labels', labels_big.shape[-2:])):
        value = ContrastiveKDLoss(omega=0.8, resize_mode=mode)(student, teacher_big, labels_big)

        def by_hand(x):
            return F.interpolate(x, size=tuple(size), mode='bilinear', align_corners=False)

        by_hand_labels = F.interpolate(labels_big[:, None].double(), size=tuple(size), mode='nearest-exact')
        by_hand_labels = by_hand_labels[:, 0].long()
        expected = ContrastiveKDLoss(omega=0.8)(by_hand(student), by_hand(teacher_big), by_hand_labels)
        assert torch.allclose(value, expected, rtol=1e-10), mode
        assert not torch.allclose(value, loss_fn(student, teacher, labels), rtol=1e-3), mode  # another size


def test_sampler_padding_is_left_out():
    student, teacher, labels = _random(b=1, h=3, w=3, seed=13)
    # More samples than pixels: the sampler pads with -1; the loss must equal the all-pixel loss.
    padded = ContrastiveKDLoss(omega=0.5, sampler=RandomPixelSampler(num_samples=20, seed=0))
    assert torch.allclose(padded(student, teacher, labels), ContrastiveKDLoss(omega=0.5)(student, teacher, labels),
                          rtol=1e-10)


@pytest.mark.parametrize('sampler', [dict(type='BoundaryPixelSampler', kernel_size=3, topup_ratio=1.0),
                                     dict(type='UniformGridPixelSampler'), dict(type='RandomPixelSampler')])
def test_a_sampler_asking_for_every_pixel_gives_the_unsampled_loss_and_says_so(sampler, monkeypatch):
    # The CPU-scale recipe's case: N = H*W pixels drawn from an H x W map is no sampling at all, whatever
    # the sampler, so its result equals sampler=None's and a warning says that sampling has no effect.
    import mobilevos.models.losses.contrastive_kd_loss as module
    said = []
    monkeypatch.setattr(module, 'print_log', lambda msg, **kw: said.append((msg, kw.get('level'))))
    student, teacher, labels = _random(b=2, h=6, w=7, seed=21)
    every = MODELS.build(dict(type='ContrastiveKDLoss', omega=0.9, sampler=dict(sampler, num_samples=42)))
    plain = ContrastiveKDLoss(omega=0.9)(student, teacher, labels)
    assert torch.allclose(every(student, teacher, labels), plain, rtol=1e-10)
    every(student, teacher, labels)
    assert len(said) == 1 and said[0][1] == 30  # once, as a warning
    assert '42 pixels of a 6x7 map (42 pixels)' in said[0][0] and 'num_samples below 42' in said[0][0]
    # fewer pixels than the map: a real subset, another loss, and no warning
    fewer = MODELS.build(dict(type='ContrastiveKDLoss', omega=0.9, sampler=dict(sampler, num_samples=20, seed=0)))
    assert not torch.allclose(fewer(student, teacher, labels), plain, rtol=1e-6)
    assert len(said) == 1


def test_registered_and_bad_arguments_raise():
    assert isinstance(MODELS.build(dict(type='ContrastiveKDLoss')), ContrastiveKDLoss)
    with pytest.raises(ValueError, match='omega'):
        ContrastiveKDLoss(omega=1.5)
    with pytest.raises(ValueError, match='resize_mode'):
        ContrastiveKDLoss(resize_mode='biggest')
    student, teacher, labels = _random()
    with pytest.raises(ValueError, match='student_feat'):
        ContrastiveKDLoss()(student[0], teacher, labels)
    with pytest.raises(ValueError, match='batch sizes differ'):
        ContrastiveKDLoss()(student, teacher[:1], labels)
    with pytest.raises(ValueError, match='integer'):
        ContrastiveKDLoss()(student, teacher, labels.double())


_MEMORY_PROBE = r'''
import resource, sys, torch
torch.set_num_threads(1)
from mobilevos.models.losses import ContrastiveKDLoss
gen = torch.Generator().manual_seed(0)
student = torch.randn(4, 8, 256, 256, generator=gen).requires_grad_(True)
teacher = torch.randn(4, 16, 256, 256, generator=gen)
labels = torch.randint(0, 3, (4, 256, 256), generator=gen)
loss_fn = ContrastiveKDLoss(omega=0.9, sampler=dict(type='RandomPixelSampler', num_samples=4096, seed=0))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
loss = loss_fn(student, teacher, labels)
loss.backward()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
assert torch.isfinite(student.grad).all()
print((after - before) * 1024)
'''


def test_peak_memory_is_within_the_n_squared_budget():
    # B=4 frames of 256x256 with N=4096 samples each, forward + backward, in a fresh process so that the
    # peak resident memory is this loss's. The budget is one (B, N, N) float32 tensor (256 MiB); a
    # per-frame (HW)^2 matrix would take 16 GiB. glibc is told to serve large blocks with mmap, so
    # that freed blocks leave the resident set instead of fragmenting the heap.
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='1000000', OMP_NUM_THREADS='1')
    result = subprocess.run([sys.executable, '-c', _MEMORY_PROBE], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    growth = int(result.stdout.strip().splitlines()[-1])
    n, batch, hw = 4096, 4, 256 * 256
    budget = batch * n * n * 4
    assert growth < budget, f'peak RSS grew by {growth / 2**20:.0f} MiB, budget {budget / 2**20:.0f} MiB'
    assert growth < hw * hw * 4 / 64


def test_batch_fold_puts_per_object_rows_side_by_side():
    # Per-object features (B*K, C, H, W), row b*K + k = object k of frame b, against (B, H, W) labels.
    student, teacher, labels = _random(b=2, cs=3, ct=2, seed=14)
    k = 3
    gen = torch.Generator().manual_seed(0)
    per_object_s = torch.randn(2 * k, 3, 6, 7, generator=gen, dtype=torch.float64)
    per_object_t = torch.randn(2 * k, 2, 6, 7, generator=gen, dtype=torch.float64)
    folded = ContrastiveKDLoss(omega=0.6, batch_fold='channels')(per_object_s, per_object_t, labels)
    side_by_side_s = torch.stack([torch.cat(list(per_object_s[b * k:(b + 1) * k]), 0) for b in range(2)])
    side_by_side_t = torch.stack([torch.cat(list(per_object_t[b * k:(b + 1) * k]), 0) for b in range(2)])
    assert torch.allclose(folded, _reference(side_by_side_s, side_by_side_t, labels, 0.6), rtol=1e-10)
    with pytest.raises(ValueError, match='not a multiple'):
        ContrastiveKDLoss(batch_fold='channels')(per_object_s[:5], per_object_t, labels)
    with pytest.raises(ValueError, match='batch sizes differ'):
        ContrastiveKDLoss()(per_object_s, per_object_t, labels)


# -- continuous labels (depth) binned by the loss -----------------------------------------------------
# Four log-spaced bins on [1, 16]: edges 1, 2, 4, 8, 16 (written out by hand).
_LOG_BINS = dict(num_bins=4, min=1.0, max=16.0, log=True)
_LOG_EDGES = torch.tensor([1.0, 2.0, 4.0, 8.0, 16.0], dtype=torch.float64)


def _depth_inside_bins(classes: torch.Tensor, seed: int = 0) -> torch.Tensor:
    """A depth map whose value at each pixel lies strictly inside bin ``classes`` of ``_LOG_BINS``."""
    gen = torch.Generator().manual_seed(seed)
    frac = 0.05 + 0.9 * torch.rand(classes.shape, generator=gen, dtype=torch.float64)
    lo, hi = _LOG_EDGES[classes], _LOG_EDGES[classes + 1]
    return lo * (hi / lo)**frac  # geometric interpolation stays inside the log bin


@pytest.mark.parametrize('omega', [0.0, 0.5, 0.9])
def test_binned_depth_gives_the_loss_of_the_equivalent_integer_labels(omega):
    student, teacher, classes = _random(classes=4, seed=4)
    depth = _depth_inside_bins(classes)
    expected = ContrastiveKDLoss(omega=omega)(student, teacher, classes)
    binned = ContrastiveKDLoss(omega=omega, label_bins=_LOG_BINS)
    torch.testing.assert_close(binned(student, teacher, depth), expected, rtol=0, atol=1e-12)
    torch.testing.assert_close(binned(student, teacher, depth.float()), expected, rtol=0, atol=1e-12)
    # mmseg's (B, 1, H, W) layout is the same labels
    torch.testing.assert_close(binned(student, teacher, depth[:, None]), expected, rtol=0, atol=1e-12)
    # ... and with a sampler that looks at the (binned) labels
    sampler = dict(type='BoundaryPixelSampler', num_samples=12, kernel_size=3, seed=0)
    torch.testing.assert_close(
        ContrastiveKDLoss(omega=omega, sampler=sampler, label_bins=_LOG_BINS)(student, teacher, depth),
        ContrastiveKDLoss(omega=omega, sampler=sampler)(student, teacher, classes), rtol=0, atol=1e-12)


def test_binning_changes_the_loss_unless_omega_is_one():
    student, teacher, classes = _random(classes=4, seed=5)
    depth = _depth_inside_bins(classes)
    coarse = dict(num_bins=2, min=1.0, max=16.0, log=True)  # bins {0,1} and {2,3} merge
    fine = ContrastiveKDLoss(omega=0.5, label_bins=_LOG_BINS)(student, teacher, depth)
    merged = ContrastiveKDLoss(omega=0.5, label_bins=coarse)(student, teacher, depth)
    assert abs(fine.item() - merged.item()) > 1e-4
    torch.testing.assert_close(
        ContrastiveKDLoss(omega=0.5)(student, teacher, classes // 2), merged, rtol=0, atol=1e-12)
    # omega = 1: labels play no part, so any binning gives the label-free loss
    no_labels = ContrastiveKDLoss(omega=1.0)(student, teacher, torch.zeros_like(classes))
    got = ContrastiveKDLoss(omega=1.0, label_bins=coarse)(student, teacher, depth)
    torch.testing.assert_close(got, no_labels, rtol=0, atol=1e-12)


def test_invalid_depth_is_ignored_like_ignore_index():
    student, teacher, classes = _random(classes=4, seed=6)
    depth = _depth_inside_bins(classes)
    holes = torch.zeros_like(classes, dtype=torch.bool)
    holes[0, 0, :3] = True  # nan
    holes[1, 2, 1:4] = True  # zero depth: no measurement (log bins)
    depth[0, 0, :3] = float('nan')
    depth[1, 2, 1:4] = 0.0
    expected = ContrastiveKDLoss(omega=0.5)(student, teacher, classes.masked_fill(holes, 255))
    got = ContrastiveKDLoss(omega=0.5, label_bins=_LOG_BINS)(student, teacher, depth)
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)


def test_float_labels_without_bins_and_bad_bins_raise():
    student, teacher, classes = _random()
    with pytest.raises(ValueError, match='label_bins'):
        ContrastiveKDLoss()(student, teacher, classes.float())
    with pytest.raises(ValueError, match='lacks'):
        ContrastiveKDLoss(label_bins=dict(num_bins=8, min=0.5))
    with pytest.raises(ValueError, match='unknown keys'):
        ContrastiveKDLoss(label_bins=dict(num_bins=8, min=0.5, max=4.0, scale='log'))
    with pytest.raises(ValueError, match='max > min'):
        ContrastiveKDLoss(label_bins=dict(num_bins=8, min=4.0, max=4.0))
    with pytest.raises(ValueError, match='min > 0'):
        ContrastiveKDLoss(label_bins=dict(num_bins=8, min=0.0, max=4.0, log=True))
    with pytest.raises(ValueError, match='ignore_index'):
        ContrastiveKDLoss(ignore_index=3, label_bins=dict(num_bins=8, min=0.5, max=4.0))


# -- normalizer: what |C_s| is in (log2 ||C_s||^2 - log2 ||C_s * C_ty||^2) / |C_s| ------------------------


def _log_ratio_by_hand(student, teacher, labels, omega, ignore_index=255):
    """Per frame: the un-normalised log-ratio and the number of pixels used, with full matrices."""
    values, counts = [], []
    for b in range(student.shape[0]):
        keep = labels[b].flatten() != ignore_index
        zs, zt = _rows(student[b])[keep], _rows(teacher[b])[keep]
        y = labels[b].flatten()[keep]
        cs = zs @ zs.T
        cty = omega * (zt @ zt.T) + (1 - omega) * (y[:, None] == y[None]).to(zs.dtype)
        values.append(_log2_sq_norm(cs) - _log2_sq_norm(cs * cty))
        counts.append(float(keep.sum()))
    return torch.stack(values), torch.tensor(counts, dtype=torch.float64)


@pytest.mark.parametrize('omega', [0.0, 0.9, 1.0])
def test_normalizers_divide_each_frame_by_its_own_count(omega):
    # Frames with different pixel counts (frame 1 has an ignored row), so a batch-wide N would fail.
    student, teacher, labels = _random(b=3, h=5, w=6, seed=20)
    labels[1, 0] = 255
    values, counts = _log_ratio_by_hand(student, teacher, labels, omega)
    assert counts[0] == 30 and counts[1] == 24
    expected = {'num_samples': (values / counts).mean(), 'num_pairs': (values / counts**2).mean(),
                'none': values.mean()}
    for normalizer, value in expected.items():
        loss = ContrastiveKDLoss(omega=omega, normalizer=normalizer)(student, teacher, labels)
        assert torch.allclose(loss, value, rtol=1e-10), normalizer


def test_none_is_the_log_ratio_of_mean_squared_correlations():
    # 'none' is the per-pixel-pair mean form: dividing both Frobenius sums by N^2 inside the log changes
    # nothing.
    student, teacher, labels = _random(b=1, seed=21)
    zs, zt = _rows(student[0]), _rows(teacher[0])
    y = labels[0].flatten()
    cs = zs @ zs.T
    cty = 0.9 * (zt @ zt.T) + 0.1 * (y[:, None] == y[None]).double()
    expected = torch.log2((cs**2).mean()) - torch.log2(((cs * cty)**2).mean())
    assert torch.allclose(ContrastiveKDLoss(omega=0.9, normalizer='none')(student, teacher, labels), expected,
                          rtol=1e-10)


def test_gradients_scale_by_n_between_normalizers():
    # One frame of N = 42 pixels: grad('none') = N grad('num_samples') = N^2 grad('num_pairs'),
    # and loss_weight multiplies the gradient.
    student, teacher, labels = _random(b=1, h=6, w=7, seed=22)
    student.requires_grad_(True)
    n = 42
    grads = {}
    for normalizer in ('num_samples', 'num_pairs', 'none'):
        loss = ContrastiveKDLoss(omega=0.9, normalizer=normalizer)(student, teacher, labels)
        (grads[normalizer], ) = torch.autograd.grad(loss, student)
    assert grads['none'].abs().max() > 0
    assert torch.allclose(grads['none'], n * grads['num_samples'], rtol=1e-9, atol=1e-15)
    assert torch.allclose(grads['none'], n * n * grads['num_pairs'], rtol=1e-9, atol=1e-15)
    weighted = ContrastiveKDLoss(omega=0.9, normalizer='none', loss_weight=250.0)(student, teacher, labels)
    (grad, ) = torch.autograd.grad(weighted, student)
    assert torch.allclose(grad, 250.0 * grads['none'], rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize('normalizer', ['num_samples', 'num_pairs', 'none'])
def test_omega_one_ignores_labels_and_omega_zero_ignores_the_teacher(normalizer):
    # w = 1: pure distillation, the labels (none ignored) do not enter; w = 0: pure supervised
    # contrastive learning, the teacher does not enter. In between both do.
    student, teacher, labels = _random(b=2, seed=23)
    _, other_teacher, other_labels = _random(b=2, seed=24)
    assert not torch.equal(labels, other_labels)

    def loss(omega, t, y):
        return ContrastiveKDLoss(omega=omega, normalizer=normalizer)(student, t, y)

    assert torch.allclose(loss(1.0, teacher, labels), loss(1.0, teacher, other_labels), rtol=1e-12)
    assert torch.allclose(loss(0.0, teacher, labels), loss(0.0, other_teacher, labels), rtol=1e-12)
    assert not torch.allclose(loss(1.0, teacher, labels), loss(1.0, other_teacher, labels), rtol=1e-6)
    assert not torch.allclose(loss(0.0, teacher, labels), loss(0.0, teacher, other_labels), rtol=1e-6)
    assert not torch.allclose(loss(0.5, teacher, labels), loss(0.5, teacher, other_labels), rtol=1e-6)
    assert not torch.allclose(loss(0.5, teacher, labels), loss(0.5, other_teacher, labels), rtol=1e-6)


def test_bad_normalizer_raises():
    with pytest.raises(ValueError, match="normalizer must be 'num_samples', 'num_pairs' or 'none'"):
        ContrastiveKDLoss(normalizer='mean')
