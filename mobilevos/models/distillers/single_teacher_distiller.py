"""A student trained with losses that compare it to a frozen teacher, all named in the config."""
import inspect
import os.path as osp
from collections import OrderedDict
from typing import Any, Dict, Optional, Tuple, Union

import torch
import torch.nn as nn
from mmengine.logging import print_log
from mmengine.model import BaseDataPreprocessor, BaseModel

from mobilevos.registry import MODELS
from mobilevos.utils.checkpoint import load_weights
from mobilevos.utils.cli import UserError
from .recorders import RecordIndex, RecorderManager, parse_record_slice

#: Keys a loss-argument mapping may hold.
MAPPING_KEYS = ('from_student', 'recorder', 'record_idx', 'data_idx', 'connector')


class TeacherNotFoundError(UserError, FileNotFoundError):
    """The teacher checkpoint named by ``teacher_ckpt`` does not exist."""


def _add_prefix(losses: Dict[str, Any], prefix: str) -> Dict[str, Any]:
    return {f'{prefix}.{key}': value for key, value in losses.items()}


@MODELS.register_module()
class SingleTeacherDistiller(BaseModel):
    """Train ``student`` with its own losses plus losses against a frozen ``teacher``.

    Task-agnostic: the distiller knows nothing about the data. In
    ``mode='loss'`` it runs the teacher as ``teacher(*args, mode='tensor',
    **kwargs)`` under ``torch.no_grad()`` and then the student as
    ``student(*args, mode='loss', **kwargs)``, with the same (already
    preprocessed) batch, while recorders capture what each loss needs. Then it
    returns::

        {'student.<key>': ..., for the student's own losses (if calculate_student_loss)
         'distill.<name>': ...} for each distillation loss

    ``mode='tensor'`` and ``mode='predict'`` run the student only. The
    distiller's ``data_preprocessor`` is the student's (the same module), so the
    teacher must expect the student's preprocessing.

    The teacher is frozen: loaded strictly from ``teacher_ckpt``,
    ``requires_grad=False``, kept in ``eval()`` mode even after ``train()``,
    skipped by ``init_weights``, and run without autograd. The optimizer may
    hold its parameters; they never receive a gradient.

    Config of recorders and mappings::

        student_recorders=dict(
            feat=dict(type='ModuleOutputs', source='decoder.feature_out'),   # forward output
            labels=dict(type='MethodOutputs', source='frame_labels')),      # a method's return value
        teacher_recorders=dict(feat=dict(type='ModuleOutputs', source='decoder.feature_out')),
        distill_losses=dict(loss_repr=dict(type='ContrastiveKDLoss', omega=0.9)),
        loss_forward_mappings=dict(
            loss_repr=dict(                      # loss name -> {forward argument: record}
                student_feat=dict(from_student=True, recorder='feat', record_idx=None),
                teacher_feat=dict(from_student=False, recorder='feat', record_idx=None),
                labels=dict(from_student=True, recorder='labels', record_idx=None)))

    A record spec has ``from_student`` (bool, required), ``recorder`` (name,
    required), ``record_idx`` (which call, default 0; ``None`` concatenates all
    calls along dim 0; a slice string such as ``'1:'`` or a list of ints
    concatenates those calls), ``data_idx`` (element of a tuple record, default
    ``None``) and ``connector`` (name of a module in ``connectors`` applied to
    the record, default none). Everything is checked at construction: unknown
    losses, recorders, connectors, spec keys, and arguments that the loss's
    ``forward`` does not take or that are left unmapped raise ``ValueError``.

    Args:
        student: ``MODELS`` config or module; a ``BaseModel`` whose
            ``forward(..., mode)`` supports 'loss', 'tensor' and 'predict'.
        teacher: ``MODELS`` config or module; its ``forward(..., mode='tensor')``
            is called.
        teacher_ckpt: teacher weights (a ``.pth`` holding ``state_dict`` or a
            bare state dict), loaded strictly with ``weights_only=True``
            (:func:`~mobilevos.utils.checkpoint.load_weights`; a mismatch raises
            ``CheckpointMismatchError`` listing the keys).
            ``None`` keeps the teacher as built (a warning is logged).
        student_recorders: ``{name: recorder cfg}`` on the student.
        teacher_recorders: ``{name: recorder cfg}`` on the teacher.
        distill_losses: ``{name: MODELS cfg}``; each loss returns a scalar
            tensor (or a dict of them, logged as ``distill.<name>.<key>``).
        loss_forward_mappings: ``{loss name: {argument: record spec}}``.
        connectors: ``{name: MODELS cfg or module}``, trainable modules applied
            to records (e.g. a 1x1 conv projection); saved with the student.
        calculate_student_loss: add the student's own losses.
        teacher_in_state_dict: if False, ``state_dict()`` leaves out the teacher
            (smaller checkpoints; the teacher comes from ``teacher_ckpt`` when
            the distiller is built) and loading tolerates its absence.
        teacher_ckpt_hint: how to obtain a missing ``teacher_ckpt`` (e.g. the
            command that trains the teacher): the lines after the first of the
            :class:`TeacherNotFoundError`.

    Every ``distill.*`` entry counts towards the total loss, whether or not its
    name contains 'loss' (see :meth:`parse_losses`).
    """

    def __init__(self,
                 student: Union[dict, nn.Module],
                 teacher: Union[dict, nn.Module],
                 teacher_ckpt: Optional[str] = None,
                 student_recorders: Optional[Dict[str, dict]] = None,
                 teacher_recorders: Optional[Dict[str, dict]] = None,
                 distill_losses: Optional[Dict[str, Union[dict, nn.Module]]] = None,
                 loss_forward_mappings: Optional[Dict[str, Dict[str, dict]]] = None,
                 connectors: Optional[Dict[str, Union[dict, nn.Module]]] = None,
                 calculate_student_loss: bool = True,
                 teacher_in_state_dict: bool = True,
                 teacher_ckpt_hint: Optional[str] = None) -> None:
        if teacher_ckpt is not None and not osp.isfile(teacher_ckpt):  # before building anything
            hint = teacher_ckpt_hint or 'Set teacher_ckpt to a checkpoint of the teacher network.'
            raise TeacherNotFoundError(
                f"the teacher checkpoint {teacher_ckpt} (the distiller's teacher_ckpt) does not exist.\n{hint}")
        student = MODELS.build(student) if isinstance(student, dict) else student
        if not isinstance(student, nn.Module):
            raise TypeError(f'SingleTeacherDistiller: student must be a config dict or an nn.Module, '
                            f'got {type(student).__name__}')
        preprocessor = getattr(student, 'data_preprocessor', None)
        if not isinstance(preprocessor, nn.Module):
            preprocessor = BaseDataPreprocessor()
        super().__init__(data_preprocessor=preprocessor)
        self.student = student

        self.teacher = MODELS.build(teacher) if isinstance(teacher, dict) else teacher
        if not isinstance(self.teacher, nn.Module):
            raise TypeError(f'SingleTeacherDistiller: teacher must be a config dict or an nn.Module, '
                            f'got {type(self.teacher).__name__}')
        self.teacher_ckpt = teacher_ckpt
        if teacher_ckpt is not None:
            load_weights(self.teacher, teacher_ckpt, source=f'teacher checkpoint {teacher_ckpt}')
        else:
            print_log('SingleTeacherDistiller: no teacher_ckpt given; the teacher keeps its initial weights',
                      logger='current', level=30)
        self.teacher.requires_grad_(False)
        self.teacher.eval()
        if hasattr(self.teacher, '_is_init'):
            self.teacher._is_init = True  # never re-initialised over the loaded weights

        self.calculate_student_loss = calculate_student_loss
        self.teacher_in_state_dict = teacher_in_state_dict
        if not teacher_in_state_dict:
            self.register_load_state_dict_post_hook(self._ignore_missing_teacher_keys)

        self.connectors = nn.ModuleDict({
            name: MODELS.build(cfg) if isinstance(cfg, dict) else cfg
            for name, cfg in (connectors or {}).items()
        })
        self.distill_losses = nn.ModuleDict({
            name: MODELS.build(cfg) if isinstance(cfg, dict) else cfg
            for name, cfg in (distill_losses or {}).items()
        })
        self.student_recorders = RecorderManager(student_recorders, owner='student')
        self.teacher_recorders = RecorderManager(teacher_recorders, owner='teacher')
        self.student_recorders.prepare(self.student)
        self.teacher_recorders.prepare(self.teacher)
        self.loss_forward_mappings = dict(loss_forward_mappings or {})
        self._check_mappings()

    # -- construction-time checks ---------------------------------------------------
    def _check_mappings(self) -> None:
        losses, mappings = set(self.distill_losses), set(self.loss_forward_mappings)
        if losses - mappings:
            raise ValueError(f'distill_losses {sorted(losses - mappings)} have no entry in loss_forward_mappings')
        if mappings - losses:
            raise ValueError(f'loss_forward_mappings names {sorted(mappings - losses)}, which are not in '
                             f'distill_losses {sorted(losses)}')
        for loss_name, mapping in self.loss_forward_mappings.items():
            where = f'loss_forward_mappings[{loss_name!r}]'
            if not isinstance(mapping, dict):
                raise ValueError(f'{where} must be a dict of argument -> record spec, got {type(mapping).__name__}')
            loss = self.distill_losses[loss_name]
            params = inspect.signature(loss.forward).parameters
            takes_kwargs = any(p.kind == p.VAR_KEYWORD for p in params.values())
            named = {n: p for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
            for arg, spec in mapping.items():
                if arg not in named and not takes_kwargs:
                    raise ValueError(f'{where}: {type(loss).__name__}.forward has no argument {arg!r}; '
                                     f'its arguments are {list(named)}')
                self._check_spec(f'{where}[{arg!r}]', spec)
            unmapped = [n for n, p in named.items() if p.default is p.empty and n not in mapping]
            if unmapped:
                raise ValueError(f'{where}: required arguments {unmapped} of {type(loss).__name__}.forward '
                                 'are not mapped to any record')

    def _check_spec(self, where: str, spec: Any) -> None:
        if not isinstance(spec, dict):
            raise ValueError(f'{where}: a record spec is a dict like dict(from_student=True, recorder=...), '
                             f'got {spec!r}')
        unknown = sorted(set(spec) - set(MAPPING_KEYS))
        if unknown:
            raise ValueError(f'{where}: unknown keys {unknown}; allowed: {list(MAPPING_KEYS)}')
        if not isinstance(spec.get('from_student'), bool):
            raise ValueError(f'{where}: from_student must be True or False, got {spec.get("from_student")!r}')
        if 'recorder' not in spec:
            raise ValueError(f'{where}: no recorder named')
        manager = self.student_recorders if spec['from_student'] else self.teacher_recorders
        if spec['recorder'] not in manager:
            raise ValueError(f'{where}: no {manager.owner} recorder named {spec["recorder"]!r}; '
                             f'{manager.owner}_recorders: {sorted(manager.recorders)}')
        connector = spec.get('connector')
        if connector is not None and connector not in self.connectors:
            raise ValueError(f'{where}: no connector named {connector!r}; connectors: {sorted(self.connectors)}')
        record_idx = spec.get('record_idx', 0)
        if isinstance(record_idx, str):
            try:
                parse_record_slice(record_idx)
            except ValueError as err:
                raise ValueError(f'{where}: {err}') from None
        elif not (record_idx is None or isinstance(record_idx, int) or
                  (isinstance(record_idx, (list, tuple)) and record_idx and
                   all(isinstance(i, int) for i in record_idx))):
            raise ValueError(f"{where}: record_idx must be an int, None, a slice string such as '1:' or a "
                             f'list of ints, got {record_idx!r}')

    # -- the frozen teacher ------------------------------------------------------------
    def train(self, mode: bool = True) -> 'SingleTeacherDistiller':
        super().train(mode)
        self.teacher.eval()
        return self

    def init_weights(self) -> None:
        """Initialise the student and the connectors; never the teacher."""
        for module in (self.student, self.connectors):
            if hasattr(module, 'init_weights') and not getattr(module, 'is_init', False):
                module.init_weights()
        self._is_init = True

    # -- forward -------------------------------------------------------------------
    def forward(self, *args, mode: str = 'tensor', **kwargs):
        """``'loss'``: student and distillation losses; ``'tensor'`` / ``'predict'``: the student's."""
        if mode == 'loss':
            return self.loss(*args, **kwargs)
        if mode in ('tensor', 'predict'):
            return self.student(*args, mode=mode, **kwargs)
        raise ValueError(f"SingleTeacherDistiller: mode must be 'loss', 'tensor' or 'predict', got {mode!r}")

    def loss(self, *args, **kwargs) -> Dict[str, torch.Tensor]:
        with self.teacher_recorders, torch.no_grad():
            self.teacher(*args, mode='tensor', **kwargs)
        with self.student_recorders:
            student_losses = self.student(*args, mode='loss', **kwargs)
        losses: Dict[str, torch.Tensor] = OrderedDict()
        if self.calculate_student_loss:
            if not isinstance(student_losses, dict):
                raise TypeError(f'the student ({type(self.student).__name__}) returned a '
                                f'{type(student_losses).__name__} in loss mode, not a dict of losses')
            losses.update(_add_prefix(student_losses, 'student'))
        losses.update(_add_prefix(self.compute_distill_losses(), 'distill'))
        return losses

    def get_record(self,
                   recorder: str,
                   from_student: bool,
                   record_idx: RecordIndex = 0,
                   data_idx: Union[int, str, None] = None,
                   connector: Optional[str] = None) -> Any:
        """The data a record spec names, after its connector if any."""
        manager = self.student_recorders if from_student else self.teacher_recorders
        data = manager.get_recorder(recorder).get_record_data(record_idx, data_idx)
        if connector is not None:
            data = self.connectors[connector](data)
        return data

    def compute_distill_losses(self) -> Dict[str, torch.Tensor]:
        """Each distillation loss, called on the records its mapping names."""
        losses: Dict[str, torch.Tensor] = OrderedDict()
        for name, mapping in self.loss_forward_mappings.items():
            kwargs = {arg: self.get_record(**spec) for arg, spec in mapping.items()}
            value = self.distill_losses[name](**kwargs)
            if isinstance(value, dict):
                losses.update({f'{name}.{key}': v for key, v in value.items()})
            else:
                losses[name] = value
        return losses

    def parse_losses(self, losses: Dict[str, torch.Tensor]) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
        """mmengine's rule (sum keys containing 'loss'), plus every ``distill.*`` key."""
        log_vars = []
        for key, value in losses.items():
            if isinstance(value, torch.Tensor):
                log_vars.append([key, value.mean()])
            elif isinstance(value, (list, tuple)) and all(isinstance(v, torch.Tensor) for v in value):
                log_vars.append([key, sum(v.mean() for v in value)])
            else:
                raise TypeError(f'{key} is not a tensor or list of tensors')
        total = sum(value for key, value in log_vars if 'loss' in key or key.startswith('distill.'))
        log_vars.insert(0, ['loss', total])
        return total, OrderedDict(log_vars)

    # -- checkpoints -------------------------------------------------------------------
    def state_dict(self, *args, destination=None, prefix: str = '', keep_vars: bool = False):
        state = super().state_dict(*args, destination=destination, prefix=prefix, keep_vars=keep_vars)
        if not self.teacher_in_state_dict:
            for key in [k for k in state if k.startswith(prefix + 'teacher.')]:
                del state[key]
        return state

    @staticmethod
    def _ignore_missing_teacher_keys(module: 'SingleTeacherDistiller', incompatible) -> None:
        teacher_keys = [k for k in incompatible.missing_keys if k.startswith('teacher.') or '.teacher.' in k]
        for key in teacher_keys:
            incompatible.missing_keys.remove(key)

