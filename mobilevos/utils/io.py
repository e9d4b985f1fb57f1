"""Reading and writing frames and id masks in the public VOS formats.

Masks are ``(H, W)`` uint8 arrays of object ids: 0 is background, ``1..K`` are
objects and, in DAVIS 2017 ground truth, 255 marks void pixels. On disk they
are palette PNGs (PIL mode ``'P'``) whose pixel values are the ids and whose
palette only colours them. DAVIS 2016 ground truth is a grayscale (``'L'``)
image with values 0/255: read it with ``binary=True`` to get ids 0/1.

The default palette is the DAVIS one (the PASCAL VOC colour map), computed by
:func:`davis_palette` with the bit-interleaving algorithm.
"""
import os
import os.path as osp
from functools import lru_cache
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from PIL import Image

PathLike = Union[str, os.PathLike]

#: PIL modes whose pixel values are object ids.
ID_MASK_MODES = ('P', 'L', '1')


@lru_cache(maxsize=None)
def _davis_palette_cached(num_colors: int) -> bytes:
    palette = np.zeros((num_colors, 3), dtype=np.uint8)
    for index in range(num_colors):
        red = green = blue = 0
        code = index
        # Bits 0, 1, 2 of each 3-bit group of the index go to the most
        # significant free bit of red, green and blue, from bit 7 down.
        for shift in range(7, -1, -1):
            red |= ((code >> 0) & 1) << shift
            green |= ((code >> 1) & 1) << shift
            blue |= ((code >> 2) & 1) << shift
            code >>= 3
        palette[index] = (red, green, blue)
    return palette.tobytes()


def davis_palette(num_colors: int = 256) -> np.ndarray:
    """The DAVIS / PASCAL VOC colour map.

    Args:
        num_colors: number of entries, 1..256.

    Returns:
        ``(num_colors, 3)`` uint8 RGB colours; entry 0 is black, 1 is
        ``(128, 0, 0)``, 2 is ``(0, 128, 0)``, 3 is ``(128, 128, 0)``...
    """
    if not 1 <= num_colors <= 256:
        raise ValueError(f'num_colors must be in [1, 256], got {num_colors}')
    return np.frombuffer(_davis_palette_cached(num_colors), dtype=np.uint8).reshape(num_colors, 3).copy()


def _as_palette_array(palette: Union[np.ndarray, Sequence[int], None]) -> np.ndarray:
    """A palette as ``(256, 3)`` uint8 (flat lists of ``3 * n`` ints are accepted)."""
    if palette is None:
        return davis_palette()
    array = np.asarray(palette)
    if array.ndim == 1:
        if array.size % 3:
            raise ValueError(f'a flat palette needs a multiple of 3 values, got {array.size}')
        array = array.reshape(-1, 3)
    if array.ndim != 2 or array.shape[1] != 3 or not 1 <= array.shape[0] <= 256:
        raise ValueError(f'a palette must be (N<=256, 3) RGB values, got shape {array.shape}')
    if array.min() < 0 or array.max() > 255:
        raise ValueError('palette values must be in [0, 255]')
    full = np.zeros((256, 3), dtype=np.uint8)
    full[:array.shape[0]] = array.astype(np.uint8)
    return full


def _open_image(path: PathLike, what: str) -> Image.Image:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path} does not exist')
    try:
        image = Image.open(path)
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError) as error:
        raise OSError(f'{what} {path} cannot be read as an image: {error}') from error
    return image


