"""optimize_for_inference / fold_batch_norms: no batch norm left, the same outputs and masks as eager."""
import pytest
import torch
import torch.nn as nn

from mobilevos.inference import VideoInferencer, fold_batch_norms, optimize_for_inference
from mobilevos.models.vos import segment_frame
from tests.models.vos.tiny import build_tiny


def with_random_statistics(network: nn.Module, seed: int = 0) -> nn.Module:
    """Give every batch norm non-trivial running statistics and affine parameters (else folding is a no-op)."""
    generator = torch.Generator().manual_seed(seed)
    for module in network.modules():
        if isinstance(module, nn.BatchNorm2d):
            shape = module.running_mean.shape
            module.running_mean.copy_(torch.randn(shape, generator=generator))
            module.running_var.copy_(torch.rand(shape, generator=generator) + 0.5)
            module.weight.data.copy_(torch.randn(shape, generator=generator))
            module.bias.data.copy_(torch.randn(shape, generator=generator))
    return network.eval()


def count_batch_norms(module: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d) for m in module.modules())


def test_fold_batch_norms_removes_them_and_keeps_the_function():
    block = with_random_statistics(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8),
                                                 nn.ReLU6(), nn.Conv2d(8, 4, 1), nn.BatchNorm2d(4)))
    folded = fold_batch_norms(block)
    x = torch.randn(2, 3, 12, 16)
    assert count_batch_norms(folded) == 0 and count_batch_norms(block) == 2
    with torch.no_grad():
        assert torch.allclose(folded(x), block(x), atol=1e-5)
        assert (block(x) - block[4].bias[:, None, None]).abs().max() > 0.1  # the norms did change the output


def test_fold_batch_norms_refuses_training_mode():
    with pytest.raises(ValueError, match=r'training mode; call \.eval\(\)'):
        fold_batch_norms(nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8)), 'stem')


def test_optimized_network_gives_the_same_steps_and_leaves_the_original_alone():
    neck = dict(type='ASPPNeck', channels=16, dilations=(1, 2))
    network = with_random_statistics(build_tiny(neck=neck))
    before = count_batch_norms(network)
    fast = optimize_for_inference(network)
    assert before > 0 and count_batch_norms(network) == before and count_batch_norms(fast) == 0
    assert fast.decoder.pred.weight.is_contiguous(memory_format=torch.channels_last)
    frame = torch.randn(1, 3, 48, 64)
    masks = torch.rand(1, 2, 48, 64)
    with torch.no_grad():
        slow_feats, fast_feats = network.encode_key(frame), fast.encode_key(frame)
        for slow, quick in zip(slow_feats, fast_feats):
            assert torch.allclose(slow, quick, atol=1e-4, rtol=1e-4)
        values = network.encode_value(frame, slow_feats[2], masks, 1 - masks)
        assert torch.allclose(fast.encode_value(frame, fast_feats[2], masks, 1 - masks), values, atol=1e-4)


def test_the_propagation_loop_gives_the_eager_logits():
    """Compared on logits: an untrained network has near-tied objects, whose argmax flips on 1e-6 changes."""
    network = with_random_statistics(build_tiny())
    fast = VideoInferencer(network, optimize=True).model
    assert fast is not network and count_batch_norms(fast) == 0
    generator = torch.Generator().manual_seed(0)
    frames = torch.randn(5, 1, 3, 64, 64, generator=generator)
    first = (torch.rand(1, 2, 64, 64, generator=generator) > 0.5).float()
    first[:, 1] *= 1 - first[:, 0]
    logits = {}
    for name, model in (('eager', network), ('fast', fast)):
        bank, known, logits[name] = model.build_memory(), torch.zeros(1, 2, dtype=torch.bool), []
        with torch.no_grad():
            for t, frame in enumerate(frames):
                annotated = torch.full((1, 2), t == 0)
                out, known = segment_frame(model, frame, bank, t, known, first if t == 0 else None, annotated)
                logits[name].append(out)
    for slow, quick in zip(logits['eager'][1:], logits['fast'][1:]):
        assert slow.std() > 0.1 and torch.allclose(quick, slow, atol=1e-4)


def test_optimize_needs_a_torch_network():
    class Steps:  # the step methods, but no nn.Module (like an exported runtime)
        encode_key = encode_value = read_memory = decode = aggregate = None

    with pytest.raises(TypeError, match='not one'):
        VideoInferencer(Steps(), optimize=True)
