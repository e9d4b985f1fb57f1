"""Training clips sampled from video datasets, with a max-skip curriculum.

``VOSClipDataset`` wraps any dataset of *video records* (see
:mod:`mobilevos.datasets` for the record format) and turns each record into a
training clip: ``num_frames`` annotated frames whose gaps are at most
``max_skip``, in order or (with ``reverse_prob``) reversed, with up to
``max_objects`` objects that are visible in the clip's first frame, re-numbered
``1..K``. A record with a single frame (a static image) becomes a pseudo-video
of ``num_frames`` copies, which the pipeline's per-frame affine warps make
differ, as in STCN's static pre-training.

``max_skip`` lives in shared memory, so that
:class:`~mobilevos.engine.hooks.MaxSkipCurriculumHook` can change it while
forked data-loader workers run.
"""
import copy
import multiprocessing
from typing import Callable, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import BaseDataset

from mobilevos.registry import DATASETS, TRANSFORMS
from mobilevos.utils.io import read_frame, read_mask

from .resumable_sampler import sample_random_state

IGNORE = 255


def sample_clip_indices(length: int, num_frames: int, max_skip: int, rng=np.random) -> List[int]:
    """Pick ``num_frames`` increasing indices in ``[0, length)`` with gaps in ``[1, max_skip]``.

    If the video is too short for gaps of at least 1, indices repeat (sorted
    random draws with replacement). Gaps are shrunk evenly-ish when their sum
    would not fit in the video.

    Args:
        length: number of annotated frames available.
        num_frames: clip length ``T``.
        max_skip: largest allowed gap between consecutive clip frames.
        rng: a numpy ``RandomState``/module with ``randint``.

    Returns:
        ``T`` indices, sorted ascending.
    """
    if length <= 0:
        raise ValueError('cannot sample a clip from a video with no annotated frames')
    if num_frames == 1:
        return [int(rng.randint(length))]
    if length < num_frames:
        return sorted(int(i) for i in rng.randint(0, length, size=num_frames))
    max_skip = max(1, int(max_skip))
    gaps = [int(g) for g in rng.randint(1, max_skip + 1, size=num_frames - 1)]
    while sum(gaps) > length - 1:
        largest = int(np.argmax(gaps))
        gaps[largest] -= 1
    start = int(rng.randint(0, length - sum(gaps)))
    indices = [start]
    for gap in gaps:
        indices.append(indices[-1] + gap)
    return indices


@DATASETS.register_module()
class VOSClipDataset(BaseDataset):
    """Clips for training space-time-memory networks.

    Args:
        dataset: a video-record dataset, built or as a config dict.
        pipeline: transforms (``TRANSFORMS`` configs), ending with ``PackVOSInputs``.
        num_frames: frames per clip ``T`` (STCN: 3).
        max_skip: initial largest gap between consecutive clip frames, in
            annotated frames of this dataset.
        skip_divisor: the curriculum's skip is divided by this (YouTube-VOS is
            annotated every 5th frame, so STCN divides its skip by 5 there).
        max_objects: at most this many objects per clip (STCN: 2).
        reverse_prob: probability of playing the clip backwards.
        min_object_pixels: an object counts as visible in the first frame when
            it has at least this many pixels there.
        max_tries: clip draws per record before moving to a random other record.
    """

    def __init__(self,
                 dataset: Union[dict, object],
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 num_frames: int = 3,
                 max_skip: int = 5,
                 skip_divisor: int = 1,
                 max_objects: int = 2,
                 reverse_prob: float = 0.5,
                 min_object_pixels: int = 1,
                 max_tries: int = 10):
        self.video_dataset = DATASETS.build(dataset) if isinstance(dataset, dict) else dataset
        self.num_frames = num_frames
        self.skip_divisor = max(1, skip_divisor)
        self.max_objects = max_objects
        self.reverse_prob = reverse_prob
        self.min_object_pixels = min_object_pixels
        self.max_tries = max_tries
        self._max_skip = multiprocessing.Value('i', int(max_skip), lock=False)
        self.transforms = [TRANSFORMS.build(t) if isinstance(t, dict) else t for t in pipeline]
        super().__init__(lazy_init=False, serialize_data=False, max_refetch=100)

    # -- curriculum ----------------------------------------------------------------
    @property
    def max_skip(self) -> int:
        """The current largest gap, after ``skip_divisor``."""
        return max(1, int(round(self._max_skip.value / self.skip_divisor)))

    def set_max_skip(self, max_skip: int) -> None:
        """Set the curriculum's skip (before ``skip_divisor``); workers see it at once."""
        self._max_skip.value = int(max_skip)

    # -- BaseDataset ---------------------------------------------------------------
    @property
    def metainfo(self) -> dict:
        return copy.deepcopy(getattr(self.video_dataset, 'metainfo', {}))

    def load_data_list(self) -> List[dict]:
        return [self.video_dataset.get_data_info(i) for i in range(len(self.video_dataset))]

    def __getitem__(self, idx: int) -> dict:
        """One clip; a :class:`~mobilevos.datasets.SampleIndex` fixes its random draws."""
        with sample_random_state(idx):
            return super().__getitem__(int(idx))

    def prepare_data(self, idx: int) -> Optional[dict]:
        record = self.get_data_info(idx)
        for _ in range(self.max_tries):
            results = self._sample_clip(record)
            if results is not None:
                for transform in self.transforms:
                    results = transform(results)
                return results
        return None  # BaseDataset then draws another record

    # -- sampling ------------------------------------------------------------------
    def _sample_clip(self, record: dict) -> Optional[dict]:
        gt_paths = record.get('gt_paths') or []
        annotated = [i for i, path in enumerate(gt_paths) if path]
        if not annotated:
            return None
        if len(annotated) == 1:  # a static image: a pseudo-video of copies
            positions = [0] * self.num_frames
        else:
            positions = sample_clip_indices(len(annotated), self.num_frames, self.max_skip)
        frame_ids = [annotated[p] for p in positions]
        if len(annotated) > 1 and np.random.rand() < self.reverse_prob:
            frame_ids = frame_ids[::-1]

        merge = bool(record.get('merge_objects', False))
        masks = [read_mask(gt_paths[i], binary=merge) for i in frame_ids]
        first_ids, counts = np.unique(masks[0], return_counts=True)
        visible = [int(i) for i, c in zip(first_ids, counts)
                   if i not in (0, IGNORE) and c >= self.min_object_pixels]
        if not visible:
            return None
        chosen = sorted(np.random.choice(visible, min(self.max_objects, len(visible)), replace=False).tolist())
        lookup = np.zeros(256, dtype=np.uint8)  # objects not chosen become background
        lookup[IGNORE] = IGNORE
        for new_id, old_id in enumerate(chosen, start=1):
            lookup[old_id] = new_id
        frames = [read_frame(record['frame_paths'][i]) for i in frame_ids]
        return dict(
            frames=frames,
            masks=[lookup[m] for m in masks],
            video=record.get('video', ''),
            frame_ids=frame_ids,
            object_ids=chosen,
            num_objects=len(chosen),
            ori_shape=tuple(masks[0].shape))
