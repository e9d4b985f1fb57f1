"""The space-time-memory network (STCN-style): stateless per-frame steps plus a clip forward."""
import copy
import inspect
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from mobilevos.models.backbones.feature_spec import FeatureSpec, as_tuple, probe_feature_spec
from mobilevos.models.memory import BaseMemoryBank
from mobilevos.registry import MEMORY, MODELS
from mobilevos.structures.vos_data_sample import VOSDataSample
from mobilevos.utils.typing_utils import ConfigType, OptConfigType, OptMultiConfig

from .key_projection import KeyProjection
from .propagation import labels_to_masks, logits_to_labels, segment_frame

#: What the value encoder can take, with each input's channels (``value_inputs`` names them).
VALUE_INPUT_CHANNELS: Dict[str, int] = dict(frame=3, mask=1, others=1)

#: The paper's (and STCN's) value encoder input: RGB, the object's mask, the other objects' mask (5 channels).
DEFAULT_VALUE_INPUTS: Tuple[str, ...] = ('frame', 'mask', 'others')


def check_value_inputs(value_inputs: Sequence[str]) -> Tuple[str, ...]:
    """``value_inputs`` as a tuple, checked: names of ``VALUE_INPUT_CHANNELS``, no repeats, ``'mask'`` in it.

    Raises:
        ValueError: an unknown or repeated name, or no ``'mask'`` (the value would not know its object).
    """
    names = tuple(value_inputs)
    unknown = [n for n in names if n not in VALUE_INPUT_CHANNELS]
    if unknown or len(set(names)) != len(names) or 'mask' not in names:
        raise ValueError(f'STMNetwork: value_inputs={list(names)} must be distinct names from '
                         f'{list(VALUE_INPUT_CHANNELS)} including \'mask\' (e.g. {list(DEFAULT_VALUE_INPUTS)}, '
                         "the paper's, or ['mask', 'others'] for a mask-only value encoder)")
    return names


def _build(cfg_or_module: Union[ConfigType, nn.Module], default_args: Optional[dict] = None) -> nn.Module:
    """A built module is used as is; a config is built from ``MODELS`` with ``default_args``."""
    if isinstance(cfg_or_module, nn.Module):
        return cfg_or_module
    return MODELS.build(cfg_or_module, default_args=default_args)


def _type_name(cfg_or_module) -> str:
    if isinstance(cfg_or_module, nn.Module):
        return type(cfg_or_module).__name__
    kind = cfg_or_module.get('type', '?')
    return kind if isinstance(kind, str) else getattr(kind, '__name__', str(kind))


