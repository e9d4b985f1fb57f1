"""Key projection (STCN): a 3x3 conv from the stride-16 feature to the key space, orthogonally initialised."""
import torch
import torch.nn as nn


class KeyProjection(nn.Module):
    """``(B, in_channels, h, w) -> (B, key_dim, h, w)``.

    The orthogonal initialisation (as in STCN) starts with keys that preserve
    distances between features, which suits the L2 affinity.
    """

    def __init__(self, in_channels: int, key_dim: int):
        super().__init__()
        self.proj = nn.Conv2d(in_channels, key_dim, 3, padding=1)
        nn.init.orthogonal_(self.proj.weight.data)
        nn.init.zeros_(self.proj.bias.data)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj(x)
