"""Data preprocessor for clips: normalise frames, pad to a size divisor, batch."""
from typing import List, Optional, Sequence, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor

from mobilevos.registry import MODELS
from mobilevos.structures.vos_data_sample import VOSDataSample


@MODELS.register_module()
class VOSDataPreprocessor(BaseDataPreprocessor):
    """Turn a batch of clips into the network's input.

    Input ``data``:

    - ``inputs``: a list of ``B`` clips ``(T, 3, H_b, W_b)`` (uint8 or float,
      0..255) or one tensor ``(B, T, 3, H, W)``. All clips have the same ``T``.
    - ``data_samples``: a list of ``B`` :class:`VOSDataSample` with
      ``gt_masks (T, H_b, W_b)`` (optional at inference).

    Output: ``dict(inputs=(B, T, 3, H, W) float, data_samples=...)``, where
    frames are normalised, padded at the bottom/right with ``pad_val`` (after
    normalisation, so padding is the mean colour for 0) to the largest clip
    size rounded up to ``size_divisor``; ``gt_masks`` are padded with
    ``seg_pad_val`` (ignored by the loss). Each sample gets metainfo
    ``img_shape`` (its size before padding, unless already set),
    ``pad_shape`` and ``batch_input_shape``.

    Args:
        mean: per-channel mean, in 0..255 units, in the order of the output channels.
        std: per-channel standard deviation, 0..255 units.
        bgr_to_rgb: reverse the channel order of the input before normalising.
        size_divisor: pad H and W up to a multiple of this (16 for the STM networks).
        pad_val: value of padded frame pixels after normalisation.
        seg_pad_val: value of padded mask pixels.
        non_blocking: as in mmengine's ``BaseDataPreprocessor``.
    """

    def __init__(self,
                 mean: Sequence[float] = (123.675, 116.28, 103.53),
                 std: Sequence[float] = (58.395, 57.12, 57.375),
                 bgr_to_rgb: bool = False,
                 size_divisor: int = 16,
                 pad_val: float = 0.0,
                 seg_pad_val: int = 255,
                 non_blocking: bool = False):
        super().__init__(non_blocking)
        if len(mean) != 3 or len(std) != 3:
            raise ValueError(f'mean and std need 3 values, got {mean} and {std}')
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32).view(3, 1, 1), persistent=False)
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32).view(3, 1, 1), persistent=False)
        self.bgr_to_rgb = bgr_to_rgb
        self.size_divisor = size_divisor
        self.pad_val = pad_val
        self.seg_pad_val = seg_pad_val

    def normalize(self, frames: torch.Tensor) -> torch.Tensor:
        """``(..., 3, H, W)`` 0..255 -> float, channel-flipped if ``bgr_to_rgb``, normalised."""
        frames = frames.to(self.mean.device, torch.float32)
        if self.bgr_to_rgb:
            frames = frames.flip(-3)
        return (frames - self.mean) / self.std

    def padded_size(self, height: int, width: int) -> tuple:
        """``(H, W)`` rounded up to ``size_divisor``."""
        d = self.size_divisor
        return (-(-height // d) * d, -(-width // d) * d)

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        clips: Union[torch.Tensor, List[torch.Tensor]] = data['inputs']
        if isinstance(clips, torch.Tensor):
            if clips.dim() != 5:
                raise ValueError(f'inputs must be (B, T, 3, H, W), got {tuple(clips.shape)}')
            clips = list(clips)
        samples: Optional[List[VOSDataSample]] = data.get('data_samples', None)
        for i, clip in enumerate(clips):
            if clip.dim() != 4 or clip.shape[1] != 3:
                raise ValueError(f'inputs[{i}] must be a clip (T, 3, H, W), got {tuple(clip.shape)}')
            if clip.shape[0] != clips[0].shape[0]:
                raise ValueError(f'inputs[{i}] has {clip.shape[0]} frames, inputs[0] has {clips[0].shape[0]}')
        height = max(int(c.shape[-2]) for c in clips)
        width = max(int(c.shape[-1]) for c in clips)
        pad_h, pad_w = self.padded_size(height, width)
        batch = []
        for i, clip in enumerate(clips):
            h, w = clip.shape[-2:]
            batch.append(F.pad(self.normalize(clip), (0, pad_w - w, 0, pad_h - h), value=self.pad_val))
            if samples is None:
                continue
            sample = samples[i]
            if 'img_shape' not in sample.metainfo:
                sample.set_metainfo(dict(img_shape=(int(h), int(w))))
            sample.set_metainfo(dict(pad_shape=(pad_h, pad_w), batch_input_shape=(pad_h, pad_w)))
            if 'gt_masks' in sample:
                masks = sample.gt_masks
                if masks.shape[-2:] != clip.shape[-2:]:
                    raise ValueError(f'data_samples[{i}].gt_masks has size {tuple(masks.shape[-2:])}, '
                                     f'its frames {tuple(clip.shape[-2:])}')
                sample.gt_masks = F.pad(masks.long(), (0, pad_w - w, 0, pad_h - h), value=self.seg_pad_val)
        return dict(inputs=torch.stack(batch), data_samples=samples)
