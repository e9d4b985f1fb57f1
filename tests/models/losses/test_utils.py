"""Helpers of the dense losses: binning continuous labels, resizing labels."""
import pytest
import torch

from mobilevos.models.losses.utils import bin_continuous_labels, check_label_bins, resize_labels, resize_map


def test_linear_bins_by_hand():
    # min 0, max 4, four bins of width 1; out-of-range values go to the end bins
    values = torch.tensor([-1.0, 0.0, 0.99, 1.0, 2.5, 3.5, 4.0, 10.0, float('nan'), float('inf')])
    got = bin_continuous_labels(values, num_bins=4, min=0.0, max=4.0)
    assert got.dtype == torch.int64
    assert got.tolist() == [0, 0, 0, 1, 2, 3, 3, 3, 255, 255]


def test_log_bins_by_hand():
    # min 1, max 16, four bins: [1,2) [2,4) [4,8) [8,16]; depth <= 0 is "no measurement"
    values = torch.tensor([[0.5, 1.5, 3.0, 5.0], [12.0, 20.0, 0.0, -1.0]])
    got = bin_continuous_labels(values, num_bins=4, min=1.0, max=16.0, log=True, ignore_index=-1)
    assert got.tolist() == [[0, 0, 1, 2], [3, 3, -1, -1]]


def test_bins_are_checked():
    assert check_label_bins('x', dict(num_bins=3, min=1, max=2)) == dict(num_bins=3,
                                                                         min=1.0,
                                                                         max=2.0,
                                                                         log=False)
    with pytest.raises(ValueError, match='num_bins'):
        check_label_bins('x', dict(num_bins=0, min=1, max=2))
    with pytest.raises(ValueError, match='a dict'):
        check_label_bins('x', [16, 0.5, 10])
    with pytest.raises(ValueError, match='ignore_index'):
        bin_continuous_labels(torch.ones(3), num_bins=4, min=0.0, max=1.0, ignore_index=2)


def test_resized_labels_sit_on_the_bilinear_grid():
    # Downsampling by 4: each output cell covers input pixels 4i..4i+3, centre 4i+1.5. The label is the
    # pixel at 4i+2 (nearest to the centre, ties up), not the cell's top-left 4i.
    labels = torch.arange(16 * 12).reshape(1, 16, 12)
    assert torch.equal(resize_labels(labels, (4, 3)), labels[:, 2::4, 2::4])
    assert torch.equal(resize_labels(labels, (4, 3), mode='nearest'), labels[:, 0::4, 0::4])
    # The same grid as the features: a map that is constant along x and equals the row index y is
    # resized bilinearly (align_corners=False) to the centre row of each cell, 4i+1.5, which the
    # labels' row 4i+2 is the nearest pixel to.
    rows = torch.arange(16, dtype=torch.float64).reshape(1, 1, 16, 1).expand(1, 1, 16, 12)
    centres = resize_map(rows, (4, 3))[0, 0, :, 0]
    picked = resize_labels(labels, (4, 3))[0, :, 0] // 12  # row index of each label
    assert torch.all((picked.double() - centres).abs() <= 0.5)
    # Upsampling by 2 copies each label into a 2x2 block.
    assert torch.equal(resize_labels(labels, (32, 24)), labels.repeat_interleave(2, 1).repeat_interleave(2, 2))
    with pytest.raises(ValueError, match='nearest'):
        resize_labels(labels, (4, 3), mode='bilinear')
