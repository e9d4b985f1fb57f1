"""YouTube-VOS 2018 / 2019 reader.

Layout (``data_root``)::

    <split>/JPEGImages/<video>/00000.jpg 00005.jpg ...   train: every 5th frame of the 30-fps video
    <split>/Annotations/<video>/00000.png ...            train: one palette PNG per frame;
                                                         valid/test: only the frames where objects
                                                         first appear
    <split>/meta.json      {"videos": {<video>: {"objects": {"<id>": {"category": str,
                                                                       "frames": [frame names]}}}}}
    valid_all_frames/JPEGImages/<video>/...              optional: every 30-fps frame

In ``meta.json`` the first entry of an object's ``frames`` is the frame where
it first appears, whose PNG gives its input mask.

Items are video records, see :mod:`mobilevos.datasets.base_vos_dataset`.
"""
import json
import os.path as osp
from typing import Dict, List, Optional

from mobilevos.registry import DATASETS
from mobilevos.utils.io import read_palette_mask
from .base_vos_dataset import FRAME_EXTENSIONS, BaseVOSDataset, list_files, make_record


def load_meta(path: str) -> Dict[str, dict]:
    """``meta.json``'s ``videos`` mapping, checked for the fields the reader uses.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: it is not JSON or misses ``videos`` / ``objects`` /
            ``frames`` (named with the video and object).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'YouTube-VOS meta file {path} does not exist')
    try:
        with open(path, encoding='utf-8') as handle:
            meta = json.load(handle)
    except json.JSONDecodeError as error:
        raise ValueError(f'YouTube-VOS meta file {path} is not valid JSON: {error}') from error
    videos = meta.get('videos') if isinstance(meta, dict) else None
    if not isinstance(videos, dict):
        raise ValueError(f'YouTube-VOS meta file {path} has no "videos" mapping')
    for video, info in videos.items():
        objects = info.get('objects') if isinstance(info, dict) else None
        if not isinstance(objects, dict):
            raise ValueError(f'YouTube-VOS meta file {path}: video {video!r} has no "objects" mapping')
        for obj, obj_info in objects.items():
            if not str(obj).isdigit() or not 0 < int(obj) < 255:
                raise ValueError(f'YouTube-VOS meta file {path}: video {video!r} has object id {obj!r}, '
                                 'expected an integer in [1, 254]')
            if not isinstance(obj_info, dict) or not obj_info.get('frames'):
                raise ValueError(
                    f'YouTube-VOS meta file {path}: object {obj} of video {video!r} lists no frames')
    return videos


@DATASETS.register_module()
class YouTubeVOSDataset(BaseVOSDataset):
    """YouTube-VOS videos as video records.

    Args:
        data_root: the YouTube-VOS folder (holding ``train``, ``valid``...).
        split: ``'train'``, ``'valid'`` or ``'test'``.
        year: 2018 or 2019 (same layout; recorded in the record's ``dataset``).
        use_all_frames: read the frames from ``<split>_all_frames/JPEGImages``
            (every 30-fps frame); ``output_frame_names`` keeps the frames of
            ``<split>/JPEGImages``, the ones a submission holds.
        videos: read only these videos (default: every video of ``meta.json``).
        require_all_gt: every frame must have a PNG; default True for train.
        check_files, **kwargs: see :class:`BaseVOSDataset` (default ``'fast'``:
            YouTube-VOS has ~100k frames).

    Raises:
        FileNotFoundError: missing ``meta.json``, video folders or first-
            appearance annotations (named).
        ValueError: a malformed ``meta.json``, frames listed in it that do not
            exist, frames without annotations in train, size mismatches,
            masks that are not id images.
    """

    METAINFO = dict(dataset_name='YouTube-VOS')

    def __init__(self,
                 data_root: str,
                 split: str = 'valid',
                 year: int = 2019,
                 use_all_frames: bool = False,
                 videos: Optional[List[str]] = None,
                 require_all_gt: Optional[bool] = None,
                 check_files: str = 'fast',
                 **kwargs):
        if year not in (2018, 2019):
            raise ValueError(f'YouTubeVOSDataset: year must be 2018 or 2019, got {year!r}')
        self.split = split
        self.year = year
        self.use_all_frames = use_all_frames
        self.videos = list(videos) if videos is not None else None
        self.require_all_gt = (split == 'train') if require_all_gt is None else bool(require_all_gt)
        super().__init__(data_root=data_root, check_files=check_files, **kwargs)

    def load_data_list(self) -> List[dict]:
        split_root = osp.join(self.data_root, self.split)
        meta_path = osp.join(split_root, 'meta.json')
        meta = load_meta(meta_path)
        names = self.videos if self.videos is not None else sorted(meta)
        records = []
        for video in names:
            if video not in meta:
                raise ValueError(f'video {video!r} is not in {meta_path}')
            records.append(self._load_video(video, meta[video]['objects'], split_root, meta_path))
        return records

    def _load_video(self, video: str, objects: dict, split_root: str, meta_path: str) -> dict:
        frame_dir = osp.join(split_root, 'JPEGImages', video)
        sparse_frames = list_files(frame_dir, FRAME_EXTENSIONS, 'frame')
        if not sparse_frames:
            raise ValueError(f'frame folder {frame_dir} holds no .jpg/.png frame')
        if self.use_all_frames:
            frames = list_files(osp.join(f'{split_root}_all_frames', 'JPEGImages', video), FRAME_EXTENSIONS,
                                'frame')
            absent = sorted(set(sparse_frames) - set(frames))
            if absent:
                raise ValueError(f'frame {sparse_frames[absent[0]]} has no counterpart in '
                                 f'{osp.join(split_root + "_all_frames", "JPEGImages", video)}')
        else:
            frames = sparse_frames
        names = sorted(frames)
        index_of = {name: index for index, name in enumerate(names)}
        mask_dir = osp.join(split_root, 'Annotations', video)
        masks = list_files(mask_dir, ('.png', ), 'annotation')
        orphans = sorted(set(masks) - set(frames))
        if orphans:
            raise ValueError(f'annotation {masks[orphans[0]]} has no frame in {frame_dir}')
        if self.require_all_gt:
            missing = [name for name in sorted(sparse_frames) if name not in masks]
            if missing:
                raise ValueError(f'video {video!r}: {len(missing)} frames have no annotation, e.g. '
                                 f'{osp.join(mask_dir, missing[0] + ".png")} for {sparse_frames[missing[0]]} '
                                 f'(every {self.split} frame needs one)')

        first_frame: Dict[int, int] = {}
        object_frames: Dict[int, List[int]] = {}
        categories: Dict[int, str] = {}
        for key, info in objects.items():
            obj = int(key)
            indices = []
            for name in info['frames']:
                if name not in index_of:
                    raise ValueError(f'{meta_path} lists frame {name!r} for object {obj} of video {video!r}, '
                                     f'but {frame_dir} has no such frame')
                indices.append(index_of[name])
            first = min(indices)
            if names[first] not in masks:
                raise FileNotFoundError(
                    f'object {obj} of video {video!r} first appears in frame {names[first]} '
                    f'but its annotation {osp.join(mask_dir, names[first] + ".png")} '
                    'does not exist')
            first_frame[obj] = first
            object_frames[obj] = sorted(indices)
            categories[obj] = str(info.get('category', ''))
        if not first_frame:
            raise ValueError(f'video {video!r} has no object in {meta_path}')
        frame_paths = [frames[n] for n in names]
        gt_paths = [masks.get(n) for n in names]
        annotation_paths = {index: gt_paths[index] for index in sorted(set(first_frame.values()))}

        size = self._check_video(frame_paths, [p for p in gt_paths if p], list(annotation_paths.values()),
                                 video)
        _, palette = read_palette_mask(annotation_paths[min(annotation_paths)])
        return make_record(video=video,
                           frame_paths=frame_paths,
                           frame_names=names,
                           annotation_paths=annotation_paths,
                           gt_paths=gt_paths,
                           object_ids=sorted(first_frame),
                           object_first_frame=first_frame,
                           object_frames=dict(sorted(object_frames.items())),
                           categories=dict(sorted(categories.items())),
                           size=size,
                           palette=palette.flatten().tolist() if palette is not None else None,
                           dataset=f'youtube_vos{self.year}',
                           split=self.split,
                           output_frame_names=sorted(sparse_frames))
