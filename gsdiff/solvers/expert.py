"""The primal-dual expert (eqs. (9)-(10) of the extended paper): its late primal iterates are samples of a
near-optimal stochastic (time-sharing) policy of each network.

For one network and minimum rate f_min, with multipliers scaled as mu = N lambda, the Lagrangian (7) is

    L(x, mu) = (1/N) sum_i [(1 + mu_i) rbar_i(x) - mu_i f_min],

with rbar_i the exact ergodic rate under Rayleigh fading (``gsdiff.wireless.rates``). Each iteration

* **primal step (9)**, warm-started at the last iterate: a randomized block-coordinate ascent on L over a
  grid of power levels. Every user computes, exactly, how L would change if it alone moved to each level, or
  if it moved and its strongest current interferer switched off (a *swap*). Each user with an improving move
  proposes it with probability ``move_probability``; of proposers that are strongly coupled, only the one
  with the best move moves, since coupled users moving together undo each other. Exact move values let a
  user switch off, or back on, in one step: gradient steps cannot make a strong interferer yield to a
  starved receiver (its rate, and so its gradient, is ~0), which is what keeps the last 1-2% of users
  infeasible under plain projected gradient ascent. Swaps let two users that drown each other take turns.
* **dual step (10)**: mu <- [mu - eta (rbar - f_min - margin)]_+, where rbar is a moving average (weight
  ``rate_averaging``) of the rates of the iterates: exact ergodic rates (noise-free) or, optionally, the rates
  of one fresh fading draw. With the iterate's own rate (beta = 1) every user that time-shares accrues a
  multiplier whenever it is off, however far above f_min its average is, so time is split by the
  multipliers' race rather than by the constraints; averaging restores complementary slackness (slack users
  keep lambda = 0) and raised the mean rate by ~13% at equal feasibility (N = 50, density 11.9). The margin
  tightens the constraint slightly so that a finite window of iterates meets f_min, not only its limit.

After ``burn_in`` iterations, ``num_samples`` iterates evenly spaced over the rest (thinned: consecutive
iterates are strongly correlated) are the expert's samples; their per-network mean is the average-power
baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from ..checks import check_networks, per_network_f_min
from ..config import ExpertConfig, RadioConfig
from ..rng import make_generator
from ..wireless.rates import instantaneous_rates, quadrature_nodes

__all__ = [
    "ExpertResult",
    "Recorder",
    "dual_step",
    "LevelState",
    "LevelLagrangian",
    "run_expert",
]


def dual_step(
    mu: torch.Tensor, rates: torch.Tensor, f_min: torch.Tensor | float, step: float, margin: float = 0.0
) -> torch.Tensor:
    """Projected dual descent (10): [mu - step (rates - f_min - margin)]_+ (element-wise)."""
    return (mu - step * (rates - f_min - margin)).clamp_min(0.0)


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
        num_nodes: quadrature nodes Q.
    """

    def __init__(self, gains: torch.Tensor, radio: RadioConfig, num_levels: int, num_nodes: int) -> None:
        b, n = gains.shape[0], gains.shape[-1]
        self.levels_w = torch.linspace(
            0, radio.max_power_w, num_levels, dtype=gains.dtype, device=gains.device
        )
        direct = torch.diagonal(gains, dim1=-2, dim2=-1)  # [B, N]
        z, weights = quadrature_nodes(radio.max_power_w * direct, radio.noise_w, num_nodes)  # [B, N, Q]
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


@dataclass(frozen=True)
class ExpertResult:
    """Samples of the expert's stochastic policy and the recorded trajectories."""

    samples_w: torch.Tensor  # [B, S, N] allocations in W (late, thinned primal iterates)
    duals: torch.Tensor  # [T_rec, B, N] lambda = mu / N at the recorded iterations
    rates: torch.Tensor  # [T_rec, B, N] exact ergodic rates of the recorded iterates
    power_w: torch.Tensor  # [T_rec, B, N] recorded iterates
    iterations: torch.Tensor  # [T_rec] which iterations were recorded


class Recorder:
    """Keeps the iterates of the sampling iterations and, every ``every`` iterations (and the last), the
    multipliers, rates and powers; ``result()`` stacks them into an ``ExpertResult``."""

    def __init__(self, sample_iterations: torch.Tensor, every: int, num_iterations: int) -> None:
        self.keep, self.every, self.last = set(sample_iterations.tolist()), every, num_iterations - 1
        self.samples: list[torch.Tensor] = []
        self.trajectory: dict[str, list] = {"duals": [], "rates": [], "power_w": [], "iterations": []}

    def __call__(self, it: int, power_w: torch.Tensor, duals: torch.Tensor, rates: torch.Tensor) -> None:
        if it in self.keep:
            self.samples.append(power_w)
        if it % self.every == 0 or it == self.last:
            for key, value in (("duals", duals), ("rates", rates), ("power_w", power_w), ("iterations", it)):
                self.trajectory[key].append(value)

    def result(self) -> ExpertResult:
        t = self.trajectory
        return ExpertResult(
            samples_w=torch.stack(self.samples, 1),
            duals=torch.stack(t["duals"]),
            rates=torch.stack(t["rates"]),
            power_w=torch.stack(t["power_w"]),
            iterations=torch.tensor(t["iterations"]),
        )