def read_palette_mask(path: PathLike,
                      binary: bool = False,
                      rgb_palette: Union[np.ndarray, Sequence[int],
                                         None] = None) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read an id mask and its palette.

    Args:
        path: a palette (``'P'``), grayscale (``'L'``) or 1-bit PNG.
        binary: map every non-zero value to 1 (DAVIS 2016 masks are 0/255).
        rgb_palette: if given, an RGB mask is mapped to ids by looking its
            colours up in this palette (``(N, 3)`` or flat); without it an RGB
            mask is refused.

    Returns:
        ``(ids, palette)``: ids is ``(H, W)`` uint8; palette is the file's
        ``(256, 3)`` uint8 palette, or ``None`` for grayscale / 1-bit / RGB
        files.

    Raises:
        FileNotFoundError: the file does not exist.
        OSError: it is not a readable image.
        ValueError: it is not an id image (e.g. RGB without ``rgb_palette``,
            RGBA, 16-bit), or an RGB colour is not in ``rgb_palette``.
    """
    image = _open_image(path, 'mask')
    palette = None
    if image.mode == 'P':
        raw = image.getpalette() or []
        palette = _as_palette_array(raw[:768]) if raw else davis_palette()
        ids = np.array(image, dtype=np.uint8)
    elif image.mode in ('L', '1'):
        ids = np.array(image.convert('L') if image.mode == '1' else image, dtype=np.uint8)
        if image.mode == '1':
            ids = (ids > 0).astype(np.uint8)
    elif image.mode == 'RGB' and rgb_palette is not None:
        ids = rgb_to_ids(np.array(image), rgb_palette, name=str(path))
    else:
        hint = ' (pass rgb_palette to map its colours to ids)' if image.mode == 'RGB' else ''
        raise ValueError(f'mask {path} has PIL mode {image.mode!r}; expected a palette (P) or '
                         f'id (L) image whose pixel values are object ids{hint}')
    if binary:
        ids = (ids > 0).astype(np.uint8)
    return ids, palette


def read_mask(path: PathLike,
              binary: bool = False,
              rgb_palette: Union[np.ndarray, Sequence[int], None] = None) -> np.ndarray:
    """Read an id mask as ``(H, W)`` uint8; see :func:`read_palette_mask`."""
    return read_palette_mask(path, binary=binary, rgb_palette=rgb_palette)[0]


def rgb_to_ids(rgb: np.ndarray, palette: Union[np.ndarray, Sequence[int]], name: str = 'mask') -> np.ndarray:
    """Map an ``(H, W, 3)`` RGB mask to ``(H, W)`` uint8 ids through a palette.

    Raises:
        ValueError: a colour of the mask is not in the palette (named by
            ``name``).
    """
    colours = _as_palette_array(palette).astype(np.int64)
    codes = (colours[:, 0] << 16) | (colours[:, 1] << 8) | colours[:, 2]
    lookup = {}
    for index in range(len(codes) - 1, -1, -1):  # the lowest id wins for a repeated colour
        lookup[int(codes[index])] = index
    rgb = np.asarray(rgb, dtype=np.int64)
    pixel_codes = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    unique_codes, inverse = np.unique(pixel_codes, return_inverse=True)
    unique_ids = np.zeros(len(unique_codes), dtype=np.uint8)
    for position, code in enumerate(unique_codes.tolist()):
        if code not in lookup:
            y, x = np.argwhere(pixel_codes == code)[0]
            raise ValueError(f'{name}: colour {tuple(int(v) for v in rgb[y, x])} at (y={y}, x={x}) '
                             'is not in the palette')
        unique_ids[position] = lookup[code]
    return unique_ids[inverse.reshape(pixel_codes.shape)]


def write_mask(path: PathLike, ids, palette: Union[np.ndarray, Sequence[int], None] = None) -> None:
    """Write ids as a palette PNG (mode ``'P'``), the DAVIS / YouTube-VOS format.

    Args:
        path: output ``.png`` path; parent folders are created.
        ids: ``(H, W)`` integer array (or CPU tensor) with values in [0, 255].
        palette: ``(N, 3)`` or flat RGB palette; default the DAVIS palette.

    Raises:
        ValueError: ``ids`` is not 2-D, not integer, or out of [0, 255].
    """
    array = np.asarray(ids)
    if array.ndim != 2:
        raise ValueError(f'write_mask({path}): ids must be (H, W), got shape {array.shape}')
    if array.dtype.kind not in 'uib':
        raise ValueError(f'write_mask({path}): ids must be integers, got dtype {array.dtype}')
    if array.size and (array.min() < 0 or array.max() > 255):
        raise ValueError(f'write_mask({path}): ids must be in [0, 255], got [{array.min()}, {array.max()}]')
    image = Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8))  # mode 'L'
    image.putpalette(_as_palette_array(palette).flatten().tolist())
    parent = osp.dirname(osp.abspath(path))
    os.makedirs(parent, exist_ok=True)
    image.save(path, format='PNG')


def read_frame(path: PathLike) -> np.ndarray:
    """Read a JPEG/PNG frame as ``(H, W, 3)`` uint8 RGB.

    Raises:
        FileNotFoundError: the file does not exist.
        OSError: the file cannot be decoded as an image.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'frame {path} does not exist')
    data = np.fromfile(str(path), dtype=np.uint8)
    bgr = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if bgr is None:
        raise OSError(f'frame {path} cannot be decoded as an image (empty or corrupt file?)')
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def image_info(path: PathLike, what: str = 'image') -> Tuple[Tuple[int, int], str]:
    """``((H, W), PIL mode)`` of an image, read from its header only.

    Raises:
        FileNotFoundError / OSError: as :func:`read_frame`, naming ``what``.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path} does not exist')
    try:
        with Image.open(path) as image:
            width, height = image.size
            return (height, width), image.mode
    except (OSError, ValueError) as error:
        raise OSError(f'{what} {path} cannot be read as an image: {error}') from error


def check_mask_file(path: PathLike, allow_rgb: bool = False) -> Tuple[int, int]:
    """Check from the header that ``path`` is an id mask; return its ``(H, W)``.

    Raises:
        ValueError: the mask is not a palette / grayscale / 1-bit image.
    """
    size, mode = image_info(path, 'mask')
    if mode not in ID_MASK_MODES and not (allow_rgb and mode == 'RGB'):
        raise ValueError(f'mask {path} has PIL mode {mode!r}; expected a palette (P) or id (L) image '
                         'whose pixel values are object ids')
    return size
