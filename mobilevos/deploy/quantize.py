"""int8 ONNX graphs: ONNX Runtime static quantisation, calibrated on synthetic videos.

Calibration runs the fp32 graphs through the real video loop (the same
``VideoInferencer`` over :class:`~mobilevos.deploy.runtime.ExportedNetwork`)
on synthetic videos (:func:`mobilevos.datasets.synthetic.generate_video`) and
records every graph's inputs, so each graph is calibrated on the tensors it
sees in use (value-encoder masks from aggregation, decoder read-outs from a
real memory), not on noise. ``onnxruntime.quantization.quantize_static``
then writes QDQ graphs (``{graph}.int8.onnx``): by default only ``Conv`` ops
of the encoders and the decoder, with per-channel int8 weights and uint8
activations; the memory read-out (a softmax over the affinity) and the
aggregation stay fp32. ORT's optional pre-processing (``quant_pre_process``)
is not run: its symbolic shape inference fails on the value encoder and the
decoder; the exported graphs already have batch norm folded into convs.
"""
import logging
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

from mobilevos.datasets.synthetic import generate_video

from .errors import DeployError


def synthetic_calibration_videos(num_videos: int,
                                 num_frames: int,
                                 size: Sequence[int],
                                 max_objects,
                                 seed: int = 0) -> List[dict]:
    """Synthetic videos for calibration: ``dict(frames (T,H,W,3) uint8, masks (T,H,W) uint8)``.

    Objects with ids above ``max_objects`` are dropped (set to background).
    """
    videos = []
    for index in range(num_videos):
        frames, masks, _ = generate_video(seed, 'train', index, num_frames, tuple(size))
        if max_objects is not None:
            masks = np.where(masks > max_objects, 0, masks).astype(np.uint8)
        videos.append(dict(frames=frames, masks=masks))
    return videos


def record_feeds(runtime, videos: Sequence[dict]) -> Dict[str, List[Dict[str, np.ndarray]]]:
    """Run the video loop over ``runtime`` and keep every graph's inputs.

    Args:
        runtime: an :class:`~mobilevos.deploy.runtime.ExportedNetwork` (fp32).
        videos: from :func:`synthetic_calibration_videos`.

    Returns:
        graph -> list of feeds (input name -> array).
    """
    from mobilevos.inference import VideoInferencer
    feeds: Dict[str, List[Dict[str, np.ndarray]]] = {}
    runtime.feed_recorder = lambda graph, feed: feeds.setdefault(graph, []).append({
        k: v.copy()
        for k, v in feed.items()
    })
    try:
        inferencer = VideoInferencer(runtime)
        for video in videos:
            first = next((t for t in range(len(video['masks'])) if video['masks'][t].any()), None)
            if first is None:
                continue
            for _ in inferencer.propagate(video['frames'], {first: video['masks'][first]},
                                          num_frames=len(video['frames'])):
                pass
    finally:
        runtime.feed_recorder = None
    return feeds


class _FeedReader:
    """An ``onnxruntime.quantization.CalibrationDataReader`` over recorded feeds."""

    def __init__(self, feeds: List[Dict[str, np.ndarray]]):
        self._iter = iter(feeds)

    def get_next(self):
        return next(self._iter, None)


def quantize_graph(fp32_path: str, int8_path: str, feeds: List[Dict[str, np.ndarray]], settings: dict) -> str:
    """Static int8 quantisation of one ONNX graph.

    Args:
        fp32_path: the fp32 graph.
        int8_path: where to write the QDQ graph.
        feeds: calibration inputs (at least one).
        settings: ``backend_config.quantization`` (see ``DEFAULT_QUANTIZATION``).

    Raises:
        DeployError: no calibration data, or ONNX Runtime's quantiser failed (named).
    """
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    if not feeds:
        raise DeployError(f'no calibration data for {osp.basename(fp32_path)}: the calibration videos never '
                          'ran this graph')
    root = logging.getLogger()
    level = root.level
    root.setLevel(
        logging.ERROR)  # ORT suggests its pre-processing, whose shape inference fails on these graphs
    try:
        quantize_static(fp32_path,
                        int8_path,
                        _FeedReader(feeds),
                        quant_format=getattr(QuantFormat, settings['format']),
                        op_types_to_quantize=list(settings['op_types']),
                        per_channel=bool(settings['per_channel']),
                        activation_type=getattr(QuantType, settings['activation_type']),
                        weight_type=getattr(QuantType, settings['weight_type']),
                        calibrate_method=getattr(CalibrationMethod, settings['calibrate_method']))
    except Exception as err:  # noqa: BLE001
        raise DeployError(f'int8 quantisation of {fp32_path} failed: {type(err).__name__}: {err}') from err
    finally:
        root.setLevel(level)
    return int8_path
