"""logits_to_labels: the one way logits become ids (inferencer and predict mode)."""
import torch

from mobilevos.models.vos import logits_to_labels


def test_ids_are_the_channel_of_the_largest_logit_and_the_first_on_ties():
    # (1, 3, 1, 4): background, object 1, object 2 at four pixels
    logits = torch.tensor([[[[0.0, 1.0, 2.0, 5.0]], [[1.0, 1.0, 3.0, 5.0]], [[0.5, 0.0, 3.0, 5.0]]]])
    # ties: pixel 1 (bg, 1) -> 0, pixel 2 (1, 2) -> 1, pixel 3 (all) -> 0
    expected = torch.tensor([[[1, 0, 1, 0]]])
    assert torch.equal(logits_to_labels(logits), expected)


def test_dim_selects_the_channel_axis_of_clip_logits():
    logits = torch.zeros(2, 3, 4, 5, 6)  # (B, T, K+1, H, W)
    logits[0, 1, 2, 3, 4] = 1.0
    logits[1, 2, 3, 0, 0] = 1.0
    labels = logits_to_labels(logits, dim=2)
    assert labels.shape == (2, 3, 5, 6)
    assert labels[0, 1, 3, 4] == 2 and labels[1, 2, 0, 0] == 3
    assert int(labels.sum()) == 5  # every other pixel: all tie -> background


def test_matches_argmax_on_random_logits_with_ties():
    generator = torch.Generator().manual_seed(0)
    logits = torch.randint(0, 3, (2, 4, 3, 16, 16), generator=generator).float()
    assert torch.equal(logits_to_labels(logits, dim=2), logits.argmax(dim=2))
