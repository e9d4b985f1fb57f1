"""Input and output of the video inferencer: frame folders, annotation masks, palette PNGs.

Every error about the user's files is an :class:`InferenceInputError` whose
message names the file. Outputs are written atomically (temporary file, then
rename), so a run stopped by an error leaves only complete files.
"""
import os
import os.path as osp
import re
import tempfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from PIL import Image

from mobilevos.utils.io import davis_palette, read_frame, write_mask

PathLike = Union[str, os.PathLike]

#: File name endings taken as frames when a folder is listed.
FRAME_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp')
#: An RGB mask with more colours than this is refused (it is probably not a flat-colour mask).
MAX_RGB_COLOURS = 64


class InferenceInputError(ValueError):
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


def load_frame(path: PathLike, expected_size: Optional[Tuple[int, int]] = None) -> np.ndarray:
    """Read a frame as ``(H, W, 3)`` uint8 RGB and check its size.

    Args:
        path: image file.
        expected_size: ``(H, W)`` every frame of the video must have (the first frame's).

    Raises:
        InferenceInputError: the file is missing, cannot be decoded, or has another size.
    """
    try:
        frame = read_frame(path)
    except FileNotFoundError as err:
        raise InferenceInputError(f'frame {path} is missing (no such file, or a broken link)') from err
    except OSError as err:
        raise InferenceInputError(f'frame {path} cannot be read: {err}') from err
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
        ids: ``(H, W)`` uint8 object ids as on disk (0 background); void pixels are 0.
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


def _rgb_to_ids(rgb: np.ndarray, path: str, colour_ids: Dict[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Map each distinct non-black colour to an id and build the palette.

    ``colour_ids`` (24-bit colour code -> id) is shared by the masks of one
    video, so a colour keeps its id across masks; new colours get the next ids
    in colour order.
    """
    codes = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    unique, inverse = np.unique(codes, return_inverse=True)
    objects = [int(c) for c in unique if c != 0]
    if len(objects) > MAX_RGB_COLOURS or len(set(objects) | set(colour_ids)) > 255:
        raise InferenceInputError(
            f'mask {path} is an RGB image with {len(objects)} non-black colours; expected a palette PNG '
            f'(DAVIS format) or an RGB mask with at most {MAX_RGB_COLOURS} flat object colours '
            '(anti-aliased or JPEG-compressed masks cannot be mapped to objects)')
    for code in objects:
        if code not in colour_ids:
            colour_ids[code] = len(colour_ids) + 1
    lut = np.array([colour_ids.get(int(code), 0) for code in unique], dtype=np.uint8)
    palette = np.zeros((256, 3), dtype=np.uint8)
    for code, index in colour_ids.items():
        palette[index] = ((code >> 16) & 255, (code >> 8) & 255, code & 255)
    return lut[inverse.reshape(codes.shape)], palette


def read_annotation(path: PathLike,
                    frame_size: Optional[Tuple[int, int]] = None,
                    frame_path: Optional[PathLike] = None,
                    colour_ids: Optional[Dict[int, int]] = None) -> Annotation:
    """Read an annotation mask.

    - palette (``'P'``) masks: pixel values are ids; 255 is void (DAVIS) and read as background;
    - grayscale (``'L'``, ``'1'``) masks: every non-zero value is an object id (0/255 masks hold one
      object);
    - RGB(A) masks: each distinct non-black colour becomes an object (ids ``1, 2, ...`` in colour
      order, continuing ``colour_ids`` when given) and the palette reproduces those colours;
      refused beyond :data:`MAX_RGB_COLOURS` colours.

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
    if not osp.isfile(path):
        raise InferenceInputError(f'mask {path} does not exist')
    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            if mode == 'P':
                raw = image.getpalette() or []
                palette = np.zeros((256, 3), dtype=np.uint8)
                colours = np.asarray(raw[:768], dtype=np.uint8).reshape(-1, 3)
                palette[:len(colours)] = colours
                ids = np.array(image, dtype=np.uint8)
                ids[ids == 255] = 0
            elif mode in ('L', '1'):
                ids = (np.array(image.convert('L'), dtype=np.uint8) > 0).astype(np.uint8) if mode == '1' \
                    else np.array(image, dtype=np.uint8)
                palette = davis_palette(256)
            elif mode in ('RGB', 'RGBA'):
                ids, palette = _rgb_to_ids(np.array(image.convert('RGB'), dtype=np.uint8), path,
                                           {} if colour_ids is None else colour_ids)
            else:
                raise InferenceInputError(
                    f'mask {path} has image mode {mode!r}; expected a palette PNG (DAVIS '
                    'format), a grayscale id mask or a flat-colour RGB mask')
    except InferenceInputError:
        raise
    except (OSError, ValueError) as err:
        raise InferenceInputError(f'mask {path} cannot be read as an image: {err}') from err
    if frame_size is not None and tuple(ids.shape) != tuple(frame_size):
        what = f'frame {frame_path}' if frame_path is not None else 'its frame'
        raise InferenceInputError(f'mask {path} is {ids.shape[1]}x{ids.shape[0]} (WxH) but {what} is '
                                  f'{frame_size[1]}x{frame_size[0]}; a mask must have its frame\'s size')
    return Annotation(path, ids, palette, mode)


def _atomic_target(path: str, suffix: str) -> str:
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', suffix=suffix, dir=folder)
    os.close(fd)
    return tmp


Palette = Union[np.ndarray, Sequence[int], None]


def write_palette_png(path: PathLike, ids: np.ndarray, palette: Palette) -> None:
    """Write ``(H, W)`` ids as a palette PNG, atomically."""
    path = str(path)
    tmp = _atomic_target(path, '.tmp')
    try:
        write_mask(tmp, ids, palette)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_rgb_image(path: PathLike, image: np.ndarray, quality: int = 90) -> None:
    """Write ``(H, W, 3)`` uint8 RGB as JPEG (``.jpg``) or PNG, atomically."""
    path = str(path)
    tmp = _atomic_target(path, '.tmp')
    try:
        fmt = 'JPEG' if path.lower().endswith(('.jpg', '.jpeg')) else 'PNG'
        Image.fromarray(image).save(tmp, format=fmt, **({'quality': quality} if fmt == 'JPEG' else {}))
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
