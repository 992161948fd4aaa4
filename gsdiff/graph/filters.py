"""K-hop graph filters sum_m S^m Z Theta_m with a bank of shift operators (``gsdiff.graph.operators``).

On the channel graph an edge j -> i carries the interference of transmitter j at receiver i, so S moves
information along *incoming* interference: node i hears about the users that disturb it. Whether i should
back off depends as much on the users *it* disturbs, which travel along the transpose S^T; ``directions =
"both"`` filters with both operators, sum_m S^m Z Theta_m + sum_{m>=1} (S^T)^m Z Phi_m (a directed graph
filter with two shift operators, still permutation-equivariant).

A linear filter weighs a neighbour by the channel alone, never by what the two users are doing, yet whether
a weak receiver's strongest interferer keeps quiet is exactly what its rate depends on. ``gate_heads = H``
makes each filter's shift state-dependent (our choice, in the spirit of gated graph convolutions): the
channels split into H heads and head h shifts with

    S^h_ij = S_ij * sigmoid(a_h . z_i + b_h . z_j + c_h S_ij),

one gated operator per filter input z, used for every tap. Gates depend on both ends of an edge and on its
weight only, so the filter stays permutation-equivariant, and cost H N x N products like H linear shifts.

Features are laid out [B, N, M, C] (B networks, N nodes, M signals per network sharing its graph, C
channels); the operators are built once per network (``gsdiff.graph.channel_graph``).
"""

from __future__ import annotations

import torch
from torch import nn

from .operators import DenseShift, SparseShift

__all__ = ["HopFilter"]

Shift = DenseShift | SparseShift


class HopFilter(nn.Module):
    """sum_s sum_{m=0}^{K} (S_s^r)^m Z Theta_{s,m}: K-tap polynomial filters in S_s^r, one per shift operator.

    The m = 0 tap (Z Theta_0, with the only bias) is shared by the operators. With ``gate_heads`` > 0 each
    S_s is replaced by its gated operators (``DenseShift.gated`` / ``SparseShift.gated``), computed from Z.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        hops: int,
        stride: int = 1,
        num_shifts: int = 1,
        gate_heads: int = 0,
    ) -> None:
        super().__init__()
        if gate_heads and in_channels % gate_heads:
            raise ValueError(f"in_channels ({in_channels}) must be divisible by gate_heads ({gate_heads})")
        self.stride, self.num_shifts = stride, num_shifts
        self.taps = nn.ModuleList(
            nn.Linear(in_channels, out_channels, bias=m == 0) for m in range(1 + hops * num_shifts)
        )
        if gate_heads:  # per shift operator: p and q of every head from Z, and the edge-weight scale c
            self.gates = nn.ModuleList(nn.Linear(in_channels, 2 * gate_heads) for _ in range(num_shifts))
            self.edge_scales = nn.Parameter(torch.zeros(num_shifts, gate_heads))
        else:
            self.gates = None

    def forward(self, z: torch.Tensor, shifts: tuple[Shift, ...]) -> torch.Tensor:
        """Features z [B, N, M, C] -> [B, N, M, out_channels]."""
        if len(shifts) != self.num_shifts:
            raise ValueError(f"this filter takes {self.num_shifts} shift operators, got {len(shifts)}")
        hops = (len(self.taps) - 1) // self.num_shifts
        shifted = [z]  # Z, then (S_s^r)^m Z for every operator s and tap m, in the taps' order
        for s, shift in enumerate(shifts):
            if self.gates is None:
                enter, apply, leave = shift.linear(z)
            else:
                p, q = self.gates[s](z).chunk(2, dim=-1)  # [B, N, M, H] receiving and sending ends
                enter, apply, leave = shift.gated(p, q, self.edge_scales[s])
            y = enter(z)
            for _ in range(hops):
                for _ in range(self.stride):
                    y = apply(y)
                shifted.append(leave(y))
        # sum_m Y_m Theta_m as one product [Y_0 ... Y_T] [Theta_0; ...; Theta_T]: one kernel, not T + 1 and
        # T additions (the same sum to round-off; a third less time per U-GNN forward on a CPU)
        weight = torch.cat([tap.weight for tap in self.taps], dim=1)  # [out, (T + 1) C]
        return nn.functional.linear(torch.cat(shifted, dim=-1), weight, self.taps[0].bias)
