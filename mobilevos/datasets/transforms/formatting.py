"""Pack a transformed clip into model inputs and a ``VOSDataSample``."""
from typing import Sequence

import numpy as np
import torch

from mobilevos.registry import TRANSFORMS
from mobilevos.structures import VOSDataSample


@TRANSFORMS.register_module()
class PackVOSInputs:
    """Turn ``results['frames'|'masks']`` into ``inputs`` and ``data_samples``.

    Output:

    - ``inputs``: ``(T, 3, H, W)`` uint8 RGB tensor (the data preprocessor
      normalises it);
    - ``data_samples``: a :class:`VOSDataSample` with ``gt_masks`` ``(T, H, W)``
      int64 and the meta keys listed in ``meta_keys`` that ``results`` has.
    """

    def __init__(self, meta_keys: Sequence[str] = ('video', 'frame_ids', 'object_ids', 'num_objects',
                                                   'ori_shape', 'img_shape', 'palette')):
        self.meta_keys = tuple(meta_keys)

    def __call__(self, results: dict) -> dict:
        frames = np.stack(results['frames'])  # (T, H, W, 3)
        masks = np.stack(results['masks'])  # (T, H, W)
        inputs = torch.from_numpy(np.ascontiguousarray(frames.transpose(0, 3, 1, 2)))  # (T, 3, H, W)
        results['img_shape'] = tuple(masks.shape[1:])
        metainfo = {key: results[key] for key in self.meta_keys if key in results}
        sample = VOSDataSample(metainfo=metainfo)
        sample.gt_masks = torch.from_numpy(masks.astype(np.int64))
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{type(self).__name__}(meta_keys={self.meta_keys})'
