"""Watch the decoder's last feature map while training; stop when it has died (every entry negative)."""
from typing import Dict, List

import torch
import torch.nn as nn
from mmengine.dist import all_reduce, is_distributed
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mobilevos.registry import HOOKS
from mobilevos.utils.cli import UserError

#: The hooked module: ``STMDecoder.feature_out``, the map that ``pred`` reads through a ReLU.
FEATURE_OUT = 'decoder.feature_out'


class DecoderCollapseError(UserError, RuntimeError):
    """The decoder's pixel embedding has had no positive entry for ``patience`` iterations."""


def watched_modules(model: nn.Module) -> Dict[str, nn.Module]:
    """``{name: module}`` of every ``*decoder.feature_out`` of ``model`` whose decoder is trained.

    A frozen decoder (a distiller's teacher) is left out: no gradient can revive it or kill it.
    """
    found = {}
    modules = dict(model.named_modules())
    for name, module in modules.items():
        if name != FEATURE_OUT and not name.endswith('.' + FEATURE_OUT):
            continue
        decoder = modules[name[:-len('.feature_out')]]
        if any(p.requires_grad for p in decoder.parameters()):
            found[name] = module
    return found


@HOOKS.register_module()
class DecoderCollapseHook(Hook):
    """Log the share of positive entries of the decoder's last feature map; stop when it stays 0.

    ``STMDecoder`` predicts each logit as ``pred(relu(y))`` from ``y = feature_out``
    (``(B*K, C, H/4, W/4)``). When every entry of ``y`` is negative, every pixel gets
    ``pred``'s bias as its logit and no gradient passes the ReLU to the rest of the network,
    so it cannot learn its way out: the teacher of docs/results.md trained on for 2500
    iterations in that state (loss ~ln 2, J&F constant). This hook

    - logs ``<prefix>decoder_positive`` (the share of entries ``> 0``, averaged over the
      logger's window like the losses, given ``log_processor.mean_pattern`` as in
      ``configs/_base_/default_runtime.py``; ``student.decoder_positive`` for a distiller) in every
      training log;
    - raises :class:`DecoderCollapseError` (a user error: one ``error:`` line in
      ``tools/train.py``) when the share has been exactly 0 on every training forward of
      ``patience`` consecutive iterations (on every rank, under DDP: the test is on the largest
      share over ranks, so they all stop at the same iteration). It runs before the checkpoint
      hook, so no checkpoint of the dead network is written after that.

    Only decoders with trainable parameters are watched (not a distiller's frozen teacher),
    only in training forwards (grad enabled, train mode). A model without a
    ``decoder.feature_out`` module is not watched.

    Args:
        patience: consecutive dead iterations before training stops (``>= 1``).
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self, patience: int = 50) -> None:
        if int(patience) < 1:
            raise ValueError(f'DecoderCollapseHook: patience must be >= 1, got {patience}')
        self.patience = int(patience)
        self.dead_iters: Dict[str, int] = {}
        self._shares: Dict[str, List[torch.Tensor]] = {}  # 0-dim, on the model's device
        self._handles = []

    def before_train(self, runner) -> None:
        self.after_train(runner)  # a second train() does not hook the modules twice
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        for name, module in watched_modules(model).items():
            self.dead_iters[name] = 0
            self._shares[name] = []
            self._handles.append(module.register_forward_hook(self._recorder(name)))

    def _recorder(self, name: str):
        def record(module: nn.Module, inputs, output: torch.Tensor) -> None:
            if module.training and torch.is_grad_enabled():
                self._shares[name].append((output.detach() > 0).float().mean())
        return record

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        names = sorted(self._shares)
        stacked = {n: torch.stack(self._shares[n]).double().cpu() for n in names if self._shares[n]}
        # the largest share of each watched map this iteration (-1: no training forward), the same on
        # every rank, so that all of them stop together
        peaks = torch.tensor([float(stacked[n].max()) if n in stacked else -1.0 for n in names],
                             dtype=torch.float64)
        if names and is_distributed():
            all_reduce(peaks, op='max')
        for name, peak in zip(names, peaks.tolist()):
            self._shares[name].clear()
            if peak < 0:
                continue
            if name in stacked:
                prefix = name[:-len(FEATURE_OUT)]  # '' or 'student.'
                share = float(stacked[name].mean())
                runner.message_hub.update_scalar(f'train/{prefix}decoder_positive', share)
            self.dead_iters[name] = self.dead_iters[name] + 1 if peak == 0 else 0
            if self.dead_iters[name] >= self.patience:
                raise DecoderCollapseError(
                    f'training collapsed: every entry of {name} (the map the prediction conv reads through a '
                    f'ReLU) has been negative for the last {self.patience} iterations (up to iteration '
                    f'{runner.iter + 1}), so every pixel gets the same logit and no gradient reaches the '
                    'network; it does not recover from this. Resume from an iter_*.pth in '
                    f'{runner.work_dir} written before iteration {runner.iter + 1 - self.patience}, or start '
                    'a new run from its best_*.pth (--cfg-options load_from=...), with a smaller learning '
                    'rate (optim_wrapper.optimizer.lr=...) or plain CE (model.loss_seg.top_p=1.0 for a '
                    'BootstrappedCELoss); or set default_hooks.decoder_collapse=None to train on regardless.')

    def after_train(self, runner) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()
