"""Static images with masks (salient-object sets such as MSRA10K, ECSSD, DUTS), for pseudo-videos.

Layout (``data_root``)::

    <img_dir>/<name>.jpg     (.jpg, .jpeg or .png)
    <ann_dir>/<name>.png     id mask of the same size; 0/255 saliency masks are read as binary

``img_dir`` and ``ann_dir`` may be the same folder (MSRA10K keeps ``x.jpg`` and
``x.png`` side by side): then the ``.png`` files are the masks.

Each item is a one-frame video record (see
:mod:`mobilevos.datasets.base_vos_dataset`); the training pipeline turns it
into a pseudo-video by random affine warps.
"""
import os.path as osp
from typing import List

import numpy as np

from mobilevos.registry import DATASETS
from mobilevos.utils.io import read_palette_mask
from .base_vos_dataset import FRAME_EXTENSIONS, BaseVOSDataset, list_files, make_record


@DATASETS.register_module()
class StaticImageDataset(BaseVOSDataset):
    """Image + mask pairs as one-frame video records.

    Args:
        data_root: folder holding ``img_dir`` and ``ann_dir``.
        img_dir: image folder, relative to ``data_root``.
        ann_dir: mask folder, relative to ``data_root``.
        binary: read masks as one object (every non-zero value -> 1); with
            False every mask is read at start-up to list its ids.
        check_files, **kwargs: see :class:`BaseVOSDataset`.

    Raises:
        FileNotFoundError: a missing folder (named).
        ValueError: an image without mask (named), no image at all, size
            mismatches, masks that are not id images.
    """

    METAINFO = dict(dataset_name='static')

    def __init__(self,
                 data_root: str,
                 img_dir: str = 'JPEGImages',
                 ann_dir: str = 'Annotations',
                 binary: bool = True,
                 check_files: str = 'full',
                 **kwargs):
        self.img_dir = img_dir
        self.ann_dir = ann_dir
        self.binary = binary
        super().__init__(data_root=data_root, check_files=check_files, **kwargs)

    def load_data_list(self) -> List[dict]:
        image_folder = osp.join(self.data_root, self.img_dir)
        mask_folder = osp.join(self.data_root, self.ann_dir)
        masks = list_files(mask_folder, ('.png', ), 'mask')
        same_folder = osp.normpath(image_folder) == osp.normpath(mask_folder)
        extensions = tuple(e for e in FRAME_EXTENSIONS if e != '.png') if same_folder else FRAME_EXTENSIONS
        images = list_files(image_folder, extensions, 'image')
        if not images:
            raise ValueError(f'image folder {image_folder} holds no {"/".join(extensions)} image')
        unmatched = [name for name in sorted(images) if name not in masks]
        if unmatched:
            raise ValueError(
                f'image {images[unmatched[0]]} has no mask {osp.join(mask_folder, unmatched[0])}.png '
                f'({len(unmatched)} images without masks)')
        records = []
        for name in sorted(images):
            image_path, mask_path = images[name], masks[name]
            palette = None
            if self.binary:
                object_ids = [1]
            else:
                ids, palette = read_palette_mask(mask_path)
                object_ids = [int(v) for v in np.unique(ids) if v not in (0, 255)]
                if not object_ids:
                    raise ValueError(f'mask {mask_path} holds no object')
            size = self._check_video([image_path], [mask_path], [mask_path], name)
            records.append(
                make_record(video=name,
                            frame_paths=[image_path],
                            frame_names=[name],
                            annotation_paths={0: mask_path},
                            gt_paths=[mask_path],
                            object_ids=object_ids,
                            object_first_frame={obj: 0
                                                for obj in object_ids},
                            object_frames={obj: [0]
                                           for obj in object_ids},
                            size=size,
                            palette=palette.flatten().tolist() if palette is not None else None,
                            dataset='static',
                            split='train',
                            merge_objects=self.binary))
        return records
