"""Sinusoidal embeddings of the diffusion step (Vaswani et al.; Ho et al.)."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["sinusoidal_embedding", "StepEmbedding"]


def sinusoidal_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    """[..., dim] embedding [sin(t w_0), ..., sin(t w_{h-1}), cos(t w_0), ...], w_i = max_period^(-i/h)."""
    if dim < 2 or dim % 2:
        raise ValueError(f"dim must be an even integer >= 2, got {dim!r}")
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[..., None] * freqs
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


class StepEmbedding(nn.Module):
    """Diffusion step k -> sinusoidal features -> a two-layer MLP, [..., channels]."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.mlp = nn.Sequential(nn.Linear(channels, channels), nn.SiLU(), nn.Linear(channels, channels))

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        return self.mlp(sinusoidal_embedding(t, self.channels).to(self.mlp[0].weight.dtype))
