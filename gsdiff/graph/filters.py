"""K-hop graph filters sum_m S^m Z Theta_m on PyG-batched graphs, with a bank of shift operators.

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
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import torch
from torch import nn
from torch_geometric.nn.conv.gcn_conv import gcn_norm

from ..checks import check_choice
from ..config import DIRECTIONS

__all__ = ["shift_operator", "shift_operators", "gated_shift", "HopFilter"]


def _normalized_edges(
    edge_index: torch.Tensor, edge_weight: torch.Tensor | None, num_nodes: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """(row i, column j) of every edge j -> i and its weight w_ji / sqrt(d_i d_j) (d: weighted in-degree)."""
    index, weight = gcn_norm(edge_index, edge_weight, num_nodes, add_self_loops=False)
    return index.flip(0), weight  # messages flow j -> i (edge_index[0] = j, edge_index[1] = i)


def shift_operator(
    edge_index: torch.Tensor, edge_weight: torch.Tensor | None, num_nodes: int
) -> torch.Tensor:
    """The symmetrically normalized shift S [V, V] (sparse COO): (S z)_i = sum_j w_ji z_j / sqrt(d_i d_j)."""
    index, weight = _normalized_edges(edge_index, edge_weight, num_nodes)
    shift = torch.sparse_coo_tensor(index, weight, (num_nodes, num_nodes), check_invariants=True)
    return shift.coalesce()


def _uniform_size(batch: torch.Tensor | None, num_nodes: int) -> int | None:
    """N if ``batch`` holds graphs of N nodes each in contiguous blocks (what gsdiff builds), else None."""
    if batch is None or num_nodes == 0:
        return None
    counts = torch.bincount(batch)
    n = int(counts[0])
    contiguous = bool((batch[1:] >= batch[:-1]).all())
    return n if contiguous and bool((counts == n).all()) else None


def shift_operators(
    edge_index: torch.Tensor,
    edge_weight: torch.Tensor | None,
    num_nodes: int,
    directions: str,
    batch: torch.Tensor | None = None,
    dense_max_nodes: int = 128,
) -> tuple[torch.Tensor, ...]:
    """(S,) for ``directions = "in"``, (S, S^T) for ``"both"`` (see the module docstring).

    With ``batch`` showing graphs of one size N <= ``dense_max_nodes``, the operators are dense blocks
    [B, N, N] (batched matrix products are several times faster than sparse ones on a CPU at these sizes);
    otherwise sparse [V, V]. ``HopFilter`` takes either; the maths is the same.
    """
    check_choice("directions", directions, DIRECTIONS)
    n = _uniform_size(batch, num_nodes)
    if n is not None and n <= dense_max_nodes:
        (row, col), weight = _normalized_edges(edge_index, edge_weight, num_nodes)
        shift = torch.zeros(num_nodes // n, n, n, dtype=weight.dtype, device=weight.device)
        shift[row // n, row % n, col % n] = weight  # edges stay within their graph's block
        return (shift,) if directions == "in" else (shift, shift.transpose(1, 2))
    shift = shift_operator(edge_index, edge_weight, num_nodes)
    return (shift,) if directions == "in" else (shift, shift.t().coalesce())


def _shift(shift: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """S z for a sparse [V, V] or block-dense [B, N, N] operator and node features z [V, C]."""
    if shift.is_sparse:
        return shift @ z
    b, n, _ = shift.shape
    return (shift @ z.reshape(b, n, -1)).reshape(z.shape)  # [B, N, N] @ [B, N, C]


def gated_shift(shift: torch.Tensor, logits: torch.Tensor, edge_scale: torch.Tensor) -> torch.Tensor:
    """The gated operators S^h_ij = S_ij sigmoid(p_ih + q_jh + c_h S_ij) (see the module docstring).

    ``logits`` [V, 2H] holds p (receiving end i) and q (sending end j) per node, ``edge_scale`` [H] is c.
    Returns [B, H, N, N] (contiguous, for batched products) for a block-dense S [B, N, N], else the gated edge
    values [E, H] of a sparse S.
    """
    p, q = logits.chunk(2, dim=1)  # [V, H] each
    if shift.is_sparse:
        (row, col), value = shift.indices(), shift.values()  # [E]
        return value[:, None] * torch.sigmoid(p[row] + q[col] + edge_scale * value[:, None])  # [E, H]
    b, n, _ = shift.shape
    p = p.reshape(b, n, -1).transpose(1, 2)[..., :, None]  # [B, H, N, 1] receiving end i
    q = q.reshape(b, n, -1).transpose(1, 2)[..., None, :]  # [B, H, 1, N] sending end j
    dense = shift[:, None]  # [B, 1, N, N]
    # Broadcasting follows the heads-last strides of p and q; one copy here saves one per application.
    return (dense * torch.sigmoid(p + q + edge_scale[:, None, None] * dense)).contiguous()


def _gated_operator(shift: torch.Tensor, gated: torch.Tensor) -> tuple[Callable, Callable, Callable]:
    """(enter, apply, leave) for gated shifts: features z [V, C] into the layout ``apply`` works in, one
    application of sum_j S^h_ij z_j (head h acting on the h-th block of channels), and back to [V, C].

    Block-dense operators work on [B, H, N, C / H], so that repeated applications (taps, hop strides) are
    batched products on contiguous memory, with one layout change per tap instead of two per application.
    """
    heads = gated.shape[1]
    if shift.is_sparse:
        row, col = shift.indices()

        def apply_sparse(z: torch.Tensor) -> torch.Tensor:
            messages = gated[:, :, None] * z[col].reshape(len(col), heads, -1)  # [E, H, C / H]
            return torch.zeros_like(z).index_add_(0, row, messages.reshape(len(col), -1))

        return _identity, apply_sparse, _identity
    b, n = gated.shape[0], gated.shape[-1]

    def enter(z: torch.Tensor) -> torch.Tensor:
        return z.reshape(b, n, heads, -1).transpose(1, 2).contiguous()  # [B, H, N, C / H]

    def leave(y: torch.Tensor) -> torch.Tensor:
        return y.transpose(1, 2).reshape(b * n, -1)  # [V, C]

    return enter, gated.matmul, leave


def _identity(z: torch.Tensor) -> torch.Tensor:
    return z


class HopFilter(nn.Module):
    """sum_s sum_{m=0}^{K} (S_s^r)^m Z Theta_{s,m}: K-tap polynomial filters in S_s^r, one per shift operator.

    The m = 0 tap (Z Theta_0, with the only bias) is shared by the operators. With ``gate_heads`` > 0 each
    S_s is replaced by its gated operators (``gated_shift``), computed from Z.
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

    def forward(self, z: torch.Tensor, shifts: tuple[torch.Tensor, ...]) -> torch.Tensor:
        if len(shifts) != self.num_shifts:
            raise ValueError(f"this filter takes {self.num_shifts} shift operators, got {len(shifts)}")
        out = self.taps[0](z)
        hops = (len(self.taps) - 1) // self.num_shifts
        for s, shift in enumerate(shifts):
            if self.gates is None:
                enter, apply, leave = _identity, functools.partial(_shift, shift), _identity
            else:
                gated = gated_shift(shift, self.gates[s](z), self.edge_scales[s])
                enter, apply, leave = _gated_operator(shift, gated)
            y = enter(z)
            for tap in self.taps[1 + s * hops : 1 + (s + 1) * hops]:
                for _ in range(self.stride):
                    y = apply(y)
                out = out + tap(leave(y))
        return out
