"""How much each loss term pushes the student at the start of a distillation run.

Builds the distiller of a config (the teacher from ``--teacher-ckpt``, else with its initial weights),
takes the first batches of its training data loader, runs one loss pass per batch, and measures the
gradient norm on the student's parameters of each loss term separately (``student.loss_ce``,
``distill.loss_repr``, ``distill.loss_logit``) and its ratio to the CE's. It then recomputes the
representation loss on the same recorded features, for each ``normalizer`` of
:class:`~mobilevos.models.losses.ContrastiveKDLoss` at ``loss_weight=1`` (same sampled pixels for
all), and prints the ratio for each weight of a grid. The gradient is linear in ``loss_weight``, so the
ratio at weight ``w`` is ``w`` times the ratio at weight 1: the grid is exact, not an extrapolation.

Examples::

    python tools/experiments/grad_ratio.py configs/distill_r50_to_mbv2.py
    python tools/experiments/grad_ratio.py configs/distill_r50_to_mbv2.py --num-batches 4 \\
        --teacher-ckpt work_dirs/quickstart/teacher/iter_160.pth --json work_dirs/grad_ratio.json \\
        --cfg-options train_dataloader.dataset.dataset.data_root=work_dirs/quickstart/data

Nothing is trained: the student keeps its initial weights (the start of a run), in train mode.
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
from typing import Dict, Iterator, List, Optional, Sequence

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

import torch  # noqa: E402
from mmengine.config import Config, DictAction  # noqa: E402
from mmengine.logging import MMLogger  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from mmengine.runner.utils import set_random_seed  # noqa: E402

from mobilevos.models.distillers import SingleTeacherDistiller  # noqa: E402
from mobilevos.registry import MODELS  # noqa: E402
from mobilevos.utils.cli import UserError, add_debug_argument, config_keys_in_errors, tool_main  # noqa: E402
from mobilevos.utils.config import merge_options, read_config  # noqa: E402
from mobilevos.utils.setup_env import register_all_modules  # noqa: E402

#: The distillation loss whose normalisation and weight are swept.
REPR = 'loss_repr'
#: The student's own loss, the reference of every ratio.
REFERENCE = 'student.loss_ce'
NORMALIZERS = ('num_samples', 'num_pairs', 'none')
WEIGHTS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1000.0)


def build_distiller(cfg: Config, teacher_ckpt: Optional[str] = None, seed: int = 0) -> SingleTeacherDistiller:
    """The config's distiller as a training run starts it: initialised, in train mode, on the CPU.

    Args:
        cfg: a distillation config (its ``model`` is a ``SingleTeacherDistiller``).
        teacher_ckpt: the teacher's weights; ``None`` keeps the teacher's initial weights
            (the config's ``teacher_ckpt`` is not used).
        seed: seeds the student's (and a random teacher's) initial weights.
    """
    register_all_modules()
    MMLogger.get_instance('grad_ratio', log_level='WARNING')  # no weight-initialisation report
    model_cfg = copy.deepcopy(cfg.model)
    if 'student' not in model_cfg or 'teacher' not in model_cfg:
        raise UserError(f"the config's model is a {model_cfg.get('type')}, not a distiller with a student "
                        'and a teacher; pass a distillation config such as configs/distill_r50_to_mbv2.py')
    model_cfg['teacher_ckpt'] = teacher_ckpt
    set_random_seed(seed)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return model.train()


def first_batches(cfg: Config, num_batches: int, seed: int = 0) -> Iterator[dict]:
    """The first ``num_batches`` batches of the config's training loader (built in this process)."""
    loader_cfg = copy.deepcopy(cfg.train_dataloader)
    loader_cfg.update(num_workers=0, persistent_workers=False)
    loader = Runner.build_dataloader(loader_cfg, seed=seed)
    for index, batch in enumerate(loader):
        if index == num_batches:
            return
        yield batch


def grad_norm(loss: torch.Tensor, params: Sequence[torch.Tensor]) -> float:
    """``|| d loss / d params ||_2`` over all of ``params`` (a parameter the loss does not reach adds 0)."""
    grads = torch.autograd.grad(loss, params, retain_graph=True, allow_unused=True)
    return float(torch.sqrt(sum((g.double()**2).sum() for g in grads if g is not None)))


def measure_batch(model: SingleTeacherDistiller, batch: dict, variants: Dict[str, torch.nn.Module],
                  seed: int = 0) -> Dict[str, Dict[str, float]]:
    """Value and student gradient norm of each loss term on one batch, and of each representation variant.

    Args:
        model: the distiller (see :func:`build_distiller`).
        batch: one batch of its training loader.
        variants: ``{name: loss module}``, each called on the inputs that the distiller's ``loss_repr``
            got (same recorded features and labels), after ``torch.manual_seed(seed)`` so that all of
            them sample the same pixels.

    Returns:
        ``{term: {'value': float, 'grad_norm': float}}`` for the distiller's terms
        (``student.loss_ce``, ``distill.loss_repr``, ...) and for each variant name.
    """
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    params: List[torch.Tensor] = [p for p in model.student.parameters() if p.requires_grad]
    terms = dict(losses)
    if variants:
        inputs = {arg: model.get_record(**spec) for arg, spec in model.loss_forward_mappings[REPR].items()}
        for name, loss in variants.items():
            torch.manual_seed(seed)
            terms[name] = loss(**inputs)
    return {name: dict(value=float(value.detach()), grad_norm=grad_norm(value, params))
            for name, value in terms.items()}