@MODELS.register_module()
class STMNetwork(BaseModel):
    """Space-time-memory network for semi-supervised video object segmentation.

    The network holds no per-video state. One frame is processed by four
    steps with explicit tensors in and out (``h, w = H/16, W/16``):

    - :meth:`encode_key`: frame -> key, query feature and skip features;
    - :meth:`encode_value`: frame + object masks -> one value per object;
    - :meth:`read_memory`: query key + memory keys/values -> read-out per object;
    - :meth:`decode`: read-out + query feature + skips -> one logit map per object;

    and ``aggregate`` (a module) merges per-object probabilities into
    background-first logits. A memory bank (``MEMORY`` registry) holds the keys
    and values between frames; :func:`~mobilevos.models.vos.propagation.segment_frame`
    runs one frame of the loop. ``train_memory`` is the bank policy of the
    clip forward (``loss`` and ``tensor`` modes), ``test_memory`` that of
    ``predict`` mode and the default of the video inferencer.

    Module paths (for recorders): ``key_encoder``, ``neck`` (or ``None``),
    ``key_proj``, ``key_comp``, ``value_encoder``, ``value_fuser``,
    ``memory_reader``, ``decoder`` (``decoder.feature_out``: the last feature
    map before the prediction conv, ``(B*K, C, H/4, W/4)``), ``aggregate``.

    Args:
        key_encoder: backbone for frames (``(B, 3, H, W)``); must return maps at
            strides 4, 8 and 16 (the last map of each stride is used).
        value_encoder: backbone for ``(B*K, C, H, W)`` inputs made of ``value_inputs``
            (``C = 5`` for the default frame+mask+others); must return a map at stride 16
            (e.g. ``mmseg.ResNet`` or ``MobileNetV2Encoder`` with ``in_channels=5``, or
            ``MaskEncoder`` with ``in_channels=2`` for ``value_inputs=('mask', 'others')``).
        neck: optional module on the stride-16 key feature (e.g. ``ASPPNeck``);
            ``in_channels`` is filled in.
        value_fuser: fuses the value feature with the key feature;
            ``in_channels``, ``key_channels``, ``out_channels`` are filled in.
        decoder: per-object decoder; ``in_channels`` and ``skip_channels`` are filled in.
        memory_reader: affinity + read-out (``similarity``, ``top_k``).
        aggregate: soft aggregation of object probabilities.
        key_dim: key channels ``Ck``.
        value_dim: value channels ``Cv``.
        query_dim: channels ``Cq`` of the query feature (``key_comp``).
        loss_seg: loss ``(logits (N, C, H, W), labels (N, H, W) long) -> scalar``
            on the aggregated logits. If its ``forward`` takes ``ignore_index``,
            ``ignore_index`` is passed (mmseg's losses need it).
        train_memory: bank config for the clip forward.
        test_memory: bank config for ``predict`` mode and inference.
        ignore_index: label value ignored by the loss.
        probe_size: side of the zero input used to read backbone output shapes.
        value_inputs: what the value encoder sees, concatenated over channels in this order:
            names of ``VALUE_INPUT_CHANNELS`` (``'frame'`` 3, ``'mask'`` 1, ``'others'`` 1).
            The default is the paper's. Without ``'frame'`` (an option, issue 13) the value
            depends on the frame only through the key encoder's ``f16``, which the fuser
            concatenates; ``encode_value`` keeps its ``frame`` argument and ignores it.
        data_preprocessor: defaults to ``VOSDataPreprocessor()``.
        init_cfg: mmengine init config.
    """

    def __init__(self,
                 key_encoder: Union[ConfigType, nn.Module],
                 value_encoder: Union[ConfigType, nn.Module],
                 neck: OptConfigType = None,
                 value_fuser: ConfigType = dict(type='ValueFuser'),
                 decoder: ConfigType = dict(type='STMDecoder'),
                 memory_reader: ConfigType = dict(type='MemoryReader', similarity='l2', top_k=None),
                 aggregate: ConfigType = dict(type='SoftAggregation'),
                 key_dim: int = 64,
                 value_dim: int = 512,
                 query_dim: int = 512,
                 loss_seg: ConfigType = dict(type='mmseg.CrossEntropyLoss', avg_non_ignore=True),
                 train_memory: ConfigType = dict(type='InfiniteMemory', mem_every=1),
                 test_memory: ConfigType = dict(type='InfiniteMemory', mem_every=5),
                 ignore_index: int = 255,
                 probe_size: int = 64,
                 value_inputs: Sequence[str] = DEFAULT_VALUE_INPUTS,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='VOSDataPreprocessor')
        super().__init__(data_preprocessor=_build(data_preprocessor), init_cfg=init_cfg)

        key_name = f'key_encoder ({_type_name(key_encoder)})'
        self.key_encoder = _build(key_encoder)
        self.key_spec: FeatureSpec = probe_feature_spec(self.key_encoder, 3, probe_size, key_name)
        self._f4_index, self._f8_index, self._f16_index = (self.key_spec.index_of_stride(s, key_name)
                                                           for s in (4, 8, 16))
        f4_channels, f8_channels, f16_channels = (self.key_spec.channels[i]
                                                  for i in (self._f4_index, self._f8_index, self._f16_index))
        self.neck = None
        if neck is not None:
            self.neck = _build(neck, dict(in_channels=f16_channels))
            f16_channels = self._probe_channels(self.neck, f16_channels, f'neck ({_type_name(neck)})')

        value_name = f'value_encoder ({_type_name(value_encoder)})'
        self.value_inputs = check_value_inputs(value_inputs)
        self.value_in_channels = sum(VALUE_INPUT_CHANNELS[name] for name in self.value_inputs)
        self.value_encoder = _build(value_encoder)
        self.value_spec: FeatureSpec = probe_feature_spec(self.value_encoder, self.value_in_channels,
                                                          probe_size, value_name)
        self._value_index = self.value_spec.index_of_stride(16, value_name)

        self.key_proj = KeyProjection(f16_channels, key_dim)
        self.key_comp = nn.Conv2d(f16_channels, query_dim, 3, padding=1)
        self.value_fuser = _build(
            value_fuser,
            dict(in_channels=self.value_spec.channels[self._value_index],
                 key_channels=f16_channels,
                 out_channels=value_dim))
        self.decoder = _build(
            decoder, dict(in_channels=value_dim + query_dim, skip_channels=(f8_channels, f4_channels)))
        self.memory_reader = _build(memory_reader)
        self.aggregate = _build(aggregate)
        self.loss_seg = _build(loss_seg)
        self._loss_takes_ignore_index = 'ignore_index' in inspect.signature(self.loss_seg.forward).parameters

        self.key_dim, self.value_dim, self.query_dim = key_dim, value_dim, query_dim
        self.f16_channels = f16_channels
        self.ignore_index = ignore_index
        self.train_memory_cfg = copy.deepcopy(dict(train_memory))
        self.test_memory_cfg = copy.deepcopy(dict(test_memory))

    @staticmethod
    def _probe_channels(module: nn.Module, in_channels: int, name: str) -> int:
        """Output channels of a map-to-map module, read from a small zero input."""
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                out = module(torch.zeros(1, in_channels, 4, 4))
        except Exception as err:
            raise ValueError(
                f'{name}: a (1, {in_channels}, 4, 4) input failed ({type(err).__name__}: {err})') from err
        finally:
            module.train(was_training)
        return int(out.shape[1])

    # ---------------------------------------------------------------- steps --
    def encode_key(self, frame: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Encode a query/memory frame.

        Args:
            frame: ``(B, 3, H, W)`` normalised, ``H`` and ``W`` multiples of 16.

        Returns:
            ``key (B, Ck, h, w)``, ``query_feat (B, Cq, h, w)``, ``f16 (B, C16, h, w)``
            (after the neck, if any), ``f8 (B, C8, 2h, 2w)``, ``f4 (B, C4, 4h, 4w)``.
        """
        feats = as_tuple(self.key_encoder(frame))
        f16, f8, f4 = feats[self._f16_index], feats[self._f8_index], feats[self._f4_index]
        if self.neck is not None:
            f16 = self.neck(f16)
        return self.key_proj(f16), self.key_comp(f16), f16, f8, f4

    def encode_value(self, frame: torch.Tensor, f16: torch.Tensor, masks: torch.Tensor,
                     others: torch.Tensor) -> torch.Tensor:
        """Encode one value per object (objects are folded into the batch).

        Args:
            frame: ``(B, 3, H, W)`` normalised (unused if ``'frame'`` is not in ``value_inputs``).
            f16: ``(B, C16, h, w)`` from :meth:`encode_key` on the same frame.
            masks: ``(B, K, H, W)`` soft or hard masks in ``[0, 1]``.
            others: ``(B, K, H, W)``, for each object the sum of the other objects' masks.

        Returns:
            ``values (B, K, Cv, h, w)``.
        """
        batch_objects = masks.shape[:2]
        parts = dict(mask=masks.unsqueeze(2), others=others.unsqueeze(2))  # (B, K, 1, H, W)
        if 'frame' in self.value_inputs:
            parts['frame'] = frame.unsqueeze(1).expand(-1, masks.shape[1], -1, -1, -1)  # (B, K, 3, H, W)
        x = torch.cat([parts[name] for name in self.value_inputs], dim=2)  # (B, K, C, H, W)
        x = x.flatten(0, 1)  # (B*K, C, H, W)
        feat = as_tuple(self.value_encoder(x))[self._value_index]  # (B*K, Cvb, h, w)
        # the fuser takes the key feature once per frame and shares its part among the frame's K objects
        return self.value_fuser(feat, f16).unflatten(0, batch_objects)

    def read_memory(self,
                    query_key: torch.Tensor,
                    memory_keys: torch.Tensor,
                    memory_values: torch.Tensor,
                    memory_valid: torch.Tensor,
                    top_k: Optional[int] = None) -> torch.Tensor:
        """Read the memory (see :class:`~mobilevos.models.vos.MemoryReader`).

        Args:
            query_key: ``(B, Ck, h, w)``.
            memory_keys: ``(B, Ck, T, h, w)``.
            memory_values: ``(B, K, Cv, T, h, w)``.
            memory_valid: ``(B, K, T)`` float 0/1.
            top_k: overrides the reader's ``top_k``.

        Returns:
            ``readout (B, K, Cv, h, w)``.
        """
        return self.memory_reader(query_key, memory_keys, memory_values, memory_valid, top_k=top_k)

    def decode(self, readout: torch.Tensor, query_feat: torch.Tensor, f8: torch.Tensor,
               f4: torch.Tensor) -> torch.Tensor:
        """Decode each object.

        Args:
            readout: ``(B, K, Cv, h, w)``.
            query_feat: ``(B, Cq, h, w)``.
            f8: ``(B, C8, 2h, 2w)``.
            f4: ``(B, C4, 4h, 4w)``.

        Returns:
            ``logits (B, K, H, W)`` per object (sigmoid gives its probability).
        """
        return self.decoder(readout, query_feat, f8, f4)

    def frame_labels(self, gt_masks: torch.Tensor, t: int) -> torch.Tensor:
        """Labels of clip frame ``t``: ``(B, T, H, W) -> (B, H, W)``.

        Called once per decoded frame in ``loss`` mode, so that a recorder of
        this method's outputs lines up with recorded decoder features.
        """
        return gt_masks[:, t]

    # --------------------------------------------------------------- memory --
    def build_memory(self, mode: str = 'test') -> BaseMemoryBank:
        """A fresh bank from ``train_memory`` (``mode='train'``) or ``test_memory``."""
        cfg = self.train_memory_cfg if mode == 'train' else self.test_memory_cfg
        return MEMORY.build(copy.deepcopy(cfg))

    # ---------------------------------------------------------------- clips --
    def _clip_targets(self, inputs: torch.Tensor,
                      data_samples: Optional[List[VOSDataSample]]) -> Tuple[torch.Tensor, torch.Tensor]:
        """Stacked ``gt_masks (B, T, H, W)`` and the real-object mask ``(B, K)`` bool."""
        if inputs.dim() != 5 or inputs.shape[2] != 3:
            raise ValueError(f'STMNetwork expects inputs (B, T, 3, H, W), got {tuple(inputs.shape)}')
        if inputs.shape[-2] % 16 or inputs.shape[-1] % 16:
            raise ValueError(f'STMNetwork needs H and W divisible by 16, got {tuple(inputs.shape[-2:])}; '
                             'VOSDataPreprocessor(size_divisor=16) pads them')
        if not data_samples or len(data_samples) != inputs.shape[0]:
            raise ValueError(
                'STMNetwork needs one data sample with gt_masks per clip (at least frame 0 is used)')
        gt_masks = torch.stack([s.gt_masks for s in data_samples]).long().to(inputs.device)  # (B, T, H, W)
        if gt_masks.shape[1:] != inputs.shape[1:2] + inputs.shape[3:]:
            raise ValueError(f'gt_masks {tuple(gt_masks.shape)} do not match inputs {tuple(inputs.shape)}')
        counts = []
        for sample, masks in zip(data_samples, gt_masks):
            labelled = masks[masks != self.ignore_index]
            largest = int(labelled.max()) if labelled.numel() else 0
            num = sample.metainfo.get('num_objects', largest)
            if largest > num:
                raise ValueError(f'gt_masks hold object id {largest} but num_objects is {num}')
            counts.append(int(num))
        num_objects = max(max(counts), 1)
        counts = torch.tensor(counts, device=inputs.device)
        real = torch.arange(num_objects, device=inputs.device)[None] < counts[:, None]  # (B, K)
        return gt_masks, real

    def _run_clip(self,
                  inputs: torch.Tensor,
                  gt_masks: torch.Tensor,
                  real: torch.Tensor,
                  bank: BaseMemoryBank,
                  labels: Optional[list] = None) -> List[torch.Tensor]:
        """The propagation loop over a clip.

        Frame 0's annotation is its ground truth; an object missing there is
        annotated from its first frame with ground truth (YouTube-VOS style).
        Keys of all frames are encoded in one batch.

        Returns:
            aggregated logits ``(B, K+1, H, W)`` of every frame (frame 0 from its annotation).
        """
        batch, length = inputs.shape[:2]
        key_feats = [x.unflatten(0, (batch, length)) for x in self.encode_key(inputs.flatten(0, 1))]
        masks = labels_to_masks(gt_masks, real.shape[1])  # (B, T, K, H, W)
        present = (masks.amax(dim=(3, 4)) > 0) & real[:, None]  # (B, T, K)
        known = torch.zeros_like(real)
        bank.reset()
        outputs = []
        for t in range(length):
            new_objects = present[:, t] & ~known  # objects whose ground truth starts here
            on_decode = None
            if labels is not None:
                on_decode = lambda t=t: labels.append(self.frame_labels(gt_masks, t))  # noqa: E731
            logits, known = segment_frame(self,
                                          inputs[:, t],
                                          bank,
                                          t,
                                          known,
                                          annotation=masks[:, t],
                                          new_objects=new_objects,
                                          store=t < length - 1,
                                          key_feats=tuple(x[:, t] for x in key_feats),
                                          on_decode=on_decode)
            outputs.append(logits)
        return outputs

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[VOSDataSample]] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], torch.Tensor, List[VOSDataSample]]:
        """Run the propagation loop over clips.

        Args:
            inputs: ``(B, T, 3, H, W)`` normalised frames (``H, W`` multiples of 16).
            data_samples: ``B`` samples with ``gt_masks (T, H, W)`` long (0 bg,
                ``1..K``, 255 ignored) and metainfo ``num_objects``; ``predict``
                and ``tensor`` modes use the masks of frame 0 (and of an
                object's first frame if it appears later).
            mode: ``'loss'`` -> ``dict(loss_ce=...)``, the mean over frames
                ``1..T-1`` of ``loss_seg``; ``'tensor'`` -> aggregated logits
                ``(B, T-1, K+1, H, W)`` of frames ``1..T-1``; ``'predict'`` ->
                the data samples with ``pred_masks (T, h, w)`` long, cropped to
                each sample's ``img_shape``, using ``test_memory``.
        """
        if mode not in ('loss', 'tensor', 'predict'):
            raise ValueError(f"mode must be 'loss', 'tensor' or 'predict', got {mode!r}")
        gt_masks, real = self._clip_targets(inputs, data_samples)
        if mode == 'predict':
            logits = self._run_clip(inputs, gt_masks, real, self.build_memory('test'))
            return self._pack_predictions(torch.stack(logits, dim=1), data_samples)
        if inputs.shape[1] < 2:
            raise ValueError(f'the clip forward needs at least 2 frames, got {inputs.shape[1]}')
        labels = [] if mode == 'loss' else None
        logits = self._run_clip(inputs, gt_masks, real, self.build_memory('train'), labels)[1:]
        if mode == 'tensor':
            return torch.stack(logits, dim=1)
        losses = [
            self._loss(frame_logits, frame_labels) for frame_logits, frame_labels in zip(logits, labels)
        ]
        return dict(loss_ce=torch.stack(losses).mean())

    def _loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if self._loss_takes_ignore_index:
            return self.loss_seg(logits, labels, ignore_index=self.ignore_index)
        return self.loss_seg(logits, labels)

    @staticmethod
    def _pack_predictions(logits: torch.Tensor, data_samples: List[VOSDataSample]) -> List[VOSDataSample]:
        """``logits (B, T, K+1, H, W)`` -> ``pred_masks`` (argmax, cropped to ``img_shape``)."""
        preds = logits_to_labels(logits, dim=2)  # (B, T, H, W)
        for pred, sample in zip(preds, data_samples):
            height, width = sample.metainfo.get('img_shape', pred.shape[-2:])[:2]
            sample.pred_masks = pred[:, :height, :width].long()
        return data_samples
