"""Make ``--resume`` continue a run exactly: the same data and the same random draws.

What mmengine 0.10.7's ``Runner.resume`` restores: the iteration, the optimizer,
the parameter schedulers and the message hub; it re-seeds the RNGs with the
checkpoint's seed (their state at iteration 0), and ``IterBasedTrainLoop.run``
then loads and throws away one batch per iteration already trained, to move the
sampler on. That replay is slow (every clip is read and augmented again), and
the random streams after it are not those of the uninterrupted run.

This hook stores, in ``before_save_checkpoint``, under ``checkpoint['exact_resume']``:

- the position of :class:`~mobilevos.datasets.ResumableInfiniteSampler`
  (samples of all ranks consumed) and its seed;
- the state of every RNG the training step draws from: python's ``random``,
  numpy's global RNG, torch's CPU and CUDA generators, and the
  ``torch.Generator`` objects that model components own (a seeded pixel
  sampler's ``generator``). mmengine saves on rank 0 only, so these are rank
  0's states; with the default ``randomness`` (the same seed on every rank)
  all ranks hold the same states, and every rank gets them back. With
  ``diff_rank_seed=True`` only rank 0 does (a warning says so).

After ``--resume`` it starts the sampler at the stored position instead of the
replay, and puts the RNG states back just before the first resumed iteration
(after the data loader has started, which itself draws a seed). Data
augmentation needs no stored state: each clip draws from its own seed
(:func:`~mobilevos.datasets.sample_random_state`), whichever worker prepares it.
A checkpoint loaded with ``load_from`` (no resume) is left alone.
"""
import random
from typing import Any, Dict, Iterator, List, Optional

import numpy as np
import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner.loops import _InfiniteDataloaderIterator

from mobilevos.datasets.resumable_sampler import ResumableInfiniteSampler
from mobilevos.registry import HOOKS

KEY = 'exact_resume'


def _owned_generators(model: torch.nn.Module) -> Iterator:
    """``(name, generator)`` for each ``torch.Generator`` a submodule holds (or holds as ``.generator``)."""
    for module_name, module in model.named_modules():
        for attr, value in vars(module).items():
            if isinstance(value, torch.Generator):
                yield f'{module_name}.{attr}', value
            elif isinstance(getattr(value, 'generator', None), torch.Generator):
                yield f'{module_name}.{attr}.generator', value.generator


def capture_rng_state(model: torch.nn.Module) -> Dict[str, Any]:
    """The states of the global RNGs and of the model's own generators (plain data and tensors)."""
    version, keys, pos, has_gauss, gauss = np.random.get_state()
    return dict(
        python=random.getstate(),
        numpy=dict(version=version, keys=torch.from_numpy(keys.astype(np.int64)), pos=int(pos),
                   has_gauss=int(has_gauss), gauss=float(gauss)),
        torch=torch.get_rng_state(),
        cuda=torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        generators={name: generator.get_state() for name, generator in _owned_generators(model)})


def restore_rng_state(state: Dict[str, Any], model: torch.nn.Module) -> List[str]:
    """Inverse of :func:`capture_rng_state`.

    Returns:
        Names of the model's generators that the state does not cover (left as they are).
    """
    random.setstate(state['python'])
    np_state = state['numpy']
    np.random.set_state((np_state['version'], np_state['keys'].numpy().astype(np.uint32), np_state['pos'],
                         np_state['has_gauss'], np_state['gauss']))
    torch.set_rng_state(state['torch'])
    if state['cuda'] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])
    missing = []
    for name, generator in _owned_generators(model):
        if name in state['generators']:
            generator.set_state(state['generators'][name])
        else:
            missing.append(name)
    return missing


class _SkipReplay:
    """Stands in for the loop's data-loader iterator: ``None`` for the first ``skip`` calls, then batches.

    ``IterBasedTrainLoop.run`` calls ``next`` once per iteration already trained
    and drops the result; the sampler already starts past those samples. The
    data loader's iterator is made at the first real batch, when every
    ``before_train`` hook (the curriculum's skip) has run.
    """

    def __init__(self, dataloader, skip: int) -> None:
        self.dataloader = dataloader
        self.skip = skip
        self.iterator: Optional[Iterator] = None

    def __iter__(self) -> '_SkipReplay':
        return self

    def __next__(self):
        if self.skip > 0:
            self.skip -= 1
            return None
        if self.iterator is None:
            self.iterator = _InfiniteDataloaderIterator(self.dataloader)
        return next(self.iterator)


def _unwrap(model: torch.nn.Module) -> torch.nn.Module:
    return model.module if is_model_wrapper(model) else model


@HOOKS.register_module()
class ExactResumeHook(Hook):
    """Store the sampler position and the RNG states in checkpoints; restore them on ``--resume``.

    ``configs/_base_/default_runtime.py`` names it in ``default_hooks``
    (``default_hooks.exact_resume=None`` switches it off, see
    :func:`~mobilevos.apis.build_runner`). The data side needs the
    train dataloader's sampler to be a ``ResumableInfiniteSampler``; with another
    sampler only the RNG states are restored and mmengine's replay moves the data on.
    """

    priority = 'VERY_HIGH'  # restore before any other hook draws a random number

    def __init__(self) -> None:
        self._pending: Optional[Dict[str, Any]] = None
        self._rng_to_restore: Optional[Dict[str, Any]] = None

    @staticmethod
    def _sampler(runner) -> Optional[ResumableInfiniteSampler]:
        sampler = getattr(runner.train_loop.dataloader, 'sampler', None)
        return sampler if isinstance(sampler, ResumableInfiniteSampler) else None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        completed = int(checkpoint['meta']['iter'])
        state: Dict[str, Any] = dict(iter=completed, rng=capture_rng_state(_unwrap(runner.model)))
        sampler = self._sampler(runner)
        if sampler is not None:
            loader = runner.train_loop.dataloader
            batch_size = loader.batch_size or loader.batch_sampler.batch_size
            state['sampler'] = dict(position=completed * batch_size * get_world_size(), seed=sampler.seed)
        checkpoint[KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get(KEY)

    def before_train(self, runner) -> None:
        state, self._pending = self._pending, None
        if state is None or runner.iter != state['iter'] or runner.iter == 0:
            return  # no checkpoint, or one loaded with load_from (weights only, iteration 0)
        sampler, saved_sampler = self._sampler(runner), state.get('sampler')
        if sampler is not None and saved_sampler is not None:
            sampler.seed = saved_sampler['seed']
            sampler.set_position(saved_sampler['position'])
            loop = runner.train_loop
            loop.dataloader_iterator = _SkipReplay(loop.dataloader, runner.iter)
            runner.logger.info(f'exact resume: the data continue at sample {saved_sampler["position"]} '
                               f'(iteration {runner.iter + 1}); nothing is replayed')
        else:
            runner.logger.warning('exact resume: the train sampler is not a ResumableInfiniteSampler (or the '
                                  'checkpoint has no sampler position), so mmengine replays the data loader '
                                  'and the data after resuming can differ from an uninterrupted run')
        if get_rank() == 0 or not (runner.cfg.get('randomness') or {}).get('diff_rank_seed', False):
            self._rng_to_restore = state['rng']
        else:
            runner.logger.warning('exact resume: with diff_rank_seed=True, the random states of ranks '
                                  'other than 0 are not in the checkpoint; they start from their seeds')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self._rng_to_restore is None:
            return
        missing = restore_rng_state(self._rng_to_restore, _unwrap(runner.model))
        self._rng_to_restore = None
        if missing:
            runner.logger.warning(f'exact resume: the checkpoint has no state for the generators {missing}')
