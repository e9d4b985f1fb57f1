"""DAVISMetric and YouTubeVOSSubmissionMetric through mmengine's Evaluator."""
import json
import zipfile

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from PIL import Image

from mobilevos.registry import METRICS
from mobilevos.structures import VOSDataSample
from mobilevos.utils.io import davis_palette, write_mask
from .davis_reference import ref_global, ref_sequence
from .test_sequence_evaluator import make_gt, perturb

KEYS = ('J&F-Mean', 'J-Mean', 'J-Recall', 'J-Decay', 'F-Mean', 'F-Recall', 'F-Decay')


def _write_gt(folder, frames, missing=()):
    paths = []
    for t, frame in enumerate(frames):
        if t in missing:
            paths.append(None)
            continue
        path = folder / f'{t:05d}.png'
        write_mask(path, frame)
        paths.append(str(path))
    return paths


def _samples(tmp_path):
    rng = np.random.default_rng(0)
    gt_a = make_gt(6)
    pred_a = perturb(gt_a, 'mixed', rng)
    (tmp_path / 'a').mkdir()
    gt_paths_a = _write_gt(tmp_path / 'a', gt_a, missing=(2, ))  # frame 2 has no ground truth
    gt_b = make_gt(5)
    pred_b = perturb(gt_b, 'shifted', rng)
    sample_a = dict(video='a', pred_masks=torch.from_numpy(np.stack(pred_a)), gt_paths=gt_paths_a)
    sample_b = VOSDataSample(metainfo=dict(video='b', frame_names=[f'{t:05d}' for t in range(5)]))
    sample_b.pred_masks = torch.from_numpy(np.stack(pred_b)).long()
    sample_b.gt_masks = torch.from_numpy(np.stack(gt_b)).long()
    kept = [t for t in range(6) if t != 2]
    reference = [('a', ref_sequence([gt_a[t] for t in kept], [pred_a[t] for t in kept])),
                 ('b', ref_sequence(gt_b, pred_b))]
    return [sample_a, sample_b], reference, pred_a


def test_metric_through_evaluator_matches_reference(tmp_path):
    samples, reference, _ = _samples(tmp_path)
    json_file = tmp_path / 'summary.json'
    evaluator = Evaluator(dict(type='mobilevos.DAVISMetric', json_file=str(json_file)))
    evaluator.process(samples[:1])
    evaluator.process(samples[1:])
    metrics = evaluator.evaluate(2)
    expected, rows = ref_global(reference)
    assert set(metrics) == {f'davis/{k}' for k in KEYS}
    for key in KEYS:
        assert metrics[f'davis/{key}'] == pytest.approx(expected[key], abs=1e-6)
    summary = json.loads(json_file.read_text())
    assert [r['Sequence'] for r in summary['per_sequence']] == [r['Sequence'] for r in rows]
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a', 'summary.json']  # the metric writes no mask


def test_metric_keeps_only_score_arrays(tmp_path):
    samples, _, _ = _samples(tmp_path)
    metric = METRICS.build(dict(type='DAVISMetric', return_per_sequence=True))
    metric.process(None, [samples[0]])
    (stored, ) = metric.results
    assert set(stored) == {'name', 'object_ids', 'j', 'f'}
    assert stored['j'].shape == (3, 3)  # 3 objects x (5 annotated frames - first - last)
    metrics = metric.compute_metrics(metric.results)
    assert len(metrics['per_sequence']) == 3
    assert metric.last_summary['global']['J&F-Mean'] == metrics['J&F-Mean']


def test_metric_errors(tmp_path):
    samples, _, _ = _samples(tmp_path)
    metric = METRICS.build(dict(type='DAVISMetric'))
    bad = dict(samples[0], pred_masks=samples[0]['pred_masks'][:4])
    with pytest.raises(ValueError, match="video 'a': 6 ground-truth entries for 4"):
        metric.process(None, [bad])
    with pytest.raises(KeyError, match='neither pred_masks nor pred_paths'):
        metric.process(None, [dict(video='x', gt_paths=[])])
    with pytest.raises(TypeError, match='output_dir'):  # masks are written by the loop's out_dir only
        METRICS.build(dict(type='DAVISMetric', output_dir=str(tmp_path / 'out')))


def test_format_only_does_not_score():
    metric = METRICS.build(dict(type='DAVISMetric', format_only=True, prefix='test'))
    metric.process(None, [dict(video='v', pred_masks=np.zeros((3, 4, 5), np.uint8))])  # no ground truth
    assert metric.results == [{'name': 'v'}]
    assert metric.compute_metrics(metric.results) == {}


def test_youtube_vos_submission_metric(tmp_path):
    metric = METRICS.build(dict(type='YouTubeVOSSubmissionMetric', output_dir=str(tmp_path / 'sub')))
    masks = np.zeros((4, 6, 8), dtype=np.uint8)
    masks[:, 2:4, 2:5] = 3
    metric.process(None, [
        dict(video='vid1',
             pred_masks=torch.from_numpy(masks),
             frame_names=['00000', '00005', '00010', '00015'],
             output_frame_names=['00000', '00010'])
    ])
    assert metric.compute_metrics(metric.results) == {'num_videos': 1}
    with zipfile.ZipFile(tmp_path / 'sub' / 'submission.zip') as archive:
        assert sorted(archive.namelist()) == ['Annotations/vid1/00000.png', 'Annotations/vid1/00010.png']
    image = Image.open(tmp_path / 'sub' / 'Annotations' / 'vid1' / '00010.png')
    assert image.mode == 'P'
    assert np.array_equal(np.array(image.getpalette()[:12]).reshape(4, 3), davis_palette(4))


def test_prediction_paths_give_the_same_scores(tmp_path):
    samples, reference, pred_a = _samples(tmp_path)
    pred_paths = []
    for t, frame in enumerate(pred_a):
        path = tmp_path / 'written' / f'{t:05d}.png'
        write_mask(path, frame)
        pred_paths.append(str(path))
    from_paths = dict(video='a', pred_paths=pred_paths, gt_paths=samples[0]['gt_paths'])
    metric = METRICS.build(dict(type='DAVISMetric'))
    metric.process(None, [from_paths])
    expected, _ = ref_global(reference[:1])
    got = metric.compute_metrics(metric.results)
    for key in KEYS:
        assert got[key] == pytest.approx(expected[key], abs=1e-6)
