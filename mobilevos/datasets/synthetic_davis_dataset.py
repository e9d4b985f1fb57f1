"""The embedded default dataset: synthetic DAVIS-format videos, made on first use."""
import os
import os.path as osp
from typing import Optional, Sequence, Tuple

from mmengine.dist import barrier, get_dist_info, is_distributed
from mmengine.logging import print_log

from mobilevos.registry import DATASETS
from .davis import DAVISDataset
from .synthetic import ensure_synthetic_davis


@DATASETS.register_module()
class SyntheticDAVISDataset(DAVISDataset):
    """:class:`DAVISDataset` over a synthetic set that is generated when missing.

    On first use (``data_root`` missing or empty) the set is written there by
    :func:`~mobilevos.datasets.ensure_synthetic_davis`, saying so in the log;
    later runs reuse it, and a folder made with other generator arguments is
    refused. Under distributed training only rank 0 writes; the others wait.
    The data are synthetic: scores on them say nothing about real videos.

    Args:
        data_root: the dataset folder (DAVIS 2017 layout).
        split: ``'train'`` or ``'val'``.
        num_videos, num_frames, size, seed, num_val_videos: generator
            arguments (see :func:`~mobilevos.datasets.make_synthetic_davis`).
        input_masks: ``'first_appearance'`` (default): objects that enter
            after frame 0 get their first visible mask as input, as in
            YouTube-VOS; ``'first_frame'``: the DAVIS protocol.
        **kwargs: passed to :class:`DAVISDataset`.
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 num_videos: int = 300,
                 num_frames: int = 10,
                 size: Sequence[int] = (96, 96),
                 seed: int = 0,
                 num_val_videos: Optional[int] = None,
                 input_masks: str = 'first_appearance',
                 **kwargs):
        self.generator_args = dict(num_videos=num_videos, num_frames=num_frames, size=tuple(size), seed=seed,
                                   num_val_videos=num_val_videos)
        self._ensure_generated(data_root)
        super().__init__(data_root=data_root, split=split, year=2017, input_masks=input_masks, **kwargs)

    def _ensure_generated(self, data_root: str) -> None:
        rank, _ = get_dist_info()
        if rank == 0:
            fresh = not (osp.isdir(data_root) and os.listdir(data_root))
            if fresh:
                print_log(f'synthetic dataset not found at {data_root}: generating it ({self.generator_args}); '
                          'this happens once', logger='current')
            summary = ensure_synthetic_davis(data_root, progress=fresh, **self.generator_args)
            if fresh:
                print_log(f'synthetic dataset written to {data_root} in {summary["seconds"]:.1f} s '
                          f'({len(summary["train"])} train, {len(summary["val"])} val videos)', logger='current')
        if is_distributed():
            barrier()

    @property
    def frame_size(self) -> Tuple[int, int]:
        """``(H, W)`` of the generated frames."""
        return self.generator_args['size']
