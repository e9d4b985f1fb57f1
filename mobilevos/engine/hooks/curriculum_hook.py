"""STCN's max-skip curriculum for clip sampling."""
from typing import Iterator, Optional, Sequence

from mmengine.hooks import Hook

from mobilevos.registry import HOOKS


def iter_clip_datasets(dataset) -> Iterator:
    """Yield every dataset with ``set_max_skip`` inside (nested) dataset wrappers."""
    if hasattr(dataset, 'set_max_skip'):
        yield dataset
    for child in getattr(dataset, 'datasets', []) or []:  # ConcatDataset
        yield from iter_clip_datasets(child)
    inner = getattr(dataset, 'dataset', None)  # RepeatDataset, ClassBalancedDataset
    if inner is not None:
        yield from iter_clip_datasets(inner)


def max_skip_at(progress: float, initial: int, values: Sequence[int], fractions: Sequence[float]) -> int:
    """The skip in force at ``progress`` (iteration / max_iters, in ``[0, 1]``).

    ``values[i]`` starts at ``fractions[i]``; before ``fractions[0]`` the skip
    is ``initial``.
    """
    skip = initial
    for value, start in zip(values, fractions):
        if progress >= start:
            skip = value
    return skip


@HOOKS.register_module()
class MaxSkipCurriculumHook(Hook):
    """Raise, then lower, the largest gap between the frames of training clips.

    The skip is a function of the iteration alone, so a resumed run uses the
    same skip as an uninterrupted one. The value in force is stored in the
    message hub's runtime info as ``max_skip`` (and so in checkpoints) and
    logged with the losses as ``max_skip``.

    Args:
        initial: skip before the first change (STCN: 5).
        values: skips, in order (STCN: 10, 15, 20, 25, 5).
        fractions: fraction of ``max_iters`` at which each value starts
            (STCN: 0.1, 0.2, 0.3, 0.4, 0.9).
    """

    priority = 'NORMAL'

    def __init__(self,
                 initial: int = 5,
                 values: Sequence[int] = (10, 15, 20, 25, 5),
                 fractions: Sequence[float] = (0.1, 0.2, 0.3, 0.4, 0.9)):
        if len(values) != len(fractions):
            raise ValueError(f'values ({len(values)}) and fractions ({len(fractions)}) differ in length')
        if list(fractions) != sorted(fractions):
            raise ValueError(f'fractions must increase, got {list(fractions)}')
        self.initial = initial
        self.values = tuple(values)
        self.fractions = tuple(fractions)
        self._current: Optional[int] = None

    def _set_datasets(self, runner, iteration: int) -> int:
        """Give the clip datasets the skip of ``iteration`` (0-based); returns it."""
        skip = max_skip_at(iteration / max(1, runner.max_iters), self.initial, self.values, self.fractions)
        if skip != self._current:
            datasets = list(iter_clip_datasets(runner.train_dataloader.dataset))
            if not datasets:
                raise RuntimeError('MaxSkipCurriculumHook found no clip dataset (with set_max_skip) '
                                   'in train_dataloader.dataset')
            for dataset in datasets:
                dataset.set_max_skip(skip)
            runner.logger.info(f'max-skip curriculum: skip {skip} from iteration {iteration + 1}')
            self._current = skip
        return skip

    # The loop fetches an iteration's batch before its ``before_train_iter``: the skip for the
    # next batch is set when the previous iteration ends (and, for the first, before training).
    def before_train(self, runner) -> None:
        self._set_datasets(runner, runner.iter)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._set_datasets(runner, runner.iter + 1)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        skip = self._set_datasets(runner, runner.iter)
        runner.message_hub.update_info('max_skip', skip)
        runner.message_hub.update_scalar('train/max_skip', skip)  # logged with the losses
