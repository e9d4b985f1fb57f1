"""Reading and writing frames and id masks in the public VOS formats: the one mask I/O module.

Every mask of the project is read by :func:`read_palette_mask` / :func:`read_mask` (datasets,
the clip sampler, inference annotations, evaluation of ground truth and of predictions) and every
result mask is written by :func:`write_mask`, atomically.

Masks are ``(H, W)`` uint8 arrays of object ids. The reading rule:

- palette PNG (PIL mode ``'P'``, DAVIS 2017 / YouTube-VOS): the pixel values are the ids; 0 is
  background, ``1..254`` are objects and 255 (:data:`VOID_ID`) is void. Void is kept as 255: the
  clip sampler uses it as the ignore index of the training loss; the evaluation counts it as
  background and inference annotations read it as background (:func:`void_to_background`), as the
  official DAVIS tools do;
- grayscale (``'L'``) or 1-bit PNG whose values are only 0 and 255 (DAVIS 2016, saliency masks): a
  binary mask of **one object, id 1** (255 -> 1), as the official DAVIS 2016 evaluation binarises;
- any other grayscale PNG: the values are ids, as for a palette PNG (255 void);
- RGB(A) PNG: refused unless a palette (``rgb_palette``) or a colour table (``rgb_colour_ids``,
  each distinct non-black colour becomes the next object) maps its colours to ids;
- ``binary=True`` (a video record's ``merge_objects``: DAVIS 2016 read from multi-object masks,
  soft-edged saliency masks) then merges every non-zero value, void included, into object 1.

Masks are written as palette PNGs (mode ``'P'``) whose pixel values are the ids and whose palette
only colours them. The default palette is the DAVIS one (the PASCAL VOC colour map), computed by
:func:`davis_palette` with the bit-interleaving algorithm.
"""
import os
import os.path as osp
import uuid
from functools import lru_cache
from typing import Dict, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from PIL import Image

PathLike = Union[str, os.PathLike]

#: PIL modes whose pixel values are object ids.
ID_MASK_MODES = ('P', 'L', '1')
#: The void id of palette masks (DAVIS 2017): ignored in training, background in evaluation.
VOID_ID = 255
#: An RGB mask with more colours than this is refused by the colour table (not a flat-colour mask).
MAX_RGB_COLOURS = 64


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


def palette_array(palette: Union[np.ndarray, Sequence[int], None] = None) -> np.ndarray:
    """A palette as ``(256, 3)`` uint8.

    ``None`` gives the DAVIS palette; ``(N, 3)`` or flat ``3 * N`` values are padded with black.

    Raises:
        ValueError: not ``N <= 256`` RGB triples in [0, 255].
    """
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


