"""The memory bank interface: a bank owns a video's keys and values and decides what to keep."""
from dataclasses import dataclass
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F


@dataclass
class MemoryEntry:
    """One stored frame.

    Attributes:
        frame_idx: index of the frame in the video.
        key: ``(B, Ck, h, w)``.
        values: ``(B, K, Cv, h, w)``; ``K`` grows when new objects appear.
        valid: ``(B, K)`` float, 1 where the object has a value in this frame.
        annotated: the frame's masks came from an annotation.
        permanent: the bank's policy keeps this frame (vs. a temporary "latest" slot).
    """
    frame_idx: int
    key: torch.Tensor
    values: torch.Tensor
    valid: torch.Tensor
    annotated: bool
    permanent: bool = False


class BaseMemoryBank:
    """Holds the memory of one batch of videos; subclasses choose which frames stay.

    The bank never runs the network: it stores the key and values the caller
    computed, once per frame, and hands them back stacked. Tensors keep their
    autograd history, so a bank also serves the training forward over a clip.

    Objects may appear late: when ``add`` receives more objects than stored
    frames have, those frames get zero values and ``valid = 0`` for the new
    objects.

    Args:
        top_k: top-k read-out to use with this bank (``None``: the network's default).
    """

    def __init__(self, top_k: Optional[int] = None):
        self.top_k = top_k
        self._entries: List[MemoryEntry] = []
        self._stacked: Optional[Tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = None  # until the next add

    # -- policy (subclasses) -----------------------------------------------------
    def should_add(self, frame_idx: int, annotated: bool = False) -> bool:
        """Whether ``add`` for this frame would store anything (if not, skip encoding its value)."""
        return True

    def _keep(self, entry: MemoryEntry) -> None:
        """Insert ``entry`` into ``self._entries`` and drop what the policy no longer keeps."""
        raise NotImplementedError

    # -- state ---------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything (start of a new video)."""
        self._entries = []
        self._stacked = None

    @property
    def num_frames(self) -> int:
        """Number of frames a ``read`` returns (``T``)."""
        return len(self._entries)

    @property
    def num_objects(self) -> int:
        """Objects ``K`` of the stored values (0 when empty)."""
        return int(self._entries[0].values.shape[1]) if self._entries else 0

    @property
    def frame_indices(self) -> List[int]:
        """Video frame index of each readable frame, in read order."""
        return [entry.frame_idx for entry in self._entries]

    @property
    def nbytes(self) -> int:
        """Bytes held by the stored tensors."""
        return sum(t.numel() * t.element_size() for e in self._entries for t in (e.key, e.values, e.valid))

    # -- add / read ----------------------------------------------------------------
    def add(self,
            key: torch.Tensor,
            values: torch.Tensor,
            frame_idx: int,
            annotated: bool = False,
            valid: Optional[torch.Tensor] = None) -> None:
        """Offer a frame to the memory; the policy decides whether and how long it stays.

        Args:
            key: ``(B, Ck, h, w)``.
            values: ``(B, K, Cv, h, w)``.
            frame_idx: the frame's index in the video (increasing between calls).
            annotated: its masks are an annotation (not a prediction).
            valid: ``(B, K)``, 1 where object ``k`` has a meaningful value here;
                default all ones.

        Raises:
            ValueError: shapes disagree with each other or with stored frames.
        """
        if key.dim() != 4 or values.dim() != 5:
            raise ValueError(f'memory add: key must be (B,Ck,h,w) and values (B,K,Cv,h,w), got '
                             f'{tuple(key.shape)} and {tuple(values.shape)}')
        if values.shape[0] != key.shape[0] or values.shape[-2:] != key.shape[-2:]:
            raise ValueError(f'memory add: key {tuple(key.shape)} and values {tuple(values.shape)} disagree')
        if valid is None:
            valid = values.new_ones(values.shape[:2])
        valid = valid.to(values.dtype)
        if tuple(valid.shape) != tuple(values.shape[:2]):
            raise ValueError(
                f'memory add: valid {tuple(valid.shape)} must be (B, K) = {tuple(values.shape[:2])}')
        if self._entries:
            ref = self._entries[0]
            if ref.key.shape != key.shape or ref.values.shape[2] != values.shape[2]:
                raise ValueError(
                    f'memory add: frame {frame_idx} has key {tuple(key.shape)} / values '
                    f'{tuple(values.shape)}, but stored frames have key {tuple(ref.key.shape)} / '
                    f'values {tuple(ref.values.shape)}')
        if not self.should_add(frame_idx, annotated):
            return
        num_objects = max(self.num_objects, values.shape[1])
        values, valid = _pad_objects(values, valid, num_objects)
        for entry in self._entries:
            entry.values, entry.valid = _pad_objects(entry.values, entry.valid, num_objects)
        self._keep(MemoryEntry(frame_idx, key, values, valid, annotated))
        self._stacked = None

    def read(self) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The stacked memory.

        The stacked tensors are kept until the next frame is stored, so frames
        that add nothing (every frame but every ``mem_every``-th of an
        ``InfiniteMemory(include_last=False)``) read without copying the memory.
        Do not modify them in place.

        Returns:
            ``keys (B, Ck, T, h, w)``, ``values (B, K, Cv, T, h, w)``, ``valid (B, K, T)``.

        Raises:
            RuntimeError: the bank is empty.
        """
        if not self._entries:
            raise RuntimeError(f'{type(self).__name__}.read(): the memory is empty; add a frame first')
        if self._stacked is None:
            self._stacked = (torch.stack([e.key for e in self._entries], dim=2),
                             torch.stack([e.values for e in self._entries], dim=3),
                             torch.stack([e.valid for e in self._entries], dim=2))
        return self._stacked

    def __repr__(self) -> str:
        return f'{type(self).__name__}(frames={self.frame_indices}, objects={self.num_objects})'


def _pad_objects(values: torch.Tensor, valid: torch.Tensor,
                 num_objects: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Zero-pad ``values (B,K,Cv,h,w)`` and ``valid (B,K)`` to ``num_objects`` objects."""
    extra = num_objects - values.shape[1]
    if extra <= 0:
        return values, valid
    return F.pad(values, (0, 0, 0, 0, 0, 0, 0, extra)), F.pad(valid, (0, extra))
