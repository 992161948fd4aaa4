"""Move values of the expert's primal step at large N: each receiver's K strongest interferers exact, the
rest by their mean field.

The exact ergodic rate of receiver k (``gsdiff.wireless.rates``) is a quadrature over nodes z_kq of

    w_kq e^{-z_kq sigma} * own_k(q) * prod_{j != k} F_jk(q),    F_jk(q) = 1 / (1 + z_kq x_j g_jk),

and ``LevelLagrangian`` keeps every factor, [L, B, N, N, Q]: O(N^2) memory and work per iteration. Here the
interferers of receiver k split into T(k), its K strongest (largest g_jk; a fixed in-degree, as the
papers' top-k channel graph), whose factors stay exact, and the rest R(k), whose many weak, independent
interference powers add up to a nearly deterministic aggregate: their product is replaced by its mean-field
limit,

    prod_{j in R(k)} 1 / (1 + z a_j) = exp(-z sum_j a_j + O(z^2 sum_j a_j^2)),   a_j = x_j g_jk,

so R(k) acts as extra noise I_R(k) = sum_{j in R(k)} x_j g_jk, one matrix-vector product per iteration. A
move of user j changes receivers k with j in T(k) exactly (one factor), and the others to first order in
I_R: dr_k = (dr_k / dI_R) g_jk dx_j, summed over k by one more matrix-vector product. A swap ("i moves, its
strongest interferer j*(i) switches off") adds the two single moves' effects on third receivers (their
interaction at a receiver that both disturb is left out) and is exact at i and j*(i). Work per iteration:
O(L N K Q + N^2), memory O(L N K Q + N^2) with the N^2 only in the gains themselves.

With K = N - 1 the rates and single moves are exact (``tests/solvers/test_mean_field.py`` checks them
against ``LevelLagrangian``); the expert chapter measures what the approximation costs at N = 50-400.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..config import RadioConfig
from ..wireless.rates import rate_quadrature

__all__ = ["MeanFieldState", "MeanFieldLagrangian"]


@dataclass(frozen=True)
class MeanFieldState:
    """Quadrature pieces of the current allocation, shared by the rates and every move value."""

    power_w: torch.Tensor  # [B, N] current powers
    log_factor: torch.Tensor  # [B, k, K, Q] log F of each of receiver k's K exact interferers
    integrand: torch.Tensor  # [B, k, Q] weight * e^{-z (sigma + I_R)} * prod_T F: all but the own term
    own: torch.Tensor  # [B, k, Q] own term zS / (1 + zS) at the current level
    rates: torch.Tensor  # [B, k] ergodic rates
    slope: torch.Tensor  # [B, k] dr_k / dI_R(k), the first-order effect of extra weak interference


class MeanFieldLagrangian:
    """Rates and move values on a power-level grid with each receiver's K strongest interferers exact and
    the rest by their mean field (see the module docstring); the interface of ``LevelLagrangian``.

    Args:
        gains: [B, N, N] large-scale gains (j -> i).
        radio: power budget and noise.
        num_levels: L levels 0, P_max / (L - 1), ..., P_max.
        quadrature_nodes: Q nodes of the rate quadrature.
        num_interferers: K exact interferers per receiver (at most N - 1).
        coupling_db: pairs whose cross gain is within this of a direct gain (either way) are coupled
            (``ExpertConfig.coupling_db``); only pairs linked in the top-K graph are considered.
    """

    def __init__(
        self,
        gains: torch.Tensor,
        radio: RadioConfig,
        num_levels: int,
        quadrature_nodes: int,
        num_interferers: int,
        coupling_db: float | None = None,
    ) -> None:
        b, n = gains.shape[0], gains.shape[-1]
        k = min(num_interferers, n - 1)
        device, dtype = gains.device, gains.dtype
        self.levels_w = torch.linspace(0, radio.max_power_w, num_levels, dtype=dtype, device=device)
        direct = torch.diagonal(gains, dim1=-2, dim2=-1)  # [B, N]
        self.z, weights = rate_quadrature(
            radio.max_power_w * direct, radio.noise_w, quadrature_nodes
        )  # [B, N, Q]
        eye = torch.eye(n, dtype=torch.bool, device=device)
        cross = gains.masked_fill(eye, 0.0)  # [B, j, k]
        self.neighbours = cross.topk(k, dim=1).indices.transpose(1, 2).contiguous()  # [B, k, K] j in T(k)
        self.rows = torch.arange(b, device=device)[:, None, None]
        receivers = torch.arange(n, device=device)[None, :, None]
        self.edge_gains = cross[self.rows, self.neighbours, receivers]  # [B, k, K] g_jk, j in T(k)
        # [B, j, k] gains of the mean-field interferers: T(k) taken out
        self.rest = cross.scatter(1, self.neighbours.transpose(1, 2), 0.0)
        level_w = self.levels_w[:, None, None, None, None]
        # [L, B, k, K, Q] log F of receiver k's m-th exact interferer if it transmits at level l
        self.log_factors = -torch.log1p(level_w * (self.z[:, :, None, :] * self.edge_gains[..., None]))
        self.factors = torch.exp(self.log_factors)
        zs = level_w[..., 0] * self.z * direct[..., None]  # [L, B, N, Q]
        self.own = zs / (1 + zs)
        self.base = weights * torch.exp(-self.z * radio.noise_w)  # [B, N, Q]
        self.index = (torch.arange(b, device=device)[:, None], torch.arange(n, device=device)[None])
        self.coupled = None
        if coupling_db is not None:  # [B, k, K]: is receiver k coupled with its m-th exact interferer
            ratio = self.edge_gains / direct[..., None]  # g_jk / g_kk
            back = cross[self.rows, receivers, self.neighbours] / direct.gather(
                1, self.neighbours.flatten(1)
            ).view(b, n, k)  # g_kj / g_jj
            self.coupled = torch.maximum(ratio, back) > 10 ** (coupling_db / 10)

    def state(self, level: torch.Tensor) -> MeanFieldState:
        """The quadrature pieces of the allocation given by level indices [B, N]."""
        power = self.levels_w[level]  # [B, N]
        edge_level = level.gather(1, self.neighbours.flatten(1)).view(self.neighbours.shape)  # [B, k, K]
        ks = torch.arange(level.shape[1], device=level.device)[None, :, None]
        ms = torch.arange(self.neighbours.shape[2], device=level.device)[None, None, :]
        log_factor = self.log_factors[edge_level, self.rows, ks, ms]  # [B, k, K, Q]
        weak = torch.einsum("bj,bjk->bk", power, self.rest)  # [B, k] I_R(k)
        integrand = self.base * torch.exp(log_factor.sum(2) - self.z * weak[..., None])
        own = self.own[(level, *self.index)]  # [B, k, Q]
        product = integrand * own
        rates = product.sum(-1)
        slope = -(self.z * product).sum(-1)
        return MeanFieldState(power, log_factor, integrand, own, rates, slope)

    def rates(self, level: torch.Tensor) -> torch.Tensor:
        """Ergodic rates [B, N] of the allocations given by level indices [B, N]."""
        return self.state(level).rates

    def _edge_deltas(self, s: MeanFieldState, weight: torch.Tensor) -> torch.Tensor:
        """[B, k, K, L]: change of weight_k r_k if receiver k's m-th exact interferer alone moved to level
        l."""
        without = (s.integrand * s.own)[:, :, None] * torch.exp(-s.log_factor)  # [B, k, K, Q]
        moved = torch.stack([(f * without).sum(-1) for f in self.factors], -1)  # [B, k, K, L]
        return (moved - s.rates[..., None, None]) * weight[..., None, None]

    def _parts(
        self, s: MeanFieldState, weight: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(edge deltas [B, k, K, L], effect of each mover on the other receivers [B, j, L], own rate at
        each level [B, j, L])."""
        deltas = self._edge_deltas(s, weight)
        b, n, k, num_levels = deltas.shape
        exact = torch.zeros(b, n, num_levels, dtype=deltas.dtype, device=deltas.device)
        exact.scatter_add_(
            1, self.neighbours.flatten(1)[..., None].expand(-1, -1, num_levels), deltas.flatten(1, 2)
        )
        field = torch.einsum("bjk,bk->bj", self.rest, weight * s.slope)  # [B, j] sum_k w_k dr_k/dI g_jk
        mean_field = (self.levels_w - s.power_w[..., None]) * field[..., None]  # [B, j, L]
        own_moved = (s.integrand * self.own).sum(-1).permute(1, 2, 0)  # [B, j, L]
        return deltas, exact + mean_field, own_moved

    def move_values(
        self, level: torch.Tensor, weight: torch.Tensor, state: MeanFieldState | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Change of sum_k weight_k r_k if user j alone moved to level l [B, j, L], and the rates [B, N]."""
        s = state or self.state(level)
        _, others, own_moved = self._parts(s, weight)
        return others + weight[..., None] * (own_moved - s.rates[..., None]), s.rates

    def _strongest(self, level: torch.Tensor) -> torch.Tensor:
        """[B, i]: the position m in T(i) of receiver i's strongest current interferer (largest x_j g_ji)."""
        edge_power = self.levels_w[level].gather(1, self.neighbours.flatten(1)).view(self.neighbours.shape)
        return (edge_power * self.edge_gains).argmax(-1)

    def strongest_interferer(self, level: torch.Tensor) -> torch.Tensor:
        """[B, N] j*(i): receiver i's strongest current interferer among its K exact ones."""
        return self.neighbours.gather(2, self._strongest(level)[..., None])[..., 0]

    def swap_values(
        self, level: torch.Tensor, weight: torch.Tensor, state: MeanFieldState | None = None
    ) -> torch.Tensor:
        """Change of sum_k weight_k r_k if user i moved to level l and its strongest interferer p = j*(i)
        switched off, [B, i, L] (see the module docstring for what is exact)."""
        s = state or self.state(level)
        return self._swaps(level, weight, s, self._parts(s, weight))[0]

    def _swaps(self, level, weight, s: MeanFieldState, parts) -> tuple[torch.Tensor, torch.Tensor]:
        """Swap values [B, i, L] and partners [B, i] from the single moves' parts."""
        deltas, others, _ = parts
        position = self._strongest(level)  # [B, i]
        partner = self.neighbours.gather(2, position[..., None])[..., 0]  # [B, i] p
        rows, users = self.index
        # receiver i with p off, i at each level: exact
        freed = s.integrand * torch.exp(-s.log_factor[rows, users, position])  # [B, i, Q]
        own_moved = (freed * self.own).sum(-1).permute(1, 2, 0)  # [B, i, L]
        # receiver p's share in i's single move: an exact edge if i is in T(p), else mean field
        match = self.neighbours[rows, partner] == users[..., None]  # [B, i, K]: i in T(p)
        exact_share = deltas[rows, partner, match.to(torch.int64).argmax(-1)]  # [B, i, L]
        slope = (weight * s.slope).gather(1, partner) * self.rest[rows, users, partner]  # [B, i]
        field_share = (self.levels_w - s.power_w[..., None]) * slope[..., None]
        share_p = torch.where(match.any(-1)[..., None], exact_share, field_share)
        # p switching off: its effect on every receiver but i (whose share is in own_moved), p's own rate lost
        partner_off = others[rows, partner, 0] - deltas[rows, users, position, 0]  # [B, i]
        partner_loss = (weight * s.rates).gather(1, partner)  # [B, i]
        own = weight[..., None] * (own_moved - s.rates[..., None])
        return own + others - share_p + (partner_off - partner_loss)[..., None], partner

    def candidate_values(
        self, level: torch.Tensor, weight: torch.Tensor, swaps: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The values [B, N, L] of every single move and, with ``swaps``, of every swap after them
        ([B, N, 2L]), and each user's swap partner j*(i) [B, N] (None without swaps)."""
        s = self.state(level)
        parts = self._parts(s, weight)
        _, others, own_moved = parts
        values = others + weight[..., None] * (own_moved - s.rates[..., None])
        if not swaps:
            return values, None
        swap, partner = self._swaps(level, weight, s, parts)
        return torch.cat([values, swap], -1), partner

    def rivals(self, best_value: torch.Tensor, move: torch.Tensor) -> torch.Tensor:
        """[B, N]: the best move value among each user's coupled users that move (-inf where none)."""
        b, n, k = self.neighbours.shape
        value = torch.where(move, best_value, -torch.inf)  # [B, N]
        coupled = self.coupled
        from_exact = value.gather(1, self.neighbours.flatten(1)).view(b, n, k)  # [B, k, K] value of j in T(k)
        rival = torch.where(coupled, from_exact, -torch.inf).amax(-1)  # receivers k hear of their T(k)
        back = torch.where(coupled, value[..., None].expand(b, n, k), -torch.inf)  # value of k, for each j
        return rival.scatter_reduce(1, self.neighbours.flatten(1), back.flatten(1), reduce="amax")
