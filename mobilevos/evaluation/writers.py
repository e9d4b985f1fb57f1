"""Writing predicted masks: DAVIS-style result folders and YouTube-VOS submissions.

DAVIS results: ``<out_dir>/<video>/<frame>.png``, palette PNGs whose values
are the object ids (what ``tools/analysis/eval_masks.py`` and the official
DAVIS tool read). The evaluation loop (``test_cfg.out_dir``) writes them with
:func:`write_video_masks`; every file goes through the one atomic writer,
:func:`mobilevos.utils.io.write_mask`.

YouTube-VOS submission (the CodaLab layout): ``<out_dir>/Annotations/<video>/<frame>.png``
for every frame of ``valid/JPEGImages`` (the 6-fps subset), zipped as
``Annotations/...`` at the root of the archive.
"""
import os
import os.path as osp
import zipfile
from typing import Dict, List, Optional, Sequence

import numpy as np

from mobilevos.utils.io import write_mask


def write_video_masks(out_dir: str,
                      video: str,
                      frame_names: Sequence[str],
                      masks,
                      palette=None,
                      only_frames: Optional[Sequence[str]] = None) -> List[str]:
    """Write one video's predicted ids as ``<out_dir>/<video>/<frame>.png``.

    Args:
        out_dir: results folder.
        video: sequence name.
        frame_names: ``T`` frame names (file stems).
        masks: ``(T, H, W)`` integer ids in [0, 255] (array or CPU tensor).
        palette: ``(N, 3)`` or flat palette; default the DAVIS palette.
        only_frames: write only these frame names (each must be in ``frame_names``).

    Returns:
        The written paths.

    Raises:
        ValueError: ``masks`` and ``frame_names`` disagree in length, or a
            name of ``only_frames`` is not a frame of the video.
    """
    masks = np.asarray(masks)
    if masks.ndim != 3 or masks.shape[0] != len(frame_names):
        raise ValueError(f'video {video!r}: masks of shape {masks.shape} for {len(frame_names)} frame names; '
                         'expected (T, H, W)')
    wanted = set(frame_names) if only_frames is None else set(only_frames)
    unknown = sorted(wanted - set(frame_names))
    if unknown:
        raise ValueError(f'video {video!r}: frame {unknown[0]!r} to write is not among its frames')
    written = []
    for name, ids in zip(frame_names, masks):
        if name in wanted:
            path = osp.join(out_dir, video, f'{name}.png')
            write_mask(path, ids, palette)
            written.append(path)
    return written


class YouTubeVOSSubmissionWriter:
    """Collects predicted videos in the YouTube-VOS submission layout and zips them.

    Args:
        out_dir: folder that receives ``Annotations/<video>/<frame>.png``.
        palette: default palette (the DAVIS one if None).

    Example::

        writer = YouTubeVOSSubmissionWriter('work_dirs/ytvos')
        writer.add_video(record['video'], record['frame_names'], pred, record['palette'],
                         only_frames=record['output_frame_names'])
        writer.zip(expected={r['video']: r['output_frame_names'] for r in records})
    """

    def __init__(self, out_dir: str, palette=None):
        self.out_dir = out_dir
        self.annotation_dir = osp.join(out_dir, 'Annotations')
        self.palette = palette
        self.written: Dict[str, List[str]] = {}

    def add_video(self,
                  video: str,
                  frame_names: Sequence[str],
                  masks,
                  palette=None,
                  only_frames: Optional[Sequence[str]] = None) -> List[str]:
        """Write a video's masks (see :func:`write_video_masks`); returns the paths."""
        paths = write_video_masks(self.annotation_dir, video, frame_names, masks,
                                  palette if palette is not None else self.palette, only_frames)
        self.written[video] = [osp.splitext(osp.basename(p))[0] for p in paths]
        return paths

    def check_complete(self, expected: Dict[str, Sequence[str]]) -> None:
        """Check that every expected video and frame has a PNG on disk.

        Raises:
            ValueError: naming the first missing video or frame.
        """
        for video, names in expected.items():
            folder = osp.join(self.annotation_dir, video)
            if not osp.isdir(folder):
                raise ValueError(f'submission in {self.out_dir} has no folder {folder} for video {video!r}')
            for name in names:
                if not osp.isfile(osp.join(folder, f'{name}.png')):
                    raise ValueError(f'submission in {self.out_dir} misses {osp.join(folder, name + ".png")}')

    def zip(self, path: Optional[str] = None, expected: Optional[Dict[str, Sequence[str]]] = None) -> str:
        """Zip ``Annotations/`` into ``path`` (default ``<out_dir>/submission.zip``).

        Args:
            path: archive path.
            expected: video -> frame names that must all be present (checked first).

        Returns:
            The archive path.
        """
        if expected is not None:
            self.check_complete(expected)
        path = path or osp.join(self.out_dir, 'submission.zip')
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        with zipfile.ZipFile(path, 'w', compression=zipfile.ZIP_DEFLATED) as archive:
            for video in sorted(os.listdir(self.annotation_dir)) if osp.isdir(self.annotation_dir) else []:
                folder = osp.join(self.annotation_dir, video)
                for name in sorted(os.listdir(folder)):
                    archive.write(osp.join(folder, name), arcname=f'Annotations/{video}/{name}')
        return path