def _colour_table_ids(rgb: np.ndarray, path: PathLike,
                      colour_ids: Dict[int, int]) -> Tuple[np.ndarray, np.ndarray]:
    """Map each distinct non-black colour of an ``(H, W, 3)`` mask to an id; build the palette.

    ``colour_ids`` (24-bit colour code -> id) is shared by the masks of one video and updated in
    place, so a colour keeps its id across masks; new colours get the next ids in colour order.
    """
    codes = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[..., 2]
    unique, inverse = np.unique(codes, return_inverse=True)
    objects = [int(c) for c in unique if c != 0]
    if len(objects) > MAX_RGB_COLOURS or len(set(objects) | set(colour_ids)) > VOID_ID - 1:
        raise ValueError(
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


def _grayscale_ids(gray: np.ndarray) -> np.ndarray:
    """Grayscale values as ids: a two-valued 0/255 mask is object 1, other values are ids."""
    if not np.any((gray != 0) & (gray != VOID_ID)):
        return (gray == VOID_ID).astype(np.uint8)
    return gray


def read_palette_mask(
        path: PathLike,
        binary: bool = False,
        rgb_palette: Union[np.ndarray, Sequence[int], None] = None,
        rgb_colour_ids: Optional[Dict[int, int]] = None) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """Read an id mask and its palette, by the rule of the module docstring.

    Args:
        path: a palette (``'P'``), grayscale (``'L'``), 1-bit or (with a mapping) RGB(A) PNG.
        binary: merge every non-zero value (void included) into object 1.
        rgb_palette: map an RGB mask's colours to ids by looking them up in this palette
            (``(N, 3)`` or flat); a colour that is not in it is an error.
        rgb_colour_ids: map an RGB mask's distinct non-black colours to new ids ``1, 2, ...``
            through this colour table (24-bit code -> id), updated in place so that the masks of
            one video share it. Without either mapping an RGB mask is refused.

    Returns:
        ``(ids, palette)``: ids is ``(H, W)`` uint8 (255 = void, see the module docstring);
        palette is the file's ``(256, 3)`` uint8 palette, the colours of an RGB mask mapped with
        ``rgb_colour_ids``, or ``None`` for grayscale / 1-bit files and ``rgb_palette`` mappings.

    Raises:
        FileNotFoundError: the file does not exist.
        OSError: it is not a readable image.
        ValueError: it is not an id image (e.g. RGB without a mapping, 16-bit), an RGB colour is
            not in ``rgb_palette``, or an RGB mask has too many colours for ``rgb_colour_ids``.
    """
    image = _open_image(path, 'mask')
    palette = None
    if image.mode == 'P':
        raw = image.getpalette() or []
        palette = palette_array(raw[:768]) if raw else davis_palette()
        ids = np.array(image, dtype=np.uint8)
    elif image.mode in ('L', '1'):
        ids = _grayscale_ids(np.array(image.convert('L'), dtype=np.uint8))
    elif image.mode in ('RGB', 'RGBA') and rgb_palette is not None:
        ids = rgb_to_ids(np.array(image.convert('RGB')), rgb_palette, name=str(path))
    elif image.mode in ('RGB', 'RGBA') and rgb_colour_ids is not None:
        ids, palette = _colour_table_ids(np.array(image.convert('RGB'), dtype=np.uint8), path, rgb_colour_ids)
    else:
        hint = ' (pass rgb_palette to map its colours to ids)' if image.mode in ('RGB', 'RGBA') else ''
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


def void_to_background(ids: np.ndarray) -> np.ndarray:
    """``(H, W)`` ids with void (255) set to background (0), uint8 (a copy)."""
    ids = np.asarray(ids)
    return np.where(ids == VOID_ID, 0, ids).astype(np.uint8)


def rgb_to_ids(rgb: np.ndarray, palette: Union[np.ndarray, Sequence[int]], name: str = 'mask') -> np.ndarray:
    """Map an ``(H, W, 3)`` RGB mask to ``(H, W)`` uint8 ids through a palette.

    Raises:
        ValueError: a colour of the mask is not in the palette (named by
            ``name``).
    """
    colours = palette_array(palette).astype(np.int64)
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


def _save_atomic(path: PathLike, image: Image.Image, **save_options) -> None:
    """Save ``image`` to ``path`` through a temporary file in the same folder, then rename.

    A reader never sees a half-written file and an error leaves no file behind (the
    temporary one is removed). The format is given by ``save_options['format']``.
    """
    path = os.fspath(path)
    parent = osp.dirname(osp.abspath(path))
    os.makedirs(parent, exist_ok=True)
    tmp = osp.join(parent, f'.{osp.basename(path)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp')
    try:
        image.save(tmp, **save_options)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_mask(path: PathLike, ids, palette: Union[np.ndarray, Sequence[int], None] = None) -> None:
    """Write ids as a palette PNG (mode ``'P'``), the DAVIS / YouTube-VOS format, atomically.

    The one writer of result masks (evaluation loops, prediction writers, the inferencer):
    the PNG is written to a temporary file in the same folder and renamed.

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
    image.putpalette(palette_array(palette).flatten().tolist())
    _save_atomic(path, image, format='PNG')


def write_image(path: PathLike, image: np.ndarray, quality: int = 90) -> None:
    """Write ``(H, W, 3)`` uint8 RGB (e.g. an overlay) as JPEG (``.jpg``/``.jpeg``) or PNG, atomically.

    Raises:
        ValueError: ``image`` is not ``(H, W, 3)`` uint8.
    """
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3 or array.dtype != np.uint8:
        raise ValueError(f'write_image({path}): expected (H, W, 3) uint8 RGB, '
                         f'got {array.shape} {array.dtype}')
    jpeg = os.fspath(path).lower().endswith(('.jpg', '.jpeg'))
    options = dict(format='JPEG', quality=quality) if jpeg else dict(format='PNG')
    _save_atomic(path, Image.fromarray(np.ascontiguousarray(array)), **options)


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
