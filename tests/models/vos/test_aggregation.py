"""Soft aggregation: background-first logits; padded objects change nothing."""
import torch

from mobilevos.models.vos import PADDED_LOGIT, SoftAggregation


def test_shapes_and_background_is_product_of_complements():
    prob = torch.tensor([0.2, 0.5, 0.9]).view(1, 3, 1, 1).expand(1, 3, 2, 2)
    logits = SoftAggregation()(prob)
    assert logits.shape == (1, 4, 2, 2)
    p = torch.sigmoid(logits[0, :, 0, 0])  # logit -> the clamped probability it came from
    torch.testing.assert_close(p, torch.tensor([0.8 * 0.5 * 0.1, 0.2, 0.5, 0.9]))
    assert torch.softmax(logits, 1).argmax(1).eq(3).all()


def test_padded_objects_do_not_affect_real_ones():
    aggregate = SoftAggregation()
    g = torch.Generator().manual_seed(0)
    real = torch.rand(2, 2, 4, 4, generator=g)
    padded = torch.cat([real, torch.rand(2, 1, 4, 4, generator=g)], dim=1)  # garbage in the padded slot
    valid = torch.tensor([[1., 1., 0.], [1., 1., 0.]])
    alone = torch.softmax(aggregate(real), 1)
    together = torch.softmax(aggregate(padded, valid), 1)
    torch.testing.assert_close(together[:, :3], alone)
    assert torch.equal(together[:, 3], torch.zeros(2, 4, 4))
    assert (aggregate(padded, valid)[:, 3] == PADDED_LOGIT).all()


def test_hard_masks_stay_hard():
    masks = torch.zeros(1, 2, 3, 3)
    masks[0, 0, 0] = 1
    masks[0, 1, 2] = 1
    probs = torch.softmax(SoftAggregation()(masks), 1)
    expected = torch.stack([1 - masks.sum(1)[0], masks[0, 0], masks[0, 1]])
    torch.testing.assert_close(probs[0], expected, atol=1e-6, rtol=0)
