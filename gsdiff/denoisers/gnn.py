"""The CAMSAP denoiser: a cascade of K-hop graph filters sum_m S^m Z Theta_m with normalization and
residual connections, a read-in that adds a sinusoidal step embedding, and a read-out MLP."""

from __future__ import annotations

import torch
from torch import nn

from ..config import DenoiserConfig
from ..diffusion.embeddings import StepEmbedding
from ..graph.filters import HopFilter, shift_operators

__all__ = ["GNNDenoiser"]


class GNNDenoiser(nn.Module):
    """eps_theta(x_k, k; graph, u) for PyG-batched graphs: one noisy allocation value per node.

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

    def forward(
        self,
        x: torch.Tensor,
        t: torch.Tensor,
        u: torch.Tensor,
        edge_index: torch.Tensor,
        edge_weight: torch.Tensor | None,
        batch: torch.Tensor,
    ) -> torch.Tensor:
        """Noisy values x [V], steps t [B] (one per graph), conditions u [V, C] -> predicted noise [V]."""
        shifts = shift_operators(edge_index, edge_weight, len(x), self.config.directions, batch)
        h = self.read_in(torch.cat([x[:, None], u], dim=1)) + self.step(t)[batch]  # [V, hidden]
        for conv, norm in zip(self.convs, self.norms, strict=True):
            h = h + nn.functional.silu(norm(conv(h, shifts)))
        return self.read_out(h)[:, 0]

    def __repr__(self) -> str:
        c = self.config
        return (
            f"{type(self).__name__}(hidden={c.hidden}, layers={c.num_layers}, K={c.hops}, "
            f"directions={c.directions}, gate_heads={c.gate_heads})"
        )
