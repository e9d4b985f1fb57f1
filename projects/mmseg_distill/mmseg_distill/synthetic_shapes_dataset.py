"""A synthetic semantic-segmentation dataset in mmseg's format, made in memory from a seed."""
from typing import List

import numpy as np
from mmengine.dataset import BaseDataset

from mobilevos.registry import DATASETS
from .shapes_renderer import CLASSES, PALETTE, render_shapes


@DATASETS.register_module()
class SyntheticShapesDataset(BaseDataset):
    """``num_samples`` images of :func:`render_shapes`, image ``i`` drawn from ``(seed, i)``.

    Items are the dicts mmseg's transforms use (``img (H, W, 3) uint8`` RGB,
    ``gt_seg_map (H, W) uint8``, ``img_shape``, ``ori_shape``,
    ``seg_fields``, ``reduce_zero_label=False``); end the pipeline with
    ``mmseg.PackSegInputs``. ``metainfo`` has ``classes`` and ``palette``, as
    mmseg's ``IoUMetric`` expects.

    Args:
        num_samples: number of images.
        size: image side in pixels.
        seed: the split's seed (different seeds share no image).
        max_shapes: at most this many shapes per image.
        pipeline: transforms.
        **kwargs: other ``BaseDataset`` arguments.
    """

    METAINFO = dict(classes=CLASSES, palette=PALETTE)

    def __init__(self,
                 num_samples: int = 1000,
                 size: int = 64,
                 seed: int = 0,
                 max_shapes: int = 4,
                 pipeline=(),
                 **kwargs) -> None:
        if int(num_samples) < 1 or int(size) < 16:
            raise ValueError(
                f'SyntheticShapesDataset: need num_samples >= 1 and size >= 16, got {num_samples}, '
                f'{size}')
        self.num_samples, self.size = int(num_samples), int(size)
        self.seed, self.max_shapes = int(seed), int(max_shapes)
        super().__init__(ann_file='', data_root='', pipeline=list(pipeline), **kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = []
        for index in range(self.num_samples):
            image, labels = render_shapes(np.random.default_rng([self.seed, index]), self.size,
                                          self.max_shapes)
            data_list.append(
                dict(img=image,
                     gt_seg_map=labels,
                     img_shape=image.shape[:2],
                     ori_shape=image.shape[:2],
                     seg_fields=['gt_seg_map'],
                     reduce_zero_label=False,
                     sample_idx=index))
        return data_list
