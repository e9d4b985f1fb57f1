"""The distillation configs' 8-frame clips, drawn from the synthetic set's 10-frame videos at every skip of
the max-skip curriculum (5 .. 25): always 8 distinct frames in order, gaps within the skip."""
import os.path as osp

import numpy as np
from mmengine.config import Config

from mobilevos.registry import DATASETS
from mobilevos.utils import register_all_modules

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_8_frame_clips_from_10_frame_videos_at_every_curriculum_skip(tmp_path):
    register_all_modules()
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'distill_r50_to_mbv2.py'))
    clips = cfg.train_dataloader.dataset
    assert clips.num_frames == 8 and clips.dataset.num_frames == 10  # the configs' values
    clips.dataset.update(data_root=str(tmp_path), num_videos=3, size=(32, 32), num_val_videos=1)
    clips.pipeline = []  # the sampled frame indices, before augmentation
    dataset = DATASETS.build(clips)
    (curriculum, ) = [hook for hook in cfg.custom_hooks if hook.type == 'MaxSkipCurriculumHook']
    skips = [curriculum.initial, *curriculum['values']]
    assert max(skips) == 25
    reversed_seen = False
    for skip in skips:
        dataset.set_max_skip(skip)
        for index in range(12):
            clip = dataset[index % len(dataset)]
            ids = clip['frame_ids']
            ordered = sorted(ids)
            assert len(clip['frames']) == len(clip['masks']) == len(ids) == 8
            assert ids in (ordered, ordered[::-1])
            reversed_seen |= ids != ordered
            gaps = np.diff(ordered)
            assert gaps.min() >= 1 and gaps.max() <= skip and 0 <= ordered[0] and ordered[-1] <= 9, ids
    assert reversed_seen  # reverse_prob 0.5 still plays some clips backwards
