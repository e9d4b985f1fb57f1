"""Writing the synthetic dataset in the DAVIS 2017 layout, once per set of arguments.

Written files (``out_dir``)::

    JPEGImages/480p/<seq>/00000.jpg ...   (the folder keeps the DAVIS name at any size)
    Annotations/480p/<seq>/00000.png ...  palette PNGs, ground truth of every frame
    ImageSets/2017/train.txt, val.txt
    Meta/<seq>.json                       what the masks show: per object its per-frame visible
                                          and in-view (unoccluded) areas, first visible frame,
                                          frames out of view, re-entry; occlusions per pair
    Meta/dataset.json                     the arguments and the sequence lists
"""
import json
import os
import os.path as osp
import shutil
import time
from typing import List, Optional, Tuple

from mobilevos.utils.io import davis_palette, write_image, write_mask
from .scenes import generate_video

GENERATOR_VERSION = 1


def _write_json(path: str, data: dict) -> None:
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.write('\n')


def _dataset_config(num_videos: int, num_frames: int, size: Tuple[int, int], seed: int,
                    num_val_videos: int) -> dict:
    return {
        'generator': 'mobilevos.datasets.synthetic',
        'version': GENERATOR_VERSION,
        'num_videos': num_videos,
        'num_val_videos': num_val_videos,
        'num_frames': num_frames,
        'size': [int(size[0]), int(size[1])],
        'seed': seed,
    }


