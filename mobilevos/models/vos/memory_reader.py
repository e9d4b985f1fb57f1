"""Memory read-out: affinity of the query key with every memory position, then a weighted sum of values."""
import math
from typing import Optional

import torch
import torch.nn as nn

from mobilevos.registry import MODELS


@MODELS.register_module()
class MemoryReader(nn.Module):
    """Read a memory of ``T`` frames for one query frame (no parameters).

    Affinity between memory position ``i`` (key ``k_i``) and query position
    ``j`` (key ``q_j``), ``d = Ck``:

    - ``'l2'`` (STCN): ``-||k_i - q_j||^2 / sqrt(d)``. The ``-||q_j||^2`` term is
      the same for every ``i``, so it cancels in the softmax over ``i`` and is
      not computed: ``(2 k_i.q_j - ||k_i||^2) / sqrt(d)``.
    - ``'dot'``: ``k_i.q_j / sqrt(d)``.

    The softmax runs over all ``T*h*w`` memory positions, or over the ``top_k``
    largest only (the rest get weight 0). ``memory_valid[b, k, t] = 0`` removes
    frame ``t`` from object ``k``'s read-out (the object had no value there
    yet). With ``P`` the softmax and ``m`` the validity of each position::

        readout_k(j) = sum_i P_ij m_ki v_ki / max(sum_i P_ij m_ki, eps)

    which equals a softmax restricted to the valid positions, computed from
    one shared affinity matrix. An object with no valid frame reads zeros.
    (If every valid position of an object underflows to weight 0, so does its
    read-out.)

    Args:
        similarity: ``'l2'`` or ``'dot'``.
        top_k: keep the ``top_k`` largest affinities per query position; ``None``
            keeps all.
        eps: floor of the normaliser.
    """

    def __init__(self, similarity: str = 'l2', top_k: Optional[int] = None, eps: float = 1e-7):
        super().__init__()
        if similarity not in ('l2', 'dot'):
            raise ValueError(f"similarity must be 'l2' or 'dot', got {similarity!r}")
        if top_k is not None and top_k < 1:
            raise ValueError(f'top_k must be a positive int or None, got {top_k}')
        self.similarity = similarity
        self.top_k = top_k
        self.eps = eps

    def affinity(self,
                 query_key: torch.Tensor,
                 memory_keys: torch.Tensor,
                 top_k: Optional[int] = None) -> torch.Tensor:
        """Softmax-normalised affinity.

        Args:
            query_key: ``(B, Ck, h, w)``.
            memory_keys: ``(B, Ck, T, h, w)``.
            top_k: overrides ``self.top_k`` when given.

        Returns:
            ``(B, T*h*w, h*w)``; each column sums to 1. (A transposed view of
            :meth:`query_affinity`.)
        """
        return self.query_affinity(query_key, memory_keys, top_k).transpose(1, 2)

    def query_affinity(self,
                       query_key: torch.Tensor,
                       memory_keys: torch.Tensor,
                       top_k: Optional[int] = None) -> torch.Tensor:
        """The affinity laid out query-major: ``(B, h*w, T*h*w)``, each row sums to 1.

        The softmax and the top-k run over the last, contiguous dimension
        (several times faster on a CPU than over the memory dimension of
        :meth:`affinity`'s layout, and without transposes in an exported graph).
        The scale ``1/sqrt(Ck)`` multiplies the (small) memory keys rather
        than the ``(h*w, T*h*w)`` product; for ``Ck = 64`` it is ``1/8``, exact in
        floating point.
        """
        top_k = self.top_k if top_k is None else top_k
        scale = 1.0 / math.sqrt(query_key.shape[1])
        mk = memory_keys.flatten(2)  # (B, Ck, N), N = T*h*w
        qk = query_key.flatten(2).transpose(1, 2)  # (B, M, Ck), M = h*w
        if self.similarity == 'l2':
            memory_sq = mk.pow(2).sum(dim=1, keepdim=True) * scale  # (B, 1, N)
            logits = torch.bmm(qk, mk * (2 * scale)) - memory_sq  # (B, M, N)
        else:
            logits = torch.bmm(qk, mk * scale)
        if top_k is None or top_k >= logits.shape[2]:
            return torch.softmax(logits, dim=2)
        values, indices = torch.topk(logits, k=top_k, dim=2)  # (B, M, top_k)
        return torch.zeros_like(logits).scatter_(2, indices, torch.softmax(values, dim=2))

    def forward(self,
                query_key: torch.Tensor,
                memory_keys: torch.Tensor,
                memory_values: torch.Tensor,
                memory_valid: torch.Tensor,
                top_k: Optional[int] = None) -> torch.Tensor:
        """Read the memory.

        Args:
            query_key: ``(B, Ck, h, w)``.
            memory_keys: ``(B, Ck, T, h, w)``.
            memory_values: ``(B, K, Cv, T, h, w)``.
            memory_valid: ``(B, K, T)`` float, 1 where object ``k`` has a value in frame ``t``.
            top_k: overrides the reader's ``top_k``.

        Returns:
            ``(B, K, Cv, h, w)``.
        """
        weights = self.query_affinity(query_key, memory_keys, top_k)  # (B, h*w, T*h*w)
        valid = memory_valid.to(memory_values.dtype)
        values = memory_values * valid[:, :, None, :, None, None]  # (B, K, Cv, T, h, w)
        readout = torch.matmul(values.flatten(3), weights.transpose(1, 2).unsqueeze(1))  # (B, K, Cv, h*w)
        frame_mass = weights.unflatten(2, (memory_keys.shape[2], -1)).sum(dim=3)  # (B, h*w, T)
        normaliser = torch.bmm(valid, frame_mass.transpose(1, 2)).clamp_min(self.eps)  # (B, K, h*w)
        readout = readout / normaliser.unsqueeze(2)
        return readout.unflatten(3, query_key.shape[2:])  # (B, K, Cv, h, w)
