"""Map object ids as given by annotations (any values) to the network's contiguous ``1..K`` and back."""
from typing import Iterable, List

import numpy as np


class ObjectIdMap:
    """Object ``k`` (1-based) of the network is ``original_ids[k-1]`` on disk.

    Objects are numbered in order of first annotation (sorted by id within one
    annotation), so ids ``3, 7, 12`` become ``1, 2, 3`` and a later new
    object ``5`` becomes ``4``.
    """

    def __init__(self):
        self.original_ids: List[int] = []

    def __len__(self) -> int:
        return len(self.original_ids)

    def add(self, ids: Iterable[int]) -> List[int]:
        """Register ids (0 ignored); return those that were new, in their new order."""
        new = [int(i) for i in sorted(set(int(i) for i in ids)) if i != 0 and int(i) not in self.original_ids]
        self.original_ids.extend(new)
        return new

    def to_labels(self, ids: np.ndarray) -> np.ndarray:
        """``(H, W)`` original ids -> contiguous labels (unknown ids and 0 -> 0), uint8."""
        lut = np.zeros(256, dtype=np.uint8)
        for label, original in enumerate(self.original_ids, start=1):
            lut[original] = label
        return lut[ids]

    def to_original(self, labels: np.ndarray) -> np.ndarray:
        """``(H, W)`` contiguous labels -> original ids, uint8."""
        lut = np.array([0] + self.original_ids, dtype=np.uint8)
        return lut[labels]
