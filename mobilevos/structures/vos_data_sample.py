"""``VOSDataSample``: the annotation and prediction of one video clip."""
import torch
from mmengine.structures import BaseDataElement


class VOSDataSample(BaseDataElement):
    """Annotations and predictions of one clip of ``T`` frames.

    Data fields (tensors, all on the same device):

    - ``gt_masks``: ``(T, H, W)`` int64 object ids. 0 is background, ``1..K``
      are objects, 255 is ignored. In training clips the ids are contiguous
      (``1..K``); ``metainfo['object_ids']`` maps them back to the ids on disk.
    - ``pred_masks``: ``(T, H, W)`` int64 predicted ids, same convention.

    Meta fields (set with ``set_metainfo`` or the constructor's ``metainfo``):

    - ``video`` (str): sequence name.
    - ``frame_ids`` (list[int]): index of each clip frame in the video.
    - ``object_ids`` (list[int]): original id of objects ``1..K``.
    - ``num_objects`` (int): ``K``.
    - ``ori_shape`` / ``img_shape`` (tuple[int, int]): frame size on disk and
      after transforms.
    - ``palette`` (list[int] | None): the PNG palette of the annotations.

    Meta fields read as attributes too: ``sample.num_objects``.
    """

    @property
    def gt_masks(self) -> torch.Tensor:
        return self._gt_masks

    @gt_masks.setter
    def gt_masks(self, value: torch.Tensor) -> None:
        self.set_field(value, '_gt_masks', dtype=torch.Tensor)

    @gt_masks.deleter
    def gt_masks(self) -> None:
        del self._gt_masks

    @property
    def pred_masks(self) -> torch.Tensor:
        return self._pred_masks

    @pred_masks.setter
    def pred_masks(self, value: torch.Tensor) -> None:
        self.set_field(value, '_pred_masks', dtype=torch.Tensor)

    @pred_masks.deleter
    def pred_masks(self) -> None:
        del self._pred_masks