def _expert_chunk(
    gains: torch.Tensor,
    f_min: torch.Tensor,
    radio: RadioConfig,
    config: ExpertConfig,
    generator: torch.Generator,
    progress: tqdm | None,
) -> ExpertResult:
    b, n = gains.shape[0], gains.shape[-1]
    lagrangian = LevelLagrangian(gains, radio, config.num_levels, config.quadrature_nodes)
    level = torch.full((b, n), config.num_levels - 1, dtype=torch.long, device=gains.device)  # full power
    mu = torch.zeros(b, n, dtype=gains.dtype, device=gains.device)
    average = lagrangian.rates(level)  # the dual step's moving average of rates, from full power
    record = Recorder(config.sample_iterations, config.record_every, config.num_iterations)
    coupled = None
    if config.coupling_db is not None:
        direct = torch.diagonal(gains, dim1=-2, dim2=-1)
        ratio = lagrangian.cross / direct[:, None, :]  # [B, j, i] interference-to-signal of j at i
        coupled = (torch.maximum(ratio, ratio.transpose(1, 2)) > 10 ** (config.coupling_db / 10)).transpose(
            1, 2
        )
    for it in range(config.num_iterations):
        # Primal step (9): each user with an improving level takes its best move with some probability.
        state = lagrangian.state(level)
        values, _ = lagrangian.move_values(level, 1.0 + mu, state)
        if config.swap_moves:
            partner = lagrangian.strongest_interferer(level)
            values = torch.cat([values, lagrangian.swap_values(level, 1.0 + mu, state)], -1)
        best_value, best = values.max(-1)  # [B, N] over L (or 2L) candidate moves
        move = (best_value > 1e-9) & (
            torch.rand(b, n, generator=generator, device=gains.device) < config.move_probability
        )
        if coupled is not None:  # only the best mover among strongly coupled users moves
            rival = torch.where(coupled & move[:, None, :], best_value[:, None, :], -torch.inf).amax(-1)
            move &= best_value > rival
        level = torch.where(move, best % config.num_levels, level)
        if config.swap_moves:  # a swap also switches the mover's strongest interferer off
            swapped = (move & (best >= config.num_levels)).to(gains.dtype)
            level = level.masked_fill(torch.zeros_like(swapped).scatter_add_(1, partner, swapped) > 0, 0)
        power = lagrangian.levels_w[level]  # [B, N]
        # Dual step (10).
        rates = lagrangian.rates(level)
        if config.dual_rates == "fading":
            fading = torch.empty_like(gains).exponential_(generator=generator)
            step_rates = instantaneous_rates(power, gains, radio.noise_w, fading)
        else:
            step_rates = rates
        average += config.rate_averaging * (step_rates - average)
        mu = dual_step(mu, average, f_min[:, None], config.dual_step, config.margin)
        record(it, power, mu / n, rates)
        if progress is not None:
            progress.update(b)
    return record.result()


def run_expert(
    gains: torch.Tensor,
    f_min: float | torch.Tensor,
    radio: RadioConfig | None = None,
    config: ExpertConfig | None = None,
    generator: torch.Generator | None = None,
    seed: int | None = None,
    progress: bool = False,
) -> ExpertResult:
    """Run the primal-dual expert on B networks and return its samples and trajectories.

    Args:
        gains: [B, N, N] large-scale gains in W/W (gains[b, j, i]: transmitter j to receiver i).
        f_min: minimum ergodic rate in bits/s/Hz, a scalar or one per network [B].
        radio, config: power budget and noise; iterations, steps and sampling.
        generator / seed: randomness of the primal moves (and of the fading, with ``dual_rates="fading"``).
        progress: show a tqdm bar over network-iterations.
    """
    radio, config = radio or RadioConfig(), config or ExpertConfig()
    check_networks(gains)
    f = per_network_f_min(f_min, gains)
    b, n = gains.shape[0], gains.shape[-1]
    gen = make_generator(generator, seed, gains.device)
    bytes_per_network = n * n * config.quadrature_nodes * (2 * config.num_levels + 4) * gains.element_size()
    chunk = max(1, int(config.memory_mb * 2**20 // bytes_per_network))
    bar = tqdm(total=b * config.num_iterations, desc="expert (network-iterations)", disable=not progress)
    parts = [
        _expert_chunk(gains[s : s + chunk], f[s : s + chunk], radio, config, gen, bar if progress else None)
        for s in range(0, b, chunk)
    ]
    bar.close()
    if len(parts) == 1:
        return parts[0]
    return ExpertResult(
        samples_w=torch.cat([p.samples_w for p in parts]),
        duals=torch.cat([p.duals for p in parts], 1),
        rates=torch.cat([p.rates for p in parts], 1),
        power_w=torch.cat([p.power_w for p in parts], 1),
        iterations=parts[0].iterations,
    )
