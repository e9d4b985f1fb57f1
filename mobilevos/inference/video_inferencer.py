"""Streaming video inference: an STM network, a memory bank, one frame at a time."""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn.functional as F

from mobilevos.models.memory import BaseMemoryBank
from mobilevos.models.vos import labels_to_masks, logits_to_labels, segment_frame
from mobilevos.models.vos.steps import STEP_METHODS
from mobilevos.utils.io import write_image, write_mask
from mobilevos.visualization import overlay_mask

from .fast_torch import optimize_for_inference
from .memory_spec import memory_bank_from_spec
from .object_ids import ObjectIdMap
from .video_io import (Annotation, InferenceInputError, frame_size, frame_stem, list_frames, load_frame,
                       read_annotation)

PathLike = Union[str, os.PathLike]


@dataclass
class FrameResult:
    """The segmentation of one frame.

    Attributes:
        index: frame index in the video.
        ids: ``(H, W)`` uint8 object ids, as in the annotations, at the frame's size.
        frame: the ``(H, W, 3)`` uint8 RGB frame.
        memory_frames: frames held by the memory bank after this frame.
        memory_bytes: bytes held by the bank's tensors after this frame.
    """
    index: int
    ids: np.ndarray
    frame: np.ndarray
    memory_frames: int
    memory_bytes: int


@dataclass
class VideoSummary:
    """What :meth:`VideoInferencer.__call__` wrote, and the memory bank's size after each frame."""
    num_frames: int
    out_dir: str
    mask_files: List[str] = field(default_factory=list)
    overlay_files: List[str] = field(default_factory=list)
    object_ids: List[int] = field(default_factory=list)
    memory_frames: List[int] = field(default_factory=list)

    @property
    def max_memory_frames(self) -> int:
        """Most frames the memory bank held at once."""
        return max(self.memory_frames, default=0)


