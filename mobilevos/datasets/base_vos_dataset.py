"""``BaseVOSDataset``: a dataset whose items are video records, and the checks shared by the readers.

Video record (one ``dict`` per video; what ``dataset.get_data_info(i)`` and,
with an empty pipeline, ``dataset[i]`` return):

=========================  ====================================================================
``video``                  str, the sequence name.
``frame_paths``            list[str], the ``T`` frames, sorted by name.
``frame_names``            list[str], the frames' file stems (``'00000'``...).
``num_frames``             int, ``T``.
``annotation_paths``       dict[int, str]: frame index -> PNG holding the masks given as input
                           (semi-supervised protocol). DAVIS: ``{0: ...}`` (or, with
                           ``input_masks='first_appearance'``, the first frame of every
                           object); YouTube-VOS: the frame where each object first appears.
                           Only the objects that first appear in a frame are input there: the
                           PNG may hold others, which the test loop leaves out.
``gt_paths``               list[str | None], ``T`` entries: the ground-truth PNG of each frame,
                           None where a frame has none (YouTube-VOS valid, DAVIS test-dev).
``object_ids``             list[int], sorted ids of the objects to segment (as in the PNGs).
``object_first_frame``     dict[int, int]: object id -> frame index of its first (input) mask;
                           the keys of ``annotation_paths`` are the set of its values.
``object_frames``          dict[int, list[int]] | None: object id -> frame indices where it is
                           annotated as present (from YouTube-VOS ``meta.json``, or from the
                           masks when they were all read); None when unknown.
``categories``             dict[int, str] | None: object id -> category (YouTube-VOS).
``palette``                list[int] | None: the 768-value palette of the first input PNG, to
                           write predictions with (None for grayscale masks).
``size``                   tuple[int, int]: ``(H, W)`` of every frame and mask.
``merge_objects``          bool: read masks with ``read_mask(path, binary=True)`` (DAVIS 2016
                           merged to one object, 0/255 saliency masks).
``output_frame_names``     list[str]: frames a prediction must be written for (YouTube-VOS
                           valid with ``use_all_frames``: the 6-fps subset; else every frame).
``dataset``, ``split``     str: e.g. ``'davis2017'``, ``'val'``.
=========================  ====================================================================

``get_data_info`` also adds mmengine's ``sample_idx``.

Reading a mask is ``mobilevos.utils.io.read_mask(path, binary=record['merge_objects'])``.
For training, the frames with ground truth are
``[t for t, p in enumerate(record['gt_paths']) if p is not None]``.
"""
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from mmengine.dataset import BaseDataset

from mobilevos.utils.cli import MissingDataError
from mobilevos.utils.io import check_mask_file, image_info

#: File extensions accepted as frames.
FRAME_EXTENSIONS = ('.jpg', '.jpeg', '.png')
#: How much of the files the readers open at start-up.
CHECK_LEVELS = ('full', 'fast', 'none')


def list_files(folder: str, extensions: Sequence[str], what: str) -> Dict[str, str]:
    """Map file stem -> path for the files of ``folder`` with one of ``extensions``.

    Raises:
        FileNotFoundError: ``folder`` does not exist (named with ``what``).
        ValueError: two files share a stem (e.g. ``0.jpg`` and ``0.png``).
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'{what} folder {folder} does not exist')
    found: Dict[str, str] = {}
    for entry in sorted(os.listdir(folder)):
        stem, ext = osp.splitext(entry)
        if ext.lower() not in extensions:
            continue
        if stem in found:
            raise ValueError(f'{what} folder {folder} has two files named {stem!r}: '
                             f'{osp.basename(found[stem])} and {entry}')
        found[stem] = osp.join(folder, entry)
    return found


def read_split_file(path: str, what: str = 'split file') -> List[str]:
    """Non-empty, stripped lines of a split file, in order, without repeats.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: it lists no sequence.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path} does not exist')
    with open(path, encoding='utf-8') as handle:
        names = [line.strip() for line in handle if line.strip()]
    if not names:
        raise ValueError(f'{what} {path} lists no sequence')
    return list(dict.fromkeys(names))