def normalizer_variants(cfg: Config, normalizers: Sequence[str]) -> Dict[str, torch.nn.Module]:
    """The config's ``loss_repr`` at ``loss_weight=1``, once per normalizer: ``{'repr/<name>': loss}``."""
    configured = cfg.model.distill_losses[REPR]
    return {f'repr/{n}': MODELS.build(dict(configured, normalizer=n, loss_weight=1.0)) for n in normalizers}


def summarize(per_batch: List[Dict[str, Dict[str, float]]], weights: Sequence[float]) -> Dict[str, dict]:
    """Mean (and min, max) over batches of each term's ratio to :data:`REFERENCE`, plus the weight grid."""
    summary = {}
    for name in per_batch[0]:
        ratios = [batch[name]['grad_norm'] / batch[REFERENCE]['grad_norm'] for batch in per_batch]
        entry = dict(value=sum(b[name]['value'] for b in per_batch) / len(per_batch),
                     grad_norm=sum(b[name]['grad_norm'] for b in per_batch) / len(per_batch),
                     ratio=sum(ratios) / len(ratios), ratio_min=min(ratios), ratio_max=max(ratios))
        if name.startswith('repr/'):
            entry['ratio_at_weight'] = {str(w): w * entry['ratio'] for w in weights}
            entry['weight_for_ratio'] = {str(r): r / entry['ratio'] for r in (0.1, 0.3, 1.0)}
        summary[name] = entry
    return summary


def format_summary(summary: Dict[str, dict], weights: Sequence[float], configured: str) -> str:
    """Two markdown tables: the terms as configured, and the normalizer x weight grid."""
    lines = ['| term | value | grad norm on the student | ratio to CE (mean, min-max over batches) |',
             '|---|---|---|---|']
    for name, entry in summary.items():
        if not name.startswith('repr/'):
            lines.append(f"| {name} | {entry['value']:.4g} | {entry['grad_norm']:.3g} | {entry['ratio']:.3g} "
                         f"({entry['ratio_min']:.3g}-{entry['ratio_max']:.3g}) |")
    lines += ['', f'distill.loss_repr as configured: {configured}', '',
              '| normalizer | ' + ' | '.join(f'w={w:g}' for w in weights) + ' | w for 10 % | w for 100 % |',
              '|---|' + '---|' * (len(weights) + 2)]
    for name, entry in summary.items():
        if name.startswith('repr/'):
            cells = ' | '.join(f'{r:.3g}' for r in entry['ratio_at_weight'].values())
            lines.append(f"| {name[5:]} | {cells} | {entry['weight_for_ratio']['0.1']:.3g} | "
                         f"{entry['weight_for_ratio']['1.0']:.3g} |")
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='a distillation config, e.g. configs/distill_r50_to_mbv2.py')
    parser.add_argument('--teacher-ckpt', help='teacher weights (default: initial weights)')
    parser.add_argument('--num-batches', type=int, default=1, help='batches to average over (default 1)')
    parser.add_argument('--normalizers', nargs='+', default=list(NORMALIZERS), choices=NORMALIZERS)
    parser.add_argument('--weights', nargs='+', type=float, default=list(WEIGHTS), help='loss_repr weights')
    parser.add_argument('--seed', type=int, default=0, help='initial weights, data order and sampled pixels')
    parser.add_argument('--json', help='also write the per-batch numbers and the summary here')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@tool_main
def main(argv=None):
    args = parse_args(argv)
    if args.teacher_ckpt is not None and not osp.isfile(args.teacher_ckpt):
        raise UserError(f'--teacher-ckpt {args.teacher_ckpt} does not exist')
    if args.num_batches < 1:
        raise UserError(f'--num-batches must be >= 1, got {args.num_batches}')
    cfg = read_config(args.config)
    if args.cfg_options:
        merge_options(cfg, args.cfg_options, args.config)
    with config_keys_in_errors(cfg):
        model = build_distiller(cfg, args.teacher_ckpt, args.seed)
        if REPR not in model.distill_losses:
            raise UserError(f'{args.config} has no distill_losses.{REPR} to sweep')
        variants = normalizer_variants(cfg, args.normalizers)
        per_batch = [measure_batch(model, batch, variants, args.seed)
                     for batch in first_batches(cfg, args.num_batches, args.seed)]
    summary = summarize(per_batch, args.weights)
    configured = model.distill_losses[REPR]
    print(f"teacher: {args.teacher_ckpt or 'initial weights'}; {len(per_batch)} batch(es); seed {args.seed}")
    print(format_summary(summary, args.weights,
                         f'normalizer={configured.normalizer!r}, loss_weight={configured.loss_weight:g}'))
    if args.json:
        os.makedirs(osp.dirname(osp.abspath(args.json)), exist_ok=True)
        with open(args.json, 'w') as f:
            json.dump(dict(config=args.config, teacher_ckpt=args.teacher_ckpt, seed=args.seed,
                           cfg_options=args.cfg_options, per_batch=per_batch, summary=summary), f, indent=1)
        print(f'wrote {args.json}')


if __name__ == '__main__':
    sys.exit(main())
