"""Shift operators of a batch of channel graphs, built once per network and applied to the node features of
any number of samples of it.

A diffusion policy draws S allocations per network and runs T reverse steps on each: every one of them sees
the same graph. The operators here hold one network's shift S (and, for ``directions="both"``, S^T) and act
on features laid out [B, N, M, C]: B networks, N nodes, M signals per network (samples), C channels, so a
graph is built and normalized once and shared by its M samples and every step, never repeated.

Two forms, with the same maths:

* ``DenseShift``: S as blocks [B, N, N]; one batched matrix product per application (fastest for small N or
  complete graphs).
* ``SparseShift``: a fixed in-degree K (self-loop and the K - 1 strongest interferers of each receiver, as
  the papers' top-k graph): sources ``index`` [B, N, K] and values [B, N, K]. S z gathers each receiver's K
  neighbours as one [B N, K, M C] block and sums it, with no scattered messages; S^T z scatters the same
  blocks back (``index_add_`` on rows of M C values). Memory O(B N K M C).

``gated(p, q, c)`` gives the state-gated operators S^h_ij = S_ij sigmoid(p_ih + q_jh + c_h S_ij) of
``gsdiff.graph.filters``, one per head, for logits p (receiving end), q (sending end) [B, N, M, H] that may
differ between samples. An operator is used through (enter, apply, leave): ``enter`` puts features
[B, N, M, C] in the layout ``apply`` works in, ``apply`` is one application, ``leave`` returns to
[B, N, M, C], so repeated applications (taps, hop strides) pay for one layout change.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import NamedTuple

import torch

# CSR tensors are "beta" in torch; the products used here are the stable, tested ones.
warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")

__all__ = ["Applier", "DenseShift", "SparseShift"]


class Applier(NamedTuple):
    """How to apply one (possibly gated) operator to features [B, N, M, C] (see the module docstring)."""

    enter: Callable[[torch.Tensor], torch.Tensor]
    apply: Callable[[torch.Tensor], torch.Tensor]
    leave: Callable[[torch.Tensor], torch.Tensor]


def _heads(z: torch.Tensor, heads: int) -> torch.Tensor:
    """[B, N, M, C] -> [B, N, M, H, C / H]: head h acts on the h-th block of channels."""
    return z.reshape(*z.shape[:3], heads, -1)


class DenseShift:
    """S as dense blocks [B, N, N] (rows: receiving node i, columns: sending node j)."""

    def __init__(self, matrix: torch.Tensor) -> None:
        self.matrix = matrix

    @property
    def num_nodes(self) -> int:
        return self.matrix.shape[-1]

    def transpose(self) -> DenseShift:
        """S^T (a view)."""
        return DenseShift(self.matrix.transpose(1, 2))

    def to_dense(self) -> torch.Tensor:
        """[B, N, N]."""
        return self.matrix

    def linear(self, like: torch.Tensor) -> Applier:
        """S itself, for features shaped like ``like`` [B, N, M, C]."""
        b, n, m, c = like.shape
        return Applier(
            lambda z: z.reshape(b, n, m * c),  # [B, N, M C]
            lambda y: torch.bmm(self.matrix, y),
            lambda y: y.reshape(b, n, m, c),
        )

    def gated(self, p: torch.Tensor, q: torch.Tensor, scale: torch.Tensor) -> Applier:
        """The gated operators for logits p, q [B, N, M, H] and edge scales [H]."""
        b, n, m, heads = p.shape
        s = self.matrix[:, None, None]  # [B, 1, 1, N, N]
        p = p.permute(0, 2, 3, 1)[..., :, None]  # [B, M, H, N, 1] receiving end i
        q = q.permute(0, 2, 3, 1)[..., None, :]  # [B, M, H, 1, N] sending end j
        logits = (p + q).add_(scale[:, None, None] * s)  # in place: one [B, M, H, N, N] block fewer
        gated = (s * torch.sigmoid(logits)).contiguous()  # [B, M, H, N, N]
        return Applier(
            lambda z: _heads(z, heads).permute(0, 2, 3, 1, 4).contiguous(),  # [B, M, H, N, C / H]
            gated.matmul,
            lambda y: y.permute(0, 3, 1, 2, 4).reshape(b, n, m, -1),
        )


class _Pattern(NamedTuple):
    """The compressed-row (CSR) structure of a sparse operator: K entries per row, rows in order."""

    crow: torch.Tensor  # [R + 1]
    col: torch.Tensor  # [E] column of every entry
    row: torch.Tensor  # [E] row of every entry
    size: int  # R rows (and columns)


class _Patterns(NamedTuple):
    """An operator's pattern, its transpose's, and which entry of the operator each transposed one is."""

    forward: _Pattern
    transpose: _Pattern
    order: torch.Tensor  # [E]: entry e of the transpose is entry order[e] of the operator


def _patterns(flat_index: torch.Tensor, rows: int, k: int, inner: int) -> _Patterns:
    """The patterns of a graph whose row r (of ``rows``) has sources ``flat_index[r K : (r + 1) K]``,
    with every node split into ``inner`` independent copies laid out innermost (row r c <-> copy c of node
    r): the layout of features [rows, inner, D] flattened to [rows inner, D], so no copy is made."""
    device = flat_index.device
    copy = torch.arange(inner, device=device)
    col = (flat_index.view(rows, 1, k) * inner + copy[None, :, None]).reshape(-1)  # rows, then copies, then K
    row = torch.arange(rows * inner, device=device).repeat_interleave(k)
    size = rows * inner
    forward = _Pattern(torch.arange(0, size * k + 1, k, device=device), col, row, size)
    order = torch.argsort(col, stable=True)  # by column (the transpose's row), then by row
    # entries per column, by a scatter of known size: bincount would read max(col) back to the host
    counts = torch.zeros(size, dtype=col.dtype, device=device).scatter_add_(0, col, torch.ones_like(col))
    t_crow = torch.cat([torch.zeros(1, dtype=counts.dtype, device=device), counts.cumsum(0)])
    transpose = _Pattern(t_crow, row[order], col[order], size)
    return _Patterns(_narrow_indices(forward), _narrow_indices(transpose), order)


def _narrow_indices(pattern: _Pattern) -> _Pattern:
    """The pattern with 32-bit indices where they fit: the CPU's sparse kernels (MKL) take 32-bit indices
    and would otherwise convert the 64-bit ones on every product (8% of its time at N = 400, 25 samples;
    ``benchmarks/amortization.py``). The products are the same to the bit."""
    if pattern.col.numel() >= 2**31 or pattern.col.device.type != "cpu":
        return pattern
    return _Pattern(pattern.crow.int(), pattern.col.int(), pattern.row.int(), pattern.size)


def _csr_matmul(pattern: _Pattern, values: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The CSR matrix of ``pattern`` with ``values`` times y [R, D]."""
    matrix = torch.sparse_csr_tensor(
        pattern.crow, pattern.col, values, (pattern.size, pattern.size), check_invariants=False
    )
    out = torch.empty(pattern.size, y.shape[1], dtype=y.dtype, device=y.device)
    # addmm into the output with beta = 0 skips the zero-fill and copy that "matrix @ y" makes
    return torch.addmm(out, matrix, y, beta=0, out=out)


