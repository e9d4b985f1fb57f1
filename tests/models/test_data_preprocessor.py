"""VOSDataPreprocessor: normalisation, padding to the size divisor, masks padded with 255."""
import pytest
import torch

from mobilevos.registry import MODELS
from mobilevos.structures import VOSDataSample


def sample(masks):
    s = VOSDataSample(metainfo=dict(num_objects=1))
    s.gt_masks = masks
    return s


def test_normalise_pad_and_batch_clips_of_different_sizes():
    pre = MODELS.build(dict(type='VOSDataPreprocessor', mean=(10, 20, 30), std=(2, 4, 5), size_divisor=16))
    clip_a = torch.full((2, 3, 20, 30), 50, dtype=torch.uint8)
    clip_b = torch.full((2, 3, 18, 16), 50, dtype=torch.uint8)
    samples = [
        sample(torch.ones(2, 20, 30, dtype=torch.long)),
        sample(torch.ones(2, 18, 16, dtype=torch.long))
    ]
    out = pre(dict(inputs=[clip_a, clip_b], data_samples=samples), training=True)
    inputs = out['inputs']
    assert inputs.shape == (2, 2, 3, 32, 32) and inputs.dtype == torch.float32
    assert inputs[0, :, :, :20, :30].unique().tolist() == [4.0, 7.5, 20.0]  # (50 - mean) / std per channel
    torch.testing.assert_close(inputs[0, 0, :, 0, 0], torch.tensor([20.0, 7.5, 4.0]))
    assert inputs[0, :, :, 20:].eq(0).all() and inputs[1, :, :, :, 16:].eq(0).all()
    masks = out['data_samples'][1].gt_masks
    assert masks.shape == (2, 32, 32) and masks[:, :18, :16].eq(1).all() and masks[:, 18:].eq(255).all()
    assert out['data_samples'][1].metainfo['img_shape'] == (18, 16)
    assert out['data_samples'][0].metainfo['pad_shape'] == (32, 32)


def test_bgr_to_rgb_and_errors():
    pre = MODELS.build(dict(type='VOSDataPreprocessor', mean=(0, 0, 0), std=(1, 1, 1), bgr_to_rgb=True))
    clip = torch.zeros(1, 3, 16, 16)
    clip[:, 0] = 1
    out = pre(dict(inputs=clip[None]))
    assert out['inputs'][0, 0, 2].eq(1).all() and out['inputs'][0, 0, 0].eq(0).all()
    with pytest.raises(ValueError, match=r'inputs\[1\] has 2 frames'):
        pre(dict(inputs=[torch.zeros(1, 3, 16, 16), torch.zeros(2, 3, 16, 16)]))
    with pytest.raises(ValueError, match='gt_masks has size'):
        pre(dict(inputs=[torch.zeros(1, 3, 16, 16)], data_samples=[sample(torch.zeros(1, 8, 8))]))
