"""Memory read-out: STCN's L2 affinity, dot product, validity masking, top-k."""
import math

import pytest
import torch

from mobilevos.models.vos import MemoryReader


def random_memory(batch=2, ck=8, length=3, objects=2, cv=5, h=2, w=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    query = torch.randn(batch, ck, h, w, generator=g)
    keys = torch.randn(batch, ck, length, h, w, generator=g)
    values = torch.randn(batch, objects, cv, length, h, w, generator=g)
    return query, keys, values


def reference_readout(query, keys, values, valid, similarity):
    """Per query position: softmax over the valid memory positions of each object, by explicit loops."""
    batch, ck, length, h, w = keys.shape
    out = torch.zeros(values.shape[:3] + (h, w))
    for b in range(batch):
        mk = keys[b].reshape(ck, -1)  # (Ck, N)
        for j in range(h * w):
            q = query[b].reshape(ck, -1)[:, j]
            if similarity == 'l2':
                scores = -((mk - q[:, None])**2).sum(0) / math.sqrt(ck)  # full -||k - q||^2 / sqrt(d)
            else:
                scores = (mk * q[:, None]).sum(0) / math.sqrt(ck)
            for k in range(values.shape[1]):
                position_valid = valid[b, k].repeat_interleave(h * w).bool()  # (N,)
                if not position_valid.any():
                    continue
                weights = torch.softmax(scores[position_valid], 0)
                v = values[b, k].reshape(values.shape[2], -1)[:, position_valid]
                out[b, k].view(values.shape[2], -1)[:, j] = v @ weights
    return out


@pytest.mark.parametrize('similarity', ['l2', 'dot'])
def test_readout_matches_explicit_softmax(similarity):
    query, keys, values = random_memory()
    valid = torch.ones(2, 2, 3)
    out = MemoryReader(similarity)(query, keys, values, valid)
    assert out.shape == (2, 2, 5, 2, 3)
    torch.testing.assert_close(out,
                               reference_readout(query, keys, values, valid, similarity),
                               atol=1e-5,
                               rtol=1e-5)


def test_affinity_columns_are_distributions():
    query, keys, _ = random_memory()
    weights = MemoryReader('l2').affinity(query, keys)
    assert weights.shape == (2, 3 * 6, 6)
    torch.testing.assert_close(weights.sum(1), torch.ones(2, 6))


def test_invalid_frames_are_left_out_exactly():
    query, keys, values = random_memory()
    valid = torch.ones(2, 2, 3)
    valid[0, 1, 0] = 0  # object 2 of sample 0 had no value in frame 0
    valid[1, 0, 2] = 0
    reader = MemoryReader('l2')
    out = reader(query, keys, values, valid)
    torch.testing.assert_close(out, reference_readout(query, keys, values, valid, 'l2'), atol=1e-5, rtol=1e-5)
    # the same as reading a memory that does not hold frame 0 at all, for that object
    without = reader(query[:1], keys[:1, :, 1:], values[:1, :, :, 1:], torch.ones(1, 2, 2))
    torch.testing.assert_close(out[0, 1], without[0, 1], atol=1e-5, rtol=1e-5)
    # and the values held in an invalid frame do not matter
    changed = values.clone()
    changed[0, 1, :, 0] = 1e3
    torch.testing.assert_close(reader(query, keys, changed, valid), out)


def test_object_without_any_valid_frame_reads_zeros():
    query, keys, values = random_memory()
    valid = torch.ones(2, 2, 3)
    valid[:, 1] = 0
    out = MemoryReader()(query, keys, values, valid)
    assert torch.equal(out[:, 1], torch.zeros_like(out[:, 1]))
    assert out[:, 0].abs().sum() > 0


def test_top_k():
    query, keys, values = random_memory()
    valid = torch.ones(2, 2, 3)
    reader = MemoryReader('l2')
    torch.testing.assert_close(reader(query, keys, values, valid, top_k=18),
                               reader(query, keys, values, valid))
    weights = reader.affinity(query, keys, top_k=4)
    assert ((weights > 0).sum(1) == 4).all()
    torch.testing.assert_close(weights.sum(1), torch.ones(2, 6))
    # top-1 copies the value at the most similar memory position
    one = reader(query, keys, values, valid, top_k=1)
    best = reader.affinity(query, keys).argmax(1)  # (B, h*w)
    flat_values = values.flatten(3)  # (B, K, Cv, N)
    expected = torch.gather(flat_values, 3, best[:, None, None].expand(-1, 2, 5, -1)).view_as(one)
    torch.testing.assert_close(one, expected)


def test_bad_options():
    with pytest.raises(ValueError, match='similarity'):
        MemoryReader('cosine')
    with pytest.raises(ValueError, match='top_k'):
        MemoryReader(top_k=0)
