"""One frame of the propagation loop: read the memory, decode, merge annotations, maybe memorise.

This is the loop that runs over a video, written once for the clip forward
(training, ``tensor`` and ``predict`` modes) and for the video inferencer.
The network stays stateless; everything that changes lives in the memory
bank and in the ``known`` mask the caller passes along.
"""
from typing import Optional, Tuple

import torch
import torch.nn.functional as F

from mobilevos.models.memory import BaseMemoryBank


def labels_to_masks(labels: torch.Tensor, num_objects: int) -> torch.Tensor:
    """``(..., H, W)`` ids (0 bg, 1..K, 255 ignored) -> ``(..., K, H, W)`` float 0/1 masks."""
    ids = torch.arange(1, num_objects + 1, device=labels.device).view(-1, 1, 1)  # (K, 1, 1)
    return (labels.unsqueeze(-3) == ids).float()


def logits_to_labels(logits: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Background-first logits -> ids (0 bg, 1..K): the argmax over ``dim`` (first maximum on ties).

    ``(..., K+1, H, W) -> (..., H, W)`` long (``dim`` names the ``K+1`` axis). Written as
    ``max(dim).indices``: torch's CPU ``argmax`` over a channel axis takes ~8x longer (80 vs 10 ms for
    ``(1, 3, 480, 864)`` logits on 2 cores).
    """
    return logits.max(dim=dim).indices


def apply_annotation(prob: torch.Tensor, masks: torch.Tensor, annotated: torch.Tensor) -> torch.Tensor:
    """Overwrite predicted probabilities with annotated masks.

    Objects in ``annotated`` take their mask; the other objects keep their
    prediction outside the annotated objects' pixels and get 0 inside them.

    Args:
        prob: ``(B, K, H, W)`` predicted probabilities.
        masks: ``(B, K, H, W)`` annotated masks (only rows in ``annotated`` are used).
        annotated: ``(B, K)`` bool, objects defined by this annotation.

    Returns:
        ``(B, K, H, W)``.
    """
    chosen = annotated[:, :, None, None]  # (B, K, 1, 1)
    covered = (masks * chosen).amax(dim=1, keepdim=True)  # (B, 1, H, W)
    return torch.where(chosen, masks, prob * (1 - covered))


def segment_frame(network,
                  frame: torch.Tensor,
                  bank: BaseMemoryBank,
                  frame_idx: int,
                  known: torch.Tensor,
                  annotation: Optional[torch.Tensor] = None,
                  new_objects: Optional[torch.Tensor] = None,
                  store: bool = True,
                  key_feats: Optional[Tuple[torch.Tensor, ...]] = None,
                  on_decode=None) -> Tuple[torch.Tensor, torch.Tensor]:
    """Segment one frame and offer it to the memory.

    Steps: encode the key (unless ``key_feats`` is given); if the memory holds
    a frame, read it, decode every object and take sigmoids; merge the
    annotation of ``new_objects``; aggregate over the ``known`` objects; if
    ``store`` and the bank wants the frame, encode the value of the
    aggregated soft masks and add it.

    Args:
        network: an :class:`~mobilevos.models.vos.STMNetwork` (its step methods are used).
        frame: ``(B, 3, H, W)`` normalised.
        bank: the video's memory bank.
        frame_idx: index of the frame in the video.
        known: ``(B, K)`` bool, objects that have an annotation in an earlier
            frame. ``K`` may exceed the bank's objects (new objects get zero
            probability until annotated).
        annotation: ``(B, K, H, W)`` float masks given for this frame, or ``None``.
        new_objects: ``(B, K)`` bool, objects that ``annotation`` defines.
        store: allow adding the frame to the memory (``False`` on a video's last frame).
        key_feats: ``network.encode_key(frame)``, if already computed.
        on_decode: called with no argument right after the network decodes
            this frame (the clip forward uses it to pair labels with decodes).

    Returns:
        ``logits (B, K+1, H, W)`` (aggregated, background first; objects that
        are not known get ``PADDED_LOGIT``) and the updated ``known (B, K)``.
    """
    key, query, f16, f8, f4 = key_feats if key_feats is not None else network.encode_key(frame)
    batch, num_objects = known.shape
    height, width = frame.shape[-2:]
    if bank.num_frames > 0:
        memory_keys, memory_values, memory_valid = bank.read()
        readout = network.read_memory(key, memory_keys, memory_values, memory_valid, top_k=bank.top_k)
        prob = torch.sigmoid(network.decode(readout, query, f8, f4))  # (B, K_mem, H, W)
        if on_decode is not None:
            on_decode()
        prob = F.pad(prob, (0, 0, 0, 0, 0, num_objects - prob.shape[1]))
    else:
        prob = frame.new_zeros(batch, num_objects, height, width)
    annotated = new_objects is not None and bool(new_objects.any())
    if annotated:
        prob = apply_annotation(prob, annotation, new_objects)
        known = known | new_objects
    logits = network.aggregate(prob, known)  # (B, K+1, H, W)
    if store and bank.should_add(frame_idx, annotated):
        masks = torch.softmax(logits, dim=1)[:, 1:]  # (B, K, H, W)
        others = masks.sum(dim=1, keepdim=True) - masks
        values = network.encode_value(frame, f16, masks, others)
        bank.add(key, values, frame_idx, annotated=annotated, valid=known.float())
    return logits, known