class _SparseMatmul(torch.autograd.Function):
    """A y for a sparse A (``pattern`` with ``values``, one per entry) and y [R, D], with the gradient in
    both: by the transpose (``transpose`` with ``values_t``, the same numbers in its order; a CSR product
    again) and by one gather per entry. torch's own backward through CSR tensors does not take gradients
    in their values here."""

    @staticmethod
    def forward(ctx, values, values_t, y, pattern: _Pattern, transpose: _Pattern) -> torch.Tensor:
        # In the values' precision: under bfloat16 autocast y arrives in bf16, which the CSR kernels lack
        # (and which would round the sums over K neighbours); the result goes on in float32.
        ctx.y_dtype = y.dtype
        y = y.to(values.dtype)
        ctx.save_for_backward(values_t, y)
        ctx.pattern, ctx.transpose = pattern, transpose
        return _csr_matmul(pattern, values, y)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        values_t, y = ctx.saved_tensors
        pattern = ctx.pattern
        grad_values = grad_y = None
        if ctx.needs_input_grad[2]:
            grad_y = _csr_matmul(ctx.transpose, values_t, grad.to(values_t.dtype).contiguous()).to(
                ctx.y_dtype
            )
        if ctx.needs_input_grad[0]:
            grad_values = (grad.index_select(0, pattern.row) * y.index_select(0, pattern.col)).sum(-1)
        return grad_values, None, grad_y, None, None


