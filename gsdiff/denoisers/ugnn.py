"""The U-GNN denoiser of the extended paper: encoder and decoder levels of graph-filter blocks with skip
connections, on the channel graph.

"Pooling" keeps a subset of the nodes (a learned top-k selection, or every gamma-th node) and zeroes the
rest, so every level's signal still lives on the original graph; a level-l block filters with powers of
S^(r^l) (r = ``hop_stride``), reaching further on the original graph as the levels get coarser; unpooling is
the zero-fill itself, and the decoder concatenates each level's encoder output (the skip connection). The
step embedding and an encoding of the node conditions u are added in every block.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from ..config import DenoiserConfig
from ..diffusion.embeddings import StepEmbedding
from ..graph.filters import HopFilter, Shift
from ..graph.signals import ChannelGraph

__all__ = ["UGNNBlock", "UGNN"]


class UGNNBlock(nn.Module):
    """Two filters with layer norm and SiLU, the step/condition embedding added after the first; residual."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hops: int,
        stride: int,
        num_shifts: int,
        gate_heads: int = 0,
    ) -> None:
        super().__init__()
        self.filter1 = HopFilter(in_channels, out_channels, hops, stride, num_shifts, gate_heads)
        self.filter2 = HopFilter(out_channels, out_channels, hops, stride, num_shifts, gate_heads)
        self.norm1, self.norm2 = nn.LayerNorm(out_channels), nn.LayerNorm(out_channels)
        self.embed = nn.Linear(out_channels, out_channels)
        self.skip = nn.Identity() if in_channels == out_channels else nn.Linear(in_channels, out_channels)

    def forward(
        self, h: torch.Tensor, shifts: tuple[Shift, ...], emb: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        """Features h [B, N, M, C], embedding [B, N, M, C], mask of the nodes this level keeps [B, N, M]."""
        y = nn.functional.silu(self.norm1(self.filter1(h, shifts) + self.embed(emb)))
        y = nn.functional.silu(self.norm2(self.filter2(y, shifts)))
        return (self.skip(h) + y) * mask[..., None]


def _top_fraction(score: torch.Tensor, mask: torch.Tensor, factor: int) -> torch.Tensor:
    """Keep, in every graph, the ceil(active / factor) active nodes with the highest score (ties: the lower
    index); score and mask [B, N, M] (nodes along dimension 1), result [B, N, M] bool."""
    keep_count = torch.ceil(mask.sum(1, keepdim=True) / factor)  # [B, 1, M]
    order = torch.argsort(score.masked_fill(~mask, -math.inf), dim=1, descending=True, stable=True)
    positions = torch.arange(score.shape[1], device=score.device)[None, :, None].expand_as(order)
    rank = torch.empty_like(order).scatter_(1, order, positions)  # [B, N, M] rank of each node
    return (rank < keep_count) & mask


class UGNN(nn.Module):
    """eps_theta(x_k, k; graph, u) as a U-shaped cascade of graph-filter blocks (see the module docstring).

    Args:
        config: hidden channels, hops K, depth, pooling kind and factor gamma, hop stride r.
        cond_channels: node-condition features (u: 3).
    """

    def __init__(self, config: DenoiserConfig, cond_channels: int = 3) -> None:
        super().__init__()
        c, k = config.hidden, config.hops
        self.config = config
        self.read_in = nn.Linear(1, c)
        self.step = StepEmbedding(c)
        self.condition = nn.Sequential(nn.Linear(cond_channels, c), nn.SiLU(), nn.Linear(c, c))
        strides = [config.hop_stride**level for level in range(config.depth)]
        shifts = 1 if config.directions == "in" else 2
        heads = config.gate_heads
        self.encoder = nn.ModuleList(UGNNBlock(c, c, k, s, shifts, heads) for s in strides)
        self.decoder = nn.ModuleList(UGNNBlock(2 * c, c, k, s, shifts, heads) for s in strides[:-1])
        self.scores = nn.ModuleList(nn.Linear(c, 1) for _ in strides[:-1])  # learned top-k selection
        self.read_out = nn.Sequential(nn.Linear(c, c), nn.SiLU(), nn.Linear(c, 1))

    def level_masks(self, num_nodes: int, device: torch.device | str = "cpu") -> list[torch.Tensor]:
        """Which nodes each level keeps [N], for "stride" pooling (for "topk" they depend on the features)."""
        local = torch.arange(num_nodes, device=device)
        return [local % self.config.pool_factor**level == 0 for level in range(self.config.depth)]

    def forward(self, x: torch.Tensor, t: torch.Tensor, graph: ChannelGraph, return_masks: bool = False):
        """Noisy values x [B, N, M] (M signals per network), steps t [B, M] -> predicted noise [B, N, M]
        (and, with ``return_masks``, the nodes each level kept, [B, N, M] per level)."""
        shifts = graph.shifts(self.config.directions)
        emb = self.step(t)[:, None] + self.condition(graph.u)[:, :, None]  # [B, N, M, hidden] in every block
        h = self.read_in(x[..., None])
        mask = torch.ones_like(x, dtype=torch.bool)
        masks, skips = [mask], []
        for level, block in enumerate(self.encoder):
            h = block(h, shifts, emb, mask)
            if level == len(self.encoder) - 1:
                break
            skips.append(h)
            if self.config.pooling == "topk":
                score = self.scores[level](h)[..., 0]
                mask = _top_fraction(score.detach(), mask, self.config.pool_factor)
                h = h * torch.tanh(score)[..., None]  # the gate lets the scores learn
            else:
                mask = self.level_masks(x.shape[1], x.device)[level + 1][None, :, None].expand_as(x)
            h = h * mask[..., None]  # pooling: zero the dropped nodes (unpooling is this zero-fill)
            masks.append(mask)
        for level in reversed(range(len(self.decoder))):
            h = self.decoder[level](torch.cat([h, skips[level]], dim=-1), shifts, emb, masks[level])
        out = self.read_out(h)[..., 0]
        return (out, masks) if return_masks else out

    def __repr__(self) -> str:
        c = self.config
        return (
            f"{type(self).__name__}(hidden={c.hidden}, depth={c.depth}, K={c.hops}, pooling={c.pooling}, "
            f"gamma={c.pool_factor}, hop_stride={c.hop_stride}, directions={c.directions}, "
            f"gate_heads={c.gate_heads})"
        )
