"""projects/depth_distill: the metric by hand, exact ray casting, and training through tools/train.py."""
import math
import os.path as osp
import sys
from typing import List

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from .train_helpers import ROOT, package_files_naming, train_tiny

CONFIGS = osp.join(ROOT, 'projects', 'depth_distill', 'configs')
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from projects.depth_distill.depth_distill import DepthErrorMetric, render_scene  # noqa: E402
from projects.depth_distill.depth_distill import scene_renderer  # noqa: E402
from mobilevos.registry import MODELS  # noqa: E402


def _sample(pred: List[List[float]], gt: List[List[float]]) -> dict:
    return dict(pred_depth_map=dict(data=torch.tensor([pred])), gt_depth_map=dict(data=torch.tensor([gt])))


def test_metric_matches_hand_computed_values():
    metric = DepthErrorMetric()
    metric.dataset_meta = {}
    # image 1: p = (1, 2, 4, 9), g = (1, 4, 2, 0 -> no measurement, left out)
    #   |p-g|/g = 0, 0.5, 1          -> AbsRel 0.5
    #   (p-g)^2 = 0, 4, 4             -> RMSE sqrt(8/3)
    #   max(p/g, g/p) = 1, 2, 2       -> delta1 1/3
    # image 2: p = (1.1, 3), g = (1, 3): AbsRel 0.05, RMSE sqrt(0.01/2), delta1 1
    metric.process({}, [_sample([[1.0, 2.0], [4.0, 9.0]], [[1.0, 4.0], [2.0, 0.0]])])
    metric.process({}, [_sample([[1.1, 3.0]], [[1.0, 3.0]])])
    result = metric.evaluate(2)
    assert result['depth/AbsRel'] == pytest.approx((0.5 + 0.05) / 2)
    assert result['depth/RMSE'] == pytest.approx((math.sqrt(8 / 3) + math.sqrt(0.005)) / 2)
    assert result['depth/delta1'] == pytest.approx(100 * (1 / 3 + 1) / 2)


def test_ray_casting_is_exact():
    # a camera without pitch: the centre ray of an odd-sized image is the optical axis
    dirs = scene_renderer._ray_directions(5, focal=4.0, pitch=0.0)  # (25, 3)
    centre = dirs[12]
    assert np.allclose(centre, [0, 0, 1])
    # sphere of radius 1 at z = 5 on the axis: hit at depth 4
    assert scene_renderer._hit_sphere(centre[None], np.array([0.0, 0.0, 5.0]), 1.0)[0] == pytest.approx(4.0)
    # ground y = 1.5 seen by the bottom-centre pixel (v = 4, y = (4 - 2) / 4 = 0.5): depth 1.5 / 0.5 = 3
    assert scene_renderer._hit_plane(dirs[22][None], 1, 1.5)[0] == pytest.approx(3.0)
    # box [-1, 1] x [-1, 1] x [6, 8] on the axis: entered through its z = 6 face (axis 2)
    t, axis = scene_renderer._hit_box(centre[None], np.array([-1.0, -1.0, 6.0]), np.array([1.0, 1.0, 8.0]))
    assert t[0] == pytest.approx(6.0) and axis[0] == 2


def test_scenes_are_seeded_and_closed():
    image, depth = render_scene(np.random.default_rng([3, 7]), 32)
    again, depth_again = render_scene(np.random.default_rng([3, 7]), 32)
    other, _ = render_scene(np.random.default_rng([4, 7]), 32)
    assert image.shape == (32, 32, 3) and image.dtype == np.uint8 and depth.dtype == np.float32
    assert np.array_equal(image, again) and np.array_equal(depth, depth_again)
    assert not np.array_equal(image, other)
    assert np.isfinite(depth).all() and depth.min() > 0.5 and depth.max() < 20.0  # the back wall closes it


@pytest.mark.slow  # about 25 s of CPU: one tools/train.py process
def test_distilled_student_trains_through_tools_train(tmp_path):
    # the teacher of the teacher config, saved untrained (training it is the same tools/train.py path)
    teacher_cfg = Config.fromfile(osp.join(CONFIGS, 'teacher_r18_synthetic-depth.py'))
    with DefaultScope.overwrite_default_scope('mobilevos'):
        teacher = MODELS.build(teacher_cfg.model)
    ckpt = tmp_path / 'teacher.pth'
    torch.save(dict(state_dict=teacher.state_dict()), ckpt)
    records = train_tiny(osp.join(CONFIGS, 'distill_r18_to_mbv2_ckd-w0.9_synthetic-depth.py'),
                         str(tmp_path / 'student'), f'model.teacher_ckpt={ckpt}')
    train = [r for r in records if 'distill.loss_repr' in r]
    assert train and all(r['distill.loss_repr'] > 0 and r['student.loss_depth'] > 0 for r in train)
    metrics = [r for r in records if 'depth/AbsRel' in r]
    assert metrics and 0 < metrics[-1]['depth/AbsRel'] < 10 and 0 <= metrics[-1]['depth/delta1'] <= 100


def test_package_does_not_name_the_project():
    assert package_files_naming('depth_distill') == []
    assert package_files_naming('DepthRegressor') == []