def check_sizes(frame_paths: Iterable[str], mask_paths: Iterable[str], expected: Tuple[int, int],
                video: str) -> None:
    """Check that every frame and mask is ``expected`` ``(H, W)`` and every mask an id image.

    Raises:
        ValueError: naming the first file of another size, or a mask that is
            not a palette / grayscale image.
    """
    for path in frame_paths:
        size, _ = image_info(path, 'frame')
        if size != expected:
            raise ValueError(f'frame {path} is {size[1]}x{size[0]} but the first frame of {video!r} is '
                             f'{expected[1]}x{expected[0]} (WxH)')
    for path in mask_paths:
        size = check_mask_file(path)
        if size != expected:
            raise ValueError(f'mask {path} is {size[1]}x{size[0]} but the frames of {video!r} are '
                             f'{expected[1]}x{expected[0]} (WxH)')


def make_record(video: str,
                frame_paths: List[str],
                frame_names: List[str],
                annotation_paths: Dict[int, str],
                gt_paths: List[Optional[str]],
                object_ids: List[int],
                object_first_frame: Dict[int, int],
                size: Tuple[int, int],
                palette: Optional[List[int]],
                dataset: str,
                split: str,
                merge_objects: bool = False,
                object_frames: Optional[Dict[int, List[int]]] = None,
                categories: Optional[Dict[int, str]] = None,
                output_frame_names: Optional[List[str]] = None) -> dict:
    """Assemble a video record (see the module docstring) and check it is consistent."""
    if len(frame_paths) != len(frame_names) or len(gt_paths) != len(frame_paths):
        raise ValueError(f'video {video!r}: frame_paths, frame_names and gt_paths differ in length')
    if set(annotation_paths) != set(object_first_frame.values()):
        raise ValueError(f'video {video!r}: annotation frames {sorted(annotation_paths)} differ from the '
                         f'objects\' first frames {sorted(set(object_first_frame.values()))}')
    return dict(
        video=video,
        frame_paths=list(frame_paths),
        frame_names=list(frame_names),
        num_frames=len(frame_paths),
        annotation_paths=dict(sorted(annotation_paths.items())),
        gt_paths=list(gt_paths),
        object_ids=sorted(int(i) for i in object_ids),
        object_first_frame={
            int(k): int(v)
            for k, v in sorted(object_first_frame.items())
        },
        object_frames=object_frames,
        categories=categories,
        palette=palette,
        size=tuple(size),
        merge_objects=merge_objects,
        output_frame_names=list(output_frame_names if output_frame_names is not None else frame_names),
        dataset=dataset,
        split=split)


class BaseVOSDataset(BaseDataset):
    """An mmengine dataset of video records (see the module docstring).

    Subclasses implement :meth:`load_data_list`. ``pipeline`` receives a copy
    of the record; the clip sampler and transforms turn it into model inputs.

    Args:
        data_root: dataset root folder.
        check_files: ``'full'`` opens the header of every frame and mask
            (sizes, mask modes), ``'fast'`` only the first frame and the input
            masks of each video, ``'none'`` only lists folders.
        pipeline, test_mode, lazy_init, serialize_data, indices, max_refetch,
            metainfo: as in :class:`mmengine.dataset.BaseDataset`.

    Raises:
        MissingDataError: ``data_root`` does not exist (a ``FileNotFoundError``).
        ValueError: an unknown ``check_files``.
    """

    def __init__(self,
                 data_root: str,
                 check_files: str = 'full',
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 serialize_data: bool = True,
                 indices=None,
                 max_refetch: int = 1000,
                 metainfo: Optional[dict] = None):
        if check_files not in CHECK_LEVELS:
            raise ValueError(f'check_files must be one of {CHECK_LEVELS}, got {check_files!r}')
        if not osp.isdir(data_root):
            raise MissingDataError(f'{type(self).__name__}: data_root {data_root} does not exist', data_root)
        self.check_files = check_files
        super().__init__(ann_file='',
                         metainfo=metainfo,
                         data_root=data_root,
                         data_prefix=dict(),
                         pipeline=list(pipeline),
                         test_mode=test_mode,
                         lazy_init=lazy_init,
                         serialize_data=serialize_data,
                         indices=indices,
                         max_refetch=max_refetch)

    def _check_video(self, record_frames: List[str], all_masks: List[str], input_masks: List[str],
                     video: str) -> Tuple[int, int]:
        """Check sizes and mask modes at ``self.check_files`` depth; return ``(H, W)``."""
        size, _ = image_info(record_frames[0], 'frame')
        if self.check_files == 'full':
            check_sizes(record_frames[1:], all_masks, size, video)
        elif self.check_files == 'fast':
            check_sizes([], input_masks, size, video)
        return size