class VideoInferencer:
    """Segment videos with an STM network and a memory bank (mmseg ``Inferencer`` style).

    mmengine's ``BaseInferencer`` batches independent inputs through a
    dataset pipeline; a video is a sequence with state (the memory), so this
    class streams it instead: one frame is read, segmented, yielded (and
    written) before the next is read. With a finite memory bank, RAM does
    not grow with the video's length.

    Build the model with :func:`mobilevos.apis.build_segmenter` (or
    :func:`mobilevos.apis.init_model`): config + checkpoint, torch or ONNX
    Runtime.

    Args:
        model: a network with the step methods of
            :mod:`mobilevos.models.vos.steps` (an STM network), or a runtime of
            exported graphs with the same methods (e.g.
            :class:`mobilevos.deploy.ExportedNetwork`), which the same loop
            runs over. Static graphs set ``fixed_frame_size``: frames are then
            resized to it (and outputs back to the frame's size).
        memory: bank shorthand (``'first+latest'``, ``'infinite:5'``, ...), a
            MEMORY config or ``None`` for the network's ``test_memory``.
        device: torch device.
        size: process frames resized so that their shorter side is ``size``
            (e.g. 480); ``None`` keeps the original size. Outputs are always at
            the original size.
        optimize: run a copy of a torch network with its batch norms folded
            into the convs and channels-last weights
            (:func:`~mobilevos.inference.optimize_for_inference`): the same masks,
            ~1.4x faster on a CPU. ``model`` itself is left unchanged.

    Raises:
        TypeError: ``model`` lacks a step method, or ``optimize`` is asked of a
            model that is not an ``nn.Module``.
        ValueError: a bad ``size``.
    """

    def __init__(self,
                 model,
                 memory: Union[None, str, dict] = None,
                 device: Union[str, torch.device] = 'cpu',
                 size: Optional[int] = None,
                 optimize: bool = False):
        if optimize and not isinstance(model, torch.nn.Module):
            raise TypeError(f'optimize=True folds the batch norms of a torch network; {model!r} is not one '
                            '(exported graphs are optimised by their runtime)')
        self.model = optimize_for_inference(model) if optimize else model
        for step in STEP_METHODS:
            if not hasattr(self.model, step):
                raise TypeError(f'{type(self.model).__name__} is not an STM network: it has no {step} (build '
                                'one from a config and checkpoint with mobilevos.apis.build_segmenter)')
        self.device = torch.device(device)
        self.model.to(self.device).eval()
        self.memory = memory if memory is not None else getattr(self.model, 'test_memory_cfg', 'first+latest')
        if size is not None and size < 16:
            raise ValueError(f'size must be >= 16 pixels, got {size}')
        self.fixed_size = getattr(self.model, 'fixed_frame_size', None)  # static exported graphs
        if size is not None and self.fixed_size is not None:
            raise ValueError(f'size={size} was given, but {self.model!r} has static graphs for frames '
                             f'{list(self.fixed_size)}: frames are resized to that size')
        self.size = size

    # ----------------------------------------------------------------- steps --
    def new_memory(self) -> BaseMemoryBank:
        """A fresh bank for one video."""
        return memory_bank_from_spec(self.memory)

    def processing_size(self, height: int, width: int) -> Tuple[int, int]:
        """``(h, w)`` a frame is resized to before padding."""
        if self.fixed_size is not None:
            return tuple(self.fixed_size)
        if self.size is None:
            return height, width
        scale = self.size / min(height, width)
        return max(1, round(height * scale)), max(1, round(width * scale))

    def prepare(self, frame: np.ndarray) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """Frame to network input.

        ``(H, W, 3)`` uint8 RGB -> normalised ``(1, 3, Hp, Wp)``, resized to
        :meth:`processing_size` then padded to multiples of 16; also returns the
        size before padding.
        """
        x = torch.from_numpy(np.ascontiguousarray(frame)).to(self.device).permute(2, 0, 1)[None].float()
        size = self.processing_size(*frame.shape[:2])
        if size != tuple(frame.shape[:2]):
            x = F.interpolate(x, size=size, mode='bilinear', align_corners=False, antialias=True)
        x = self.model.data_preprocessor.normalize(x)
        pad_h, pad_w = (-(-s // 16) * 16 for s in size)
        return F.pad(x, (0, pad_w - size[1], 0, pad_h - size[0])), size

    def _annotation_masks(self, labels: np.ndarray, size: Tuple[int, int], padded: Tuple[int, int],
                          num_objects: int) -> torch.Tensor:
        """Contiguous labels ``(H, W)`` -> ``(1, K, Hp, Wp)`` masks at the processing size (nearest)."""
        t = torch.from_numpy(labels.astype(np.int64)).to(self.device)[None, None].float()
        if tuple(labels.shape) != tuple(size):
            t = F.interpolate(t, size=size, mode='nearest')
        t = F.pad(t, (0, padded[1] - size[1], 0, padded[0] - size[0]))
        return labels_to_masks(t[0, 0].long(), num_objects)[None]

    @torch.no_grad()
    def propagate(self,
                  frames: Iterable[np.ndarray],
                  annotations: Mapping[int, np.ndarray],
                  num_frames: Optional[int] = None,
                  id_map: Optional[ObjectIdMap] = None) -> Iterator[FrameResult]:
        """Segment a stream of frames.

        Args:
            frames: ``(H, W, 3)`` uint8 RGB frames, read lazily.
            annotations: frame index -> ``(H, W)`` integer ids (0 background).
                Objects are introduced at their first annotation; a later
                annotation overrides the prediction on its objects' pixels.
                Frames before the first annotation come out empty.
            num_frames: length of the video, if known (its last frame is then
                not encoded into the memory).
            id_map: receives the mapping of annotation ids to ``1..K``.

        Yields:
            one :class:`FrameResult` per frame, in order.
        """
        id_map = ObjectIdMap() if id_map is None else id_map
        bank = self.new_memory()
        bank.reset()
        known = torch.zeros(1, 0, dtype=torch.bool, device=self.device)
        for index, frame in enumerate(frames):
            height, width = frame.shape[:2]
            x, size = self.prepare(frame)
            annotation = annotations.get(index)
            masks = new_objects = None
            if annotation is not None:
                annotation = np.asarray(annotation)
                if annotation.shape != (height, width):
                    raise InferenceInputError(f'annotation of frame {index} is {annotation.shape}, the frame '
                                              f'{(height, width)}')
                id_map.add(np.unique(annotation))
            num_objects = len(id_map)
            if num_objects == 0:
                ids = np.zeros((height, width), dtype=np.uint8)
                yield FrameResult(index, ids, frame, bank.num_frames, bank.nbytes)
                continue
            known = F.pad(known, (0, num_objects - known.shape[1]), value=False)
            if annotation is not None:
                labels = id_map.to_labels(annotation)
                masks = self._annotation_masks(labels, size, tuple(x.shape[-2:]), num_objects)
                new_objects = torch.zeros_like(known)
                for label in np.unique(labels):
                    if label:
                        new_objects[0, int(label) - 1] = True
            last = num_frames is not None and index == num_frames - 1
            logits, known = segment_frame(self.model,
                                          x,
                                          bank,
                                          index,
                                          known,
                                          annotation=masks,
                                          new_objects=new_objects,
                                          store=not last)
            logits = logits[..., :size[0], :size[1]]
            if size != (height, width):
                logits = F.interpolate(logits, size=(height, width), mode='bilinear', align_corners=False)
            ids = id_map.to_original(logits_to_labels(logits)[0].to(torch.uint8).cpu().numpy())
            if annotation is not None:
                ids = np.where(labels > 0, annotation, ids).astype(np.uint8)
            yield FrameResult(index, ids, frame, bank.num_frames, bank.nbytes)

    # -------------------------------------------------------------- folders --
    @staticmethod
    def _match_masks(frame_paths: Sequence[str], mask_paths: Sequence[str]) -> Dict[int, str]:
        """Frame index of each mask, by file stem; a single unmatched mask annotates frame 0."""
        index_of = {frame_stem(p): i for i, p in enumerate(frame_paths)}
        matched: Dict[int, str] = {}
        for mask in mask_paths:
            stem = frame_stem(mask)
            if stem in index_of:
                matched[index_of[stem]] = str(mask)
            elif len(mask_paths) == 1:
                matched[0] = str(mask)
            else:
                raise InferenceInputError(f'mask {mask} matches no frame: no frame is named {stem}.* '
                                          '(with several masks, each must be named after its frame)')
        return matched

    def load_annotations(self, frame_paths: Sequence[str],
                         mask_paths: Union[PathLike, Sequence[PathLike]]) -> Dict[int, Annotation]:
        """Read and check the annotation masks (before any frame is processed).

        Raises:
            InferenceInputError: a mask is missing, unreadable, matches no
                frame, differs in size from its frame, or the first annotation
                holds no object.
        """
        if isinstance(mask_paths, (str, os.PathLike)):
            mask_paths = [mask_paths]
        mask_paths = [str(m) for m in mask_paths]
        if not mask_paths:
            raise InferenceInputError('no annotation mask given: the first frame\'s mask is required')
        annotations = {}
        colour_ids: Dict[int, int] = {}  # RGB masks of one video share their colour -> id table
        for index, mask in sorted(self._match_masks(frame_paths, mask_paths).items()):
            annotations[index] = read_annotation(mask, frame_size(frame_paths[index]),
                                                 frame_paths[index], colour_ids)
        first = annotations[min(annotations)]
        if not first.object_ids:
            raise InferenceInputError(
                f'mask {first.path} (the first annotation) contains no object: every pixel '
                'is background (0) or void (255)')
        return annotations

    def __call__(self,
                 frames: Union[PathLike, Sequence[PathLike]],
                 masks: Union[PathLike, Sequence[PathLike]],
                 out_dir: PathLike,
                 overlay: bool = False,
                 show_progress: bool = True) -> VideoSummary:
        """Segment a video on disk and write DAVIS-style palette PNGs.

        Args:
            frames: a folder of frames (sorted naturally) or a list of frame files.
            masks: the annotation of the first frame, or several masks named
                after their frames (YouTube-VOS: new objects in later frames).
            out_dir: ``<frame name>.png`` per frame is written here, with the
                first annotation's palette; with ``overlay``, also
                ``overlays/<frame name>.jpg``.
            show_progress: show a tqdm progress bar.

        Returns:
            What was written.

        Raises:
            InferenceInputError: bad input (see :func:`list_frames`,
                :func:`load_frame`, :meth:`load_annotations`). Masks already
                written stay on disk, complete.
        """
        if isinstance(frames, (str, os.PathLike)):
            frame_paths = list_frames(frames)
        else:
            frame_paths = [str(p) for p in frames]
            if not frame_paths:
                raise InferenceInputError('the list of frames is empty')
        annotations = self.load_annotations(frame_paths, masks)
        # the first annotation's palette; with RGB masks, the last RGB one's (it has every colour seen)
        palette = annotations[min(annotations)].palette
        rgb = [a for _, a in sorted(annotations.items()) if a.source_mode in ('RGB', 'RGBA')]
        if rgb:
            palette = rgb[-1].palette
        out_dir = str(out_dir)
        os.makedirs(out_dir, exist_ok=True)
        if overlay:
            os.makedirs(osp.join(out_dir, 'overlays'), exist_ok=True)

        first_size: List[Tuple[int, int]] = []

        def stream() -> Iterator[np.ndarray]:
            for path in frame_paths:
                frame = load_frame(path, first_size[0] if first_size else None)
                if not first_size:
                    first_size.append(tuple(frame.shape[:2]))
                yield frame

        id_map = ObjectIdMap()
        summary = VideoSummary(num_frames=0, out_dir=out_dir)
        results = self.propagate(stream(), {
            i: a.ids
            for i, a in annotations.items()
        }, len(frame_paths), id_map)
        from tqdm import tqdm
        with tqdm(total=len(frame_paths),
                  desc=osp.basename(osp.normpath(out_dir)),
                  unit='frame',
                  disable=not show_progress) as progress:
            for result in results:
                stem = frame_stem(frame_paths[result.index])
                mask_file = osp.join(out_dir, f'{stem}.png')
                write_mask(mask_file, result.ids, palette)
                summary.mask_files.append(mask_file)
                if overlay:
                    overlay_file = osp.join(out_dir, 'overlays', f'{stem}.jpg')
                    write_image(overlay_file, overlay_mask(result.frame, result.ids, palette))
                    summary.overlay_files.append(overlay_file)
                summary.num_frames += 1
                summary.memory_frames.append(result.memory_frames)
                progress.update(1)
        summary.object_ids = list(id_map.original_ids)
        return summary
