"""The video layer of the inferencer's input: frame folders, and annotation masks matched to frames.

Reading and writing go through the one mask I/O module, :mod:`mobilevos.utils.io` (its reading
rule: palette 255 is void, a grayscale 0/255 mask is object 1); this module only lists frames,
checks sizes, reads annotations with void as background, and turns every error about the user's
files into an :class:`InferenceInputError` whose message names the file.
"""
import contextlib
import os
import os.path as osp
import re
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Tuple, Union

import numpy as np

from mobilevos.utils.cli import UserError
from mobilevos.utils.io import davis_palette, image_info, read_frame, read_palette_mask, void_to_background

PathLike = Union[str, os.PathLike]

#: File name endings taken as frames when a folder is listed.
FRAME_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')


class InferenceInputError(UserError, ValueError):
    """Bad input to the video inferencer; the message names the file and what is wrong."""


def _natural_key(name: str):
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', name)]


def list_frames(folder: PathLike) -> List[str]:
    """Frame files of a folder in natural order (``2.jpg`` before ``10.jpg``).

    Raises:
        InferenceInputError: the folder does not exist or holds no frame file.
    """
    folder = str(folder)
    if not osp.isdir(folder):
        raise InferenceInputError(f'frames folder {folder} does not exist or is not a folder')
    names = [n for n in os.listdir(folder) if n.lower().endswith(FRAME_EXTENSIONS) and not n.startswith('.')]
    if not names:
        raise InferenceInputError(f'frames folder {folder} is empty: it holds no frame '
                                  f'({", ".join("*" + e for e in FRAME_EXTENSIONS)})')
    return [osp.join(folder, n) for n in sorted(names, key=_natural_key)]


def frame_stem(path: PathLike) -> str:
    """File name without folder and extension (``.../00005.jpg`` -> ``00005``)."""
    return osp.splitext(osp.basename(str(path)))[0]


@contextlib.contextmanager
def _frame_errors(path: PathLike) -> Iterator[None]:
    """Turn the I/O errors of reading frame ``path`` into :class:`InferenceInputError`."""
    try:
        yield
    except FileNotFoundError as err:
        raise InferenceInputError(f'frame {path} is missing (no such file, or a broken link)') from err
    except OSError as err:
        # read_frame's own messages name the frame already
        message = str(err) if str(path) in str(err) else f'frame {path} cannot be read: {err}'
        raise InferenceInputError(message) from err


def frame_size(path: PathLike) -> Tuple[int, int]:
    """``(H, W)`` of a frame, from its header.

    Raises:
        InferenceInputError: the file is missing or is not an image.
    """
    with _frame_errors(path):
        return image_info(path, 'frame')[0]


def load_frame(path: PathLike, expected_size: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """Read a frame as ``(H, W, 3)`` uint8 RGB and check its size.

    Args:
        path: image file.
        expected_size: ``(H, W)`` every frame of the video must have (the first frame's).

    Raises:
        InferenceInputError: the file is missing, cannot be decoded, or has another size.
    """
    with _frame_errors(path):
        frame = read_frame(path)
    if expected_size is not None and tuple(frame.shape[:2]) != tuple(expected_size):
        raise InferenceInputError(
            f'frame {path} is {frame.shape[1]}x{frame.shape[0]} (WxH) but the first frame is '
            f'{expected_size[1]}x{expected_size[0]}; all frames of a video must have the same size')
    return frame


@dataclass
class Annotation:
    """An annotation mask as read from disk.

    Attributes:
        path: the file.
        ids: ``(H, W)`` uint8 object ids (0 background) by the reading rule of
            :mod:`mobilevos.utils.io`; void pixels are 0.
        palette: ``(256, 3)`` uint8 colours of the ids (the file's palette; built
            from the colours of an RGB mask; DAVIS for grayscale masks).
        source_mode: PIL mode of the file (``'P'``, ``'L'``, ``'1'``, ``'RGB'``, ``'RGBA'``).
    """
    path: str
    ids: np.ndarray
    palette: np.ndarray
    source_mode: str

    @property
    def object_ids(self) -> List[int]:
        """Sorted object ids present (non-zero)."""
        return [int(i) for i in np.unique(self.ids) if i != 0]


def read_annotation(path: PathLike,
                    frame_size: Optional[Tuple[int, int]] = None,
                    frame_path: Optional[PathLike] = None,
                    colour_ids: Optional[Dict[int, int]] = None) -> Annotation:
    """Read an annotation mask with :func:`mobilevos.utils.io.read_palette_mask`, void as background.

    The ids are those of the one reading rule (a palette PNG's values; a grayscale 0/255 mask is
    object 1); void (255) becomes background, as the inferencer cannot segment it. An RGB(A)
    mask's distinct non-black colours become objects ``1, 2, ...`` through ``colour_ids``.

    Args:
        path: mask file.
        frame_size: ``(H, W)`` of the frame it annotates.
        frame_path: that frame (named in the size error).
        colour_ids: colour -> id table shared by the RGB masks of one video (updated in place).

    Raises:
        InferenceInputError: missing or unreadable file, unsupported image mode,
            too many RGB colours, or a size different from ``frame_size``.
    """
    path = str(path)
    try:
        (height, width), mode = image_info(path, 'mask')
        if frame_size is not None and (height, width) != tuple(frame_size):
            what = f'frame {frame_path}' if frame_path is not None else 'its frame'
            raise InferenceInputError(f'mask {path} is {width}x{height} (WxH) but {what} is {frame_size[1]}x'
                                      f'{frame_size[0]}; a mask must have its frame\'s size')
        ids, palette = read_palette_mask(path, rgb_colour_ids={} if colour_ids is None else colour_ids)
    except InferenceInputError:
        raise
    except (OSError, ValueError) as err:  # the messages of utils.io name the file
        raise InferenceInputError(str(err)) from err
    palette = palette if palette is not None else davis_palette()
    return Annotation(path, void_to_background(ids), palette, mode)
