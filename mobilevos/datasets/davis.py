"""DAVIS 2016 / 2017 reader.

Layout (``data_root``)::

    JPEGImages/480p/<seq>/00000.jpg ...
    Annotations/480p/<seq>/00000.png ...      palette PNGs (DAVIS 2016: 0/255 grayscale also read)
    ImageSets/2017/{train,val,test-dev}.txt   one sequence name per line
    ImageSets/2016/{train,val}.txt            (or the original DAVIS 2016 ImageSets/480p/<split>.txt,
                                               whose lines are 'JPEG-path PNG-path')

Items are video records, see :mod:`mobilevos.datasets.base_vos_dataset`.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from mobilevos.registry import DATASETS
from mobilevos.utils.io import read_palette_mask
from .base_vos_dataset import FRAME_EXTENSIONS, BaseVOSDataset, list_files, make_record, read_split_file

INPUT_MASK_MODES = ('first_frame', 'first_appearance')


def _object_ids(ids: np.ndarray) -> List[int]:
    values = np.unique(ids)
    return [int(v) for v in values if v not in (0, 255)]


@DATASETS.register_module()
class DAVISDataset(BaseVOSDataset):
    """DAVIS 2016 / 2017 sequences as video records.

    Args:
        data_root: the DAVIS folder (holding ``JPEGImages``, ``Annotations``,
            ``ImageSets``).
        split: name of the split file, e.g. ``'train'``, ``'val'``,
            ``'test-dev'``.
        year: 2016 or 2017, selects ``ImageSets/<year>``.
        resolution: sub-folder of ``JPEGImages`` / ``Annotations``.
        single_object: merge every object into id 1 (masks are then read with
            ``binary=True``); default True for 2016, False for 2017.
        sequences: read these sequences instead of the split file's.
        require_all_gt: every frame must have a ground-truth PNG; default
            True for ``train`` / ``val``. The first frame's PNG is always
            required.
        input_masks: ``'first_frame'`` (the DAVIS protocol: frame 0 gives all
            objects) or ``'first_appearance'`` (read every ground-truth PNG and
            give each object at the frame where it first appears, for data
            whose objects enter later, e.g. the synthetic set; also fills
            ``object_frames``).
        check_files, **kwargs: see :class:`BaseVOSDataset`.

    Raises:
        FileNotFoundError: a missing split file, sequence folder or first
            annotation (named).
        ValueError: frames without ground truth where it is required,
            annotations without a frame, size mismatches, masks that are not
            id images, an empty first annotation, bad arguments.
    """

    METAINFO = dict(dataset_name='DAVIS')

    def __init__(self,
                 data_root: str,
                 split: str = 'val',
                 year: int = 2017,
                 resolution: str = '480p',
                 single_object: Optional[bool] = None,
                 sequences: Optional[Sequence[str]] = None,
                 require_all_gt: Optional[bool] = None,
                 input_masks: str = 'first_frame',
                 check_files: str = 'full',
                 **kwargs):
        if year not in (2016, 2017):
            raise ValueError(f'DAVISDataset: year must be 2016 or 2017, got {year!r}')
        if input_masks not in INPUT_MASK_MODES:
            raise ValueError(
                f'DAVISDataset: input_masks must be one of {INPUT_MASK_MODES}, got {input_masks!r}')
        self.split = split
        self.year = year
        self.resolution = resolution
        self.single_object = (year == 2016) if single_object is None else bool(single_object)
        self.sequences = list(sequences) if sequences is not None else None
        self.require_all_gt = (split in ('train', 'val')) if require_all_gt is None else bool(require_all_gt)
        self.input_masks = input_masks
        super().__init__(data_root=data_root, check_files=check_files, **kwargs)

    # -- split ----------------------------------------------------------------------------
    def _split_sequences(self) -> List[str]:
        if self.sequences is not None:
            return self.sequences
        split_file = osp.join(self.data_root, 'ImageSets', str(self.year), f'{self.split}.txt')
        legacy = osp.join(self.data_root, 'ImageSets', self.resolution, f'{self.split}.txt')
        if self.year == 2016 and not osp.isfile(split_file) and osp.isfile(legacy):
            return self._legacy_sequences(legacy)
        return read_split_file(split_file, f'DAVIS {self.year} split file')

    @staticmethod
    def _legacy_sequences(path: str) -> List[str]:
        """Sequence names of a DAVIS 2016 ``ImageSets/480p`` file (``/JPEGImages/480p/<seq>/x.jpg ...``)."""
        names = []
        for line in read_split_file(path, 'DAVIS 2016 split file'):
            parts = line.split()[0].strip('/').split('/')
            if len(parts) < 2:
                raise ValueError(f'DAVIS 2016 split file {path}: cannot read a sequence from line {line!r}')
            names.append(parts[-2])
        return list(dict.fromkeys(names))

    # -- records --------------------------------------------------------------------------
    def load_data_list(self) -> List[dict]:
        image_root = osp.join(self.data_root, 'JPEGImages', self.resolution)
        mask_root = osp.join(self.data_root, 'Annotations', self.resolution)
        return [self._load_video(seq, image_root, mask_root) for seq in self._split_sequences()]

    def _load_video(self, seq: str, image_root: str, mask_root: str) -> dict:
        frame_dir = osp.join(image_root, seq)
        if not osp.isdir(frame_dir):
            raise FileNotFoundError(f'sequence {seq!r} is listed for DAVIS {self.year} {self.split} but its '
                                    f'frame folder {frame_dir} does not exist')
        frames = list_files(frame_dir, FRAME_EXTENSIONS, 'frame')
        if not frames:
            raise ValueError(f'frame folder {frame_dir} holds no .jpg/.png frame')
        mask_dir = osp.join(mask_root, seq)
        masks = list_files(mask_dir, ('.png', ), 'annotation')
        names = sorted(frames)
        orphans = sorted(set(masks) - set(frames))
        if orphans:
            raise ValueError(
                f'annotation {osp.join(mask_dir, orphans[0] + ".png")} has no frame in {frame_dir} '
                f'({len(orphans)} such annotations)')
        missing = [name for name in names if name not in masks]
        if names[0] in missing:
            raise FileNotFoundError(f'sequence {seq!r}: the first frame has no annotation '
                                    f'{osp.join(mask_dir, names[0] + ".png")}')
        if self.require_all_gt and missing:
            raise ValueError(f'sequence {seq!r}: {len(missing)} frames have no annotation, e.g. '
                             f'{osp.join(mask_dir, missing[0] + ".png")} for {frames[missing[0]]} '
                             f'(every frame of DAVIS {self.split} needs one; pass require_all_gt=False '
                             'if that is expected)')
        frame_paths = [frames[n] for n in names]
        gt_paths = [masks.get(n) for n in names]

        first_ids, palette = read_palette_mask(gt_paths[0], binary=self.single_object)
        object_frames: Optional[Dict[int, List[int]]] = None
        if self.input_masks == 'first_frame':
            object_ids = _object_ids(first_ids)
            if not object_ids:
                raise ValueError(f'first annotation {gt_paths[0]} of sequence {seq!r} holds no object')
            first_frame = {obj: 0 for obj in object_ids}
        else:
            object_frames = self._scan_objects(gt_paths, first_ids)
            if not object_frames:
                raise ValueError(f'no annotation of sequence {seq!r} (in {mask_dir}) holds an object')
            object_ids = sorted(object_frames)
            first_frame = {obj: frames_[0] for obj, frames_ in object_frames.items()}
        annotation_paths = {index: gt_paths[index] for index in sorted(set(first_frame.values()))}

        size = self._check_video(frame_paths, [p for p in gt_paths if p], list(annotation_paths.values()),
                                 seq)
        if first_ids.shape != size:
            raise ValueError(
                f'mask {gt_paths[0]} is {first_ids.shape[1]}x{first_ids.shape[0]} but the frames '
                f'of {seq!r} are {size[1]}x{size[0]} (WxH)')
        return make_record(video=seq,
                           frame_paths=frame_paths,
                           frame_names=names,
                           annotation_paths=annotation_paths,
                           gt_paths=gt_paths,
                           object_ids=object_ids,
                           object_first_frame=first_frame,
                           object_frames=object_frames,
                           size=size,
                           palette=palette.flatten().tolist() if palette is not None else None,
                           dataset=f'davis{self.year}',
                           split=self.split,
                           merge_objects=self.single_object)

    def _scan_objects(self, gt_paths: List[Optional[str]], first_ids: np.ndarray) -> Dict[int, List[int]]:
        """Object id -> frames where it is present, reading every ground-truth PNG."""
        present: Dict[int, List[int]] = {}
        for index, path in enumerate(gt_paths):
            if path is None:
                continue
            ids = first_ids if index == 0 else read_palette_mask(path, binary=self.single_object)[0]
            for obj in _object_ids(ids):
                present.setdefault(obj, []).append(index)
        return dict(sorted(present.items()))
