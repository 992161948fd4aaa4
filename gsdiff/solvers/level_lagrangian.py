"""Exact ergodic rates and exact move values of the expert's primal step on a grid of power levels, every
interferer of every receiver kept (O(L N^2 Q) per iteration; ``gsdiff.solvers.mean_field`` scales to large
N)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..config import RadioConfig
from ..wireless.rates import rate_quadrature

__all__ = ["LevelState", "LevelLagrangian"]


@dataclass(frozen=True)
class LevelState:
    """Quadrature pieces of the current allocation, shared by the rates and every move value."""

    log_factor: torch.Tensor  # [B, j, k, Q] log F of interferer j's current level at receiver k
    integrand: torch.Tensor  # [B, k, Q] weight * e^{-z sigma} * prod_j F: everything but the own term
    own: torch.Tensor  # [B, k, Q] own term zS / (1 + zS) at the current level
    rates: torch.Tensor  # [B, k] exact ergodic rates


class LevelLagrangian:
    """Exact ergodic rates and exact move values on a power-level grid, for a batch of networks.

    With every power on the grid x_j = l_j P_max / (L - 1), the quadrature factors
    F[l]_{jkq} = 1 / (1 + z_kq x_l g_jk) of every interferer and level are computed once; a user's move then
    changes one factor per receiver, so the rates after every possible single-user move cost one
    [L, B, N, N, Q] product and sum over Q (Q quadrature nodes), no loop over users.

    Args:
        gains: [B, N, N] large-scale gains (j -> i).
        radio: power budget and noise.
        num_levels: L levels 0, P_max / (L - 1), ..., P_max.
        quadrature_nodes: Q nodes of the rate quadrature.
        coupling_db: pairs whose cross gain is within this of a direct gain (either way) are coupled
            (``ExpertConfig.coupling_db``; None: none are).
    """

    def __init__(
        self,
        gains: torch.Tensor,
        radio: RadioConfig,
        num_levels: int,
        quadrature_nodes: int,
        coupling_db: float | None = None,
    ) -> None:
        b, n = gains.shape[0], gains.shape[-1]
        self.levels_w = torch.linspace(
            0, radio.max_power_w, num_levels, dtype=gains.dtype, device=gains.device
        )
        direct = torch.diagonal(gains, dim1=-2, dim2=-1)  # [B, N]
        z, weights = rate_quadrature(radio.max_power_w * direct, radio.noise_w, quadrature_nodes)  # [B, N, Q]
        self.off = ~torch.eye(n, dtype=torch.bool, device=gains.device)
        self.cross = gains * self.off  # [B, j, k] interference gains; 0 on the diagonal, so F = 1 there
        level_w = self.levels_w[:, None, None, None, None]
        # [L, B, j, k, Q] log F[l]_{jkq} of interferer j at receiver k if j transmits at level l
        self.log_factors = -torch.log1p(level_w * (z[:, None] * self.cross[..., None]))
        self.factors = torch.exp(self.log_factors)
        zs = level_w[..., 0] * z * direct[..., None]  # [L, B, N, Q]
        self.own = zs / (1 + zs)
        self.base = weights * torch.exp(-z * radio.noise_w)  # [B, N, Q]
        self.index = (
            torch.arange(b, device=gains.device)[:, None],
            torch.arange(n, device=gains.device)[None],
        )
        self.coupled = None
        if coupling_db is not None:  # [B, i, j]: i and j coupled (cross gain within coupling_db of a direct)
            ratio = self.cross / direct[:, None, :]  # [B, j, i] interference-to-signal of j at i
            self.coupled = (torch.maximum(ratio, ratio.transpose(1, 2)) > 10 ** (coupling_db / 10)).transpose(
                1, 2
            )

    def state(self, level: torch.Tensor) -> LevelState:
        """The quadrature pieces of the allocation given by level indices [B, N]."""
        log_factor = self.log_factors[(level, *self.index)]  # [B, j, k, Q]
        integrand = self.base * torch.exp(log_factor.sum(1))
        own = self.own[(level, *self.index)]  # [B, k, Q]
        return LevelState(log_factor, integrand, own, (integrand * own).sum(-1))

    def rates(self, level: torch.Tensor) -> torch.Tensor:
        """Exact ergodic rates [B, N] of the allocations given by level indices [B, N]."""
        return self.state(level).rates

    def _moved_rates(self, without: torch.Tensor) -> torch.Tensor:
        """[B, j, k, L]: rates of receivers k after mover j goes to each level, from integrands [B, j, k, Q]
        with the mover's factor divided out."""
        return torch.stack([(f * without).sum(-1) for f in self.factors], -1)

    def move_values(
        self, level: torch.Tensor, weight: torch.Tensor, state: LevelState | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Change of sum_k weight_k r_k if user j alone moved to level l [B, j, L], and the rates [B, N]."""
        s = state or self.state(level)
        without_j = (s.integrand * s.own)[:, None] * torch.exp(-s.log_factor)  # [B, j, k, Q]
        moved = self._moved_rates(without_j)  # [B, j, k, L]
        others = ((moved - s.rates[:, None, :, None]) * (weight[:, None] * self.off)[..., None]).sum(2)
        own_moved = (s.integrand * self.own).sum(-1).permute(1, 2, 0)  # [B, j, L] rate of j itself
        return others + weight[..., None] * (own_moved - s.rates[..., None]), s.rates

    def candidate_values(
        self, level: torch.Tensor, weight: torch.Tensor, swaps: bool
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The values [B, N, L] of every single move and, with ``swaps``, of every swap after them
        ([B, N, 2L]), and each user's swap partner j*(i) [B, N] (None without swaps)."""
        state = self.state(level)
        values, _ = self.move_values(level, weight, state)
        if not swaps:
            return values, None
        partner = self.strongest_interferer(level)
        return torch.cat([values, self.swap_values(level, weight, state)], -1), partner

    def rivals(self, best_value: torch.Tensor, move: torch.Tensor) -> torch.Tensor:
        """[B, N]: the best move value among each user's coupled users that move (-inf where none)."""
        return torch.where(self.coupled & move[:, None, :], best_value[:, None, :], -torch.inf).amax(-1)

    def strongest_interferer(self, level: torch.Tensor) -> torch.Tensor:
        """[B, N] j*(i): the transmitter whose mean interference x_j g_ji at receiver i is largest now."""
        return (self.levels_w[level][..., None] * self.cross).argmax(1)

    def swap_values(
        self, level: torch.Tensor, weight: torch.Tensor, state: LevelState | None = None
    ) -> torch.Tensor:
        """Change of sum_k weight_k r_k if user i moved to level l and its strongest interferer j*(i) switched
        off, [B, i, L]: the move that lets a starved receiver take its turn, which no single move can reach
        when the interferer drowns it."""
        s = state or self.state(level)
        strongest = self.strongest_interferer(level)  # [B, i]
        partner = s.log_factor[self.index[0], strongest]  # [B, i, k, Q] log F of j*(i) at every receiver k
        without = (s.integrand * s.own)[:, None] * torch.exp(-s.log_factor - partner)  # both divided out
        moved = self._moved_rates(without)  # [B, i, k, L]
        is_partner = torch.zeros_like(moved[..., 0], dtype=torch.bool)  # [B, i, k]: k == j*(i)
        is_partner.scatter_(2, strongest[..., None], True)
        mask = (weight[:, None] * (self.off & ~is_partner))[..., None]
        others = ((moved - s.rates[:, None, :, None]) * mask).sum(2)  # [B, i, L]
        freed = s.integrand * torch.exp(-torch.diagonal(partner, dim1=1, dim2=2).transpose(1, 2))  # [B, i, Q]
        own_moved = (freed * self.own).sum(-1).permute(1, 2, 0)  # [B, i, L]
        partner_loss = (weight * s.rates).gather(1, strongest)  # [B, i] the partner's rate, lost
        return others + weight[..., None] * (own_moved - s.rates[..., None]) - partner_loss[..., None]
