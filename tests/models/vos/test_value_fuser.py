"""ResBlock.forward_shared (ValueFuser, STMDecoder): a frame's map shared by its objects, computed once
per frame, gives the concatenation's function."""
import pytest
import torch
import torch.nn.functional as F

from mobilevos.models.vos import STMDecoder, ValueFuser


def concatenated(fuser: ValueFuser, value_feat: torch.Tensor, key_feat: torch.Tensor) -> torch.Tensor:
    """STCN's form, written out here: each object's value map concatenated with its frame's key map."""
    objects = value_feat.shape[0] // key_feat.shape[0]
    x = fuser.block1(torch.cat([value_feat, key_feat.repeat_interleave(objects, dim=0)], dim=1))
    if fuser.attention is not None:
        x = x + fuser.attention(x)
    return fuser.block2(x)


@pytest.mark.parametrize('shortcut_kernel,with_attention,channels',
                         [(1, True, (6, 10, 8)), (3, True, (6, 10, 8)), (1, False, (6, 10, 8)),
                          (3, True, (3, 5, 8))])
def test_split_block1_equals_the_concatenation(shortcut_kernel, with_attention, channels):
    torch.manual_seed(0)
    value_ch, key_ch, out_ch = channels  # the last case: 3 + 5 == 8, an identity shortcut
    fuser = ValueFuser(value_ch, key_ch, out_ch, with_attention=with_attention,
                       shortcut_kernel=shortcut_kernel)
    for p in fuser.parameters():  # non-zero biases everywhere, so a dropped or doubled bias shows
        torch.nn.init.normal_(p, std=0.3)
    batch, objects = 2, 3
    value_feat = torch.randn(batch * objects, value_ch, 4, 5, requires_grad=True)
    key_feat = torch.randn(batch, key_ch, 4, 5, requires_grad=True)
    got = fuser(value_feat, key_feat)
    expected = concatenated(fuser, value_feat, key_feat)
    assert got.shape == (batch * objects, out_ch, 4, 5)
    assert torch.allclose(got, expected, atol=1e-5, rtol=1e-5)
    # the frames differ, the objects of a frame differ: a wrong pairing of objects and frames would show
    assert not torch.allclose(got[:objects], got[objects:])
    # the same gradients, for the parameters (training) and both inputs
    weight = torch.randn_like(got)
    grads = torch.autograd.grad((got * weight).sum(), [value_feat, key_feat] + list(fuser.parameters()))
    ref = torch.autograd.grad((expected * weight).sum(), [value_feat, key_feat] + list(fuser.parameters()))
    for g, r in zip(grads, ref):
        assert torch.allclose(g, r, atol=1e-4, rtol=1e-4)


def test_a_key_map_per_object_is_accepted_and_a_mismatch_is_an_error():
    fuser = ValueFuser(4, 6, 8, shortcut_kernel=1).eval()
    value_feat, key_feat = torch.randn(3, 4, 2, 2), torch.randn(1, 6, 2, 2)
    with torch.no_grad():
        once = fuser(value_feat, key_feat)
        per_object = fuser(value_feat, key_feat.expand(3, -1, -1, -1))
    assert torch.allclose(once, per_object, atol=1e-6)
    with pytest.raises(ValueError, match='whole frames of objects'):
        fuser(torch.randn(3, 4, 2, 2), torch.randn(2, 6, 2, 2))
    with pytest.raises(ValueError, match='10 channels'):  # 4 + 5 channels for a block of 4 + 6
        fuser(torch.randn(3, 4, 2, 2), torch.randn(1, 5, 2, 2))


def test_decoder_takes_the_query_once_per_frame():
    torch.manual_seed(1)
    decoder = STMDecoder(in_channels=6 + 4, skip_channels=(5, 3), channels=(8, 6, 4), shortcut_kernel=1)
    for p in decoder.parameters():
        torch.nn.init.normal_(p, std=0.3)
    batch, objects, h, w = 2, 3, 2, 3
    readout, query = torch.randn(batch, objects, 6, h, w), torch.randn(batch, 4, h, w)
    f8, f4 = torch.randn(batch, 5, 2 * h, 2 * w), torch.randn(batch, 3, 4 * h, 4 * w)
    got = decoder(readout, query, f8, f4)
    # STCN's form, written out: the query concatenated onto every object's read-out before compress
    x = torch.cat([readout, query.unsqueeze(1).expand(-1, objects, -1, -1, -1)], dim=2)
    y = decoder.compress(x.flatten(0, 1)).unflatten(0, (batch, objects))
    y = decoder.up_16_8.fuse(decoder.up_16_8.skip_conv(f8), y)
    y = decoder.up_8_4.fuse(decoder.up_8_4.skip_conv(f4), y).flatten(0, 1)
    expected = F.interpolate(decoder.pred(F.relu(y)), scale_factor=4.0, mode='bilinear', align_corners=False)
    assert got.shape == (batch, objects, 16 * h, 16 * w)
    assert torch.allclose(got, expected.squeeze(1).unflatten(0, (batch, objects)), atol=1e-5, rtol=1e-5)
    assert not torch.allclose(got[0], got[1])
