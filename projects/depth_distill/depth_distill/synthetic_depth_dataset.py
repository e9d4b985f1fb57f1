"""A synthetic monocular-depth dataset: rendered scenes with exact depth, made in memory from a seed."""
from typing import List

import numpy as np
from mmengine.dataset import BaseDataset

from mobilevos.registry import DATASETS
from .scene_renderer import render_scene


@DATASETS.register_module()
class SyntheticDepthDataset(BaseDataset):
    """``num_samples`` scenes of :func:`render_scene`, scene ``i`` drawn from ``(seed, i)``.

    Two datasets with different ``seed`` share no scene, so a split is a seed
    (e.g. train ``seed=0``, held-out ``seed=1``). Each item is the dict mmseg's
    transforms use: ``img (H, W, 3) uint8`` (RGB), ``gt_depth_map (H, W)
    float32`` in metres, ``img_shape`` and ``ori_shape``; end the pipeline
    with ``mmseg.PackSegInputs`` to get ``inputs (3, H, W)`` and a
    ``SegDataSample`` with ``gt_depth_map``.

    Args:
        num_samples: number of scenes.
        size: image side in pixels.
        seed: the split's seed.
        pipeline: transforms applied to each item.
        **kwargs: other ``BaseDataset`` arguments (``test_mode``, ``lazy_init``...).
    """

    METAINFO = dict(task='depth', unit='metre')

    def __init__(self, num_samples: int = 1000, size: int = 64, seed: int = 0, pipeline=(), **kwargs) -> None:
        if int(num_samples) < 1 or int(size) < 8:
            raise ValueError(
                f'SyntheticDepthDataset: need num_samples >= 1 and size >= 8, got {num_samples}, '
                f'{size}')
        self.num_samples = int(num_samples)
        self.size = int(size)
        self.seed = int(seed)
        super().__init__(ann_file='', data_root='', pipeline=list(pipeline), **kwargs)

    def load_data_list(self) -> List[dict]:
        data_list = []
        for index in range(self.num_samples):
            image, depth = render_scene(np.random.default_rng([self.seed, index]), self.size)
            data_list.append(
                dict(img=image,
                     gt_depth_map=depth,
                     img_shape=image.shape[:2],
                     ori_shape=image.shape[:2],
                     sample_idx=index))
        return data_list