def _val_count(num_videos: int, num_val_videos: Optional[int]) -> int:
    """The number of val videos: ``num_val_videos``, by default ``max(1, num_videos // 10)``."""
    return max(1, num_videos // 10) if num_val_videos is None else int(num_val_videos)


def _marker_path(out_dir: str) -> str:
    """``Meta/dataset.json``: the file that marks a folder as a synthetic dataset made here."""
    return osp.join(out_dir, 'Meta', 'dataset.json')


def _video_names(split: str, count: int) -> List[str]:
    return [f'syn-{split}-{index:04d}' for index in range(count)]


def make_synthetic_davis(out_dir: str,
                         num_videos: int = 300,
                         num_frames: int = 10,
                         size: Tuple[int, int] = (96, 96),
                         seed: int = 0,
                         num_val_videos: Optional[int] = None,
                         overwrite: bool = False,
                         progress: bool = False) -> dict:
    """Write a synthetic dataset in the DAVIS 2017 layout (see the module docstring).

    Args:
        out_dir: output folder; created. It must not already hold a dataset
            unless ``overwrite`` (which only replaces a folder that holds a
            synthetic dataset made here).
        num_videos: number of train videos (>= 1).
        num_frames: frames per video (>= 1; late appearance needs 2, re-entry 3).
        size: ``(H, W)`` of the frames, each >= 16.
        seed: random seed; the same arguments give byte-identical files.
        num_val_videos: number of val videos; default ``max(1, num_videos // 10)``.
        overwrite: replace a synthetic dataset already in ``out_dir``.
        progress: show a tqdm progress bar.

    Returns:
        ``dict(out_dir, config, train, val, events, seconds)``: the dataset
        config written in ``Meta/dataset.json``, the sequence names per
        split, how many videos show each event, and the time taken.

    Raises:
        ValueError: bad arguments.
        FileExistsError: ``out_dir`` holds files and ``overwrite`` is off, or it
            holds something other than a synthetic dataset.
    """
    height, width = (int(size[0]), int(size[1]))
    if num_videos < 1 or num_frames < 1 or height < 16 or width < 16:
        raise ValueError(
            f'make_synthetic_davis needs num_videos >= 1, num_frames >= 1 and a size of at least '
            f'16x16; got num_videos={num_videos}, num_frames={num_frames}, size={size}')
    num_val_videos = _val_count(num_videos, num_val_videos)
    if num_val_videos < 0:
        raise ValueError(f'num_val_videos must be >= 0, got {num_val_videos}')
    marker = _marker_path(out_dir)
    if osp.isdir(out_dir) and os.listdir(out_dir):
        if not overwrite:
            raise FileExistsError(f'{out_dir} is not empty; pass overwrite=True (--overwrite) to replace a '
                                  'synthetic dataset there')
        if not osp.isfile(marker):
            raise FileExistsError(
                f'{out_dir} is not empty and holds no synthetic dataset ({marker} is missing); '
                'refusing to overwrite it')
        for sub in ('JPEGImages', 'Annotations', 'ImageSets', 'Meta'):
            shutil.rmtree(osp.join(out_dir, sub), ignore_errors=True)

    started = time.perf_counter()
    config = _dataset_config(num_videos, num_frames, (height, width), seed, num_val_videos)
    splits = {'train': _video_names('train', num_videos), 'val': _video_names('val', num_val_videos)}
    palette = davis_palette()
    jobs = [(split, index, name) for split, names in splits.items() for index, name in enumerate(names)]
    iterator = jobs
    if progress:
        from tqdm import tqdm
        iterator = tqdm(jobs, desc='synthetic videos', unit='video')
    os.makedirs(osp.join(out_dir, 'Meta'), exist_ok=True)
    counts = {'occlusion': 0, 'late_appearance': 0, 'reentry': 0}
    for split, index, name in iterator:
        frames, masks, meta = generate_video(seed, split, index, num_frames, (height, width))
        frame_dir = osp.join(out_dir, 'JPEGImages', '480p', name)
        mask_dir = osp.join(out_dir, 'Annotations', '480p', name)
        for t in range(num_frames):  # both writers create the folders
            write_image(osp.join(frame_dir, f'{t:05d}.jpg'), frames[t], quality=92)
            write_mask(osp.join(mask_dir, f'{t:05d}.png'), masks[t], palette)
        _write_json(osp.join(out_dir, 'Meta', f'{name}.json'), dict(meta, video=name, split=split))
        for key in counts:
            counts[key] += int(meta['events'][key])
    os.makedirs(osp.join(out_dir, 'ImageSets', '2017'), exist_ok=True)
    for split, names in splits.items():
        with open(osp.join(out_dir, 'ImageSets', '2017', f'{split}.txt'), 'w', encoding='utf-8') as handle:
            handle.write(''.join(f'{n}\n' for n in names))
    _write_json(marker, dict(config, train=splits['train'], val=splits['val'], events=counts))
    return dict(out_dir=out_dir,
                config=config,
                train=splits['train'],
                val=splits['val'],
                events=counts,
                seconds=time.perf_counter() - started)


def ensure_synthetic_davis(out_dir: str,
                           num_videos: int = 300,
                           num_frames: int = 10,
                           size: Tuple[int, int] = (96, 96),
                           seed: int = 0,
                           num_val_videos: Optional[int] = None,
                           progress: bool = False) -> dict:
    """Make the synthetic dataset in ``out_dir`` unless the same one is already there.

    The dataset is written to a temporary sibling folder and renamed into
    place, so concurrent callers and interrupted runs never leave a partial
    dataset at ``out_dir``.

    Returns:
        The summary of :func:`make_synthetic_davis` (``seconds`` is 0 when the
        dataset was already there).

    Raises:
        FileExistsError: ``out_dir`` holds a dataset made with other arguments
            or something else.
    """
    num_val_videos = _val_count(num_videos, num_val_videos)
    wanted = _dataset_config(num_videos, num_frames, size, seed, num_val_videos)
    marker = _marker_path(out_dir)
    if osp.isdir(out_dir) and os.listdir(out_dir):
        if not osp.isfile(marker):
            raise FileExistsError(f'{out_dir} exists but holds no synthetic dataset ({marker} is missing)')
        with open(marker, encoding='utf-8') as handle:
            found = json.load(handle)
        if {k: found.get(k) for k in wanted} != wanted:
            raise FileExistsError(
                f'{out_dir} holds a synthetic dataset made with {found.get("num_videos")} videos, '
                f'{found.get("num_frames")} frames, size {found.get("size")}, seed '
                f'{found.get("seed")}; asked for {wanted}. Remove it or choose another folder')
        return dict(out_dir=out_dir,
                    config=wanted,
                    train=found['train'],
                    val=found['val'],
                    events=found['events'],
                    seconds=0.0)
    parent = osp.dirname(osp.abspath(out_dir))
    os.makedirs(parent, exist_ok=True)
    staging = osp.join(parent, f'.{osp.basename(osp.abspath(out_dir))}.tmp-{os.getpid()}')
    shutil.rmtree(staging, ignore_errors=True)
    summary = make_synthetic_davis(staging,
                                   num_videos,
                                   num_frames,
                                   size,
                                   seed,
                                   num_val_videos,
                                   progress=progress)
    try:
        if osp.isdir(out_dir) and not os.listdir(out_dir):
            os.rmdir(out_dir)
        os.rename(staging, out_dir)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        if osp.isfile(marker):  # another process finished first
            return ensure_synthetic_davis(out_dir, num_videos, num_frames, size, seed, num_val_videos)
        raise
    summary['out_dir'] = out_dir
    return summary
