"""The CAMSAP denoiser: a cascade of K-hop graph filters sum_m S^m Z Theta_m with normalization and
residual connections, a read-in that adds a sinusoidal step embedding, and a read-out MLP."""

from __future__ import annotations

import torch
from torch import nn

from ..config import DenoiserConfig
from ..diffusion.embeddings import StepEmbedding
from ..graph.filters import HopFilter
from ..graph.signals import ChannelGraph

__all__ = ["GNNDenoiser"]


class GNNDenoiser(nn.Module):
    """eps_theta(x_k, k; graph, u) on channel graphs: one noisy allocation value per node and signal.

    Args:
        config: hidden channels, hops K and number of filter blocks.
        cond_channels: node-condition features (u: 3).
    """

    def __init__(self, config: DenoiserConfig, cond_channels: int = 3) -> None:
        super().__init__()
        c = config.hidden
        self.config = config
        self.read_in = nn.Linear(1 + cond_channels, c)
        self.step = StepEmbedding(c)
        shifts = 1 if config.directions == "in" else 2
        self.convs = nn.ModuleList(
            HopFilter(c, c, config.hops, num_shifts=shifts, gate_heads=config.gate_heads)
            for _ in range(config.num_layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(c) for _ in range(config.num_layers))
        self.read_out = nn.Sequential(nn.Linear(c, c), nn.SiLU(), nn.Linear(c, 1))

    def forward(self, x: torch.Tensor, t: torch.Tensor, graph: ChannelGraph) -> torch.Tensor:
        """Noisy values x [B, N, M] (M signals per network), steps t [B, M] -> predicted noise [B, N, M]."""
        shifts = graph.shifts(self.config.directions)
        u = graph.u[:, :, None].expand(-1, -1, x.shape[2], -1)  # [B, N, M, C]
        h = self.read_in(torch.cat([x[..., None], u], dim=-1)) + self.step(t)[:, None]  # [B, N, M, hidden]
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = h + nn.functional.silu(norm(conv(h, shifts)))
        return self.read_out(h)[..., 0]

    def __repr__(self) -> str:
        c = self.config
        return (
            f"{type(self).__name__}(hidden={c.hidden}, layers={c.num_layers}, K={c.hops}, "
            f"directions={c.directions}, gate_heads={c.gate_heads})"
        )