class SparseShift:
    """S with a fixed in-degree K: receiver i's sources ``index[b, i]`` [K] (in increasing order) and values
    ``value[b, i]`` [K] (padding entries have value 0). ``transposed`` applies S^T with the same tables.

    Applications are products of compressed-row (CSR) matrices with dense blocks of rows, one per signal
    and head when the values differ between them (gates), so every product is a single sparse kernel call.
    """

    def __init__(self, index: torch.Tensor, value: torch.Tensor, transposed: bool = False) -> None:
        self.index, self.value, self.transposed = index, value, transposed
        b, n, k = index.shape
        offsets = torch.arange(b, device=index.device)[:, None, None] * n
        self.flat_index = (index + offsets).reshape(-1)  # [B N K] global source of every edge
        self._cache: dict[int, _Patterns] = {}

    def _patterns(self, inner: int) -> _Patterns:
        if inner not in self._cache:  # built once per graph and number of copies, then reused
            b, n, k = self.index.shape
            self._cache[inner] = _patterns(self.flat_index, b * n, k, inner)
        return self._cache[inner]

    def _matmul(self, values: torch.Tensor, inner: int) -> Callable[[torch.Tensor], torch.Tensor]:
        """y -> S y (or S^T y) for ``values`` in the order of the operator's entries (row, copy, K)."""
        pats = self._patterns(inner)
        if self.transposed:
            values_t = values[pats.order]  # once per operator, not once per application
            return lambda y: _SparseMatmul.apply(values_t, values, y, pats.transpose, pats.forward)
        # S itself needs the transpose's values (a gather as large as the values) only for a backward pass
        values_t = values[pats.order] if torch.is_grad_enabled() else None
        return lambda y: _SparseMatmul.apply(values, values_t, y, pats.forward, pats.transpose)

    @property
    def num_nodes(self) -> int:
        return self.index.shape[1]

    def transpose(self) -> SparseShift:
        """S^T, sharing the tables and the CSR patterns."""
        other = SparseShift.__new__(SparseShift)
        other.__dict__.update(self.__dict__)
        other.transposed = not self.transposed
        return other

    def to_dense(self) -> torch.Tensor:
        """[B, N, N] (for tests and small graphs)."""
        b, n, k = self.index.shape
        dense = torch.zeros(b, n, n, dtype=self.value.dtype, device=self.value.device)
        rows = torch.arange(n, device=self.index.device)[None, :, None].expand(b, n, k)
        nets = torch.arange(b, device=self.index.device)[:, None, None].expand(b, n, k)
        dense.index_put_((nets, rows, self.index), self.value, accumulate=True)  # padding may repeat a source
        return dense.transpose(1, 2) if self.transposed else dense

    def linear(self, like: torch.Tensor) -> Applier:
        """S (or S^T): one sparse product [B N, B N] @ [B N, M C] for all M signals at once."""
        b, n, m, c = like.shape
        return Applier(
            lambda z: z.reshape(b * n, m * c),
            self._matmul(self.value.reshape(-1), 1),
            lambda y: y.reshape(b, n, m, c),
        )

    def gated(self, p: torch.Tensor, q: torch.Tensor, scale: torch.Tensor) -> Applier:
        """The gated operators: one sparse product over M H copies of the graph (rows: node, signal, head,
        innermost last, as features [B N, M, H, C / H] already are), the gates as its values."""
        b, n, m, heads = p.shape
        k = self.index.shape[2]
        value = self.value.reshape(b * n, k, 1, 1)  # [B N, K, 1, 1]
        p, q = p.reshape(b * n, m, heads), q.reshape(b * n, m, heads)
        # S: receiving end the row i (p), sending end the source j (q); S^T: the other way round.
        at_row, at_source = (q, p) if self.transposed else (p, q)
        sources = at_source.index_select(0, self.flat_index).view(b * n, k, m, heads)
        # the logits summed in place into the gathered block: no backward needs it, and two fewer [B N, K,
        # M, H] tensors are allocated
        logits = sources.add_(at_row[:, None]).add_(scale * value)
        gates = value * torch.sigmoid(logits)  # [B N, K, M, H]
        apply = self._matmul(gates.permute(0, 2, 3, 1).reshape(-1), m * heads)  # entries (row, copy, K)
        return Applier(
            lambda z: z.reshape(b * n * m * heads, -1),  # [B N M H, C / H]: a view
            apply,
            lambda y: y.reshape(b, n, m, -1),
        )
