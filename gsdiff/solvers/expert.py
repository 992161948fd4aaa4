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
from ..wireless.rates import instantaneous_rates
from .level_lagrangian import LevelLagrangian
from .mean_field import MeanFieldLagrangian

__all__ = [
    "ExpertResult",
    "Recorder",
    "dual_step",
    "make_lagrangian",
    "expert_bytes_per_network",
    "run_expert",
]


def dual_step(
    mu: torch.Tensor, rates: torch.Tensor, f_min: torch.Tensor | float, step: float, margin: float = 0.0
) -> torch.Tensor:
    """Projected dual descent (10): [mu - step (rates - f_min - margin)]_+ (element-wise)."""
    return (mu - step * (rates - f_min - margin)).clamp_min(0.0)


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


def make_lagrangian(
    gains: torch.Tensor, radio: RadioConfig, config: ExpertConfig
) -> LevelLagrangian | MeanFieldLagrangian:
    """The primal step's move values: every interferer exact, or (``config.interferers``) each receiver's
    strongest ones exact and the rest by their mean field (``gsdiff.solvers.mean_field``)."""
    n = gains.shape[-1]
    if config.interferers is None or config.interferers >= n - 1:
        return LevelLagrangian(gains, radio, config.num_levels, config.quadrature_nodes, config.coupling_db)
    return MeanFieldLagrangian(
        gains, radio, config.num_levels, config.quadrature_nodes, config.interferers, config.coupling_db
    )


def expert_bytes_per_network(num_pairs: int, config: ExpertConfig, element_size: int = 8) -> int:
    """Memory of the primal step's tables for one network: L levels of Q quadrature factors per exact
    (interferer, receiver) pair, a few working copies, and the N x N gains the mean field sums over."""
    n = num_pairs
    exact = n - 1 if config.interferers is None else min(config.interferers, n - 1)
    tables = n * exact * config.quadrature_nodes * (2 * config.num_levels + 4)
    return (tables + 4 * n * n) * element_size


def _expert_chunk(
    gains: torch.Tensor,
    f_min: torch.Tensor,
    radio: RadioConfig,
    config: ExpertConfig,
    generator: torch.Generator,
    progress: tqdm | None,
) -> ExpertResult:
    b, n = gains.shape[0], gains.shape[-1]
    lagrangian = make_lagrangian(gains, radio, config)
    level = torch.full((b, n), config.num_levels - 1, dtype=torch.long, device=gains.device)  # full power
    mu = torch.zeros(b, n, dtype=gains.dtype, device=gains.device)
    average = lagrangian.rates(level)  # the dual step's moving average of rates, from full power
    record = Recorder(config.sample_iterations, config.record_every, config.num_iterations)
    for it in range(config.num_iterations):
        # Primal step (9): each user with an improving level takes its best move with some probability.
        values, partner = lagrangian.candidate_values(level, 1.0 + mu, config.swap_moves)
        best_value, best = values.max(-1)  # [B, N] over L (or 2L) candidate moves
        move = (best_value > 1e-9) & (
            torch.rand(b, n, generator=generator, device=gains.device) < config.move_probability
        )
        if config.coupling_db is not None:  # only the best mover among strongly coupled users moves
            move &= best_value > lagrangian.rivals(best_value, move)
        level = torch.where(move, best % config.num_levels, level)
        if config.swap_moves:  # a swap also switches the mover's strongest interferer off
            swapped = (move & (best >= config.num_levels)).to(gains.dtype)
            level = level.masked_fill(torch.zeros_like(swapped).scatter_add_(1, partner, swapped) > 0, 0)
        power = lagrangian.levels_w[level]  # [B, N]
        # Dual step (10).
        rates = lagrangian.rates(level)
        if config.dual_rates == "fading":
            fading = torch.empty_like(gains).exponential_(generator=generator)
            step_rates = instantaneous_rates(gains, power, radio.noise_w, fading)
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
    radio: RadioConfig,
    config: ExpertConfig,
    *,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    progress: bool = False,
) -> ExpertResult:
    """Run the primal-dual expert on B networks and return its samples and trajectories.

    Args:
        gains: [B, N, N] large-scale gains in W/W (gains[b, j, i]: transmitter j to receiver i).
        f_min: minimum ergodic rate in bits/s/Hz, a scalar or one per network [B].
        radio, config: power budget and noise; iterations, steps and sampling.
        seed / generator: randomness of the primal moves (and of the fading, with ``dual_rates="fading"``).
        progress: show a tqdm bar over network-iterations.
    """
    check_networks(gains)
    f = per_network_f_min(f_min, gains)
    b, n = gains.shape[0], gains.shape[-1]
    gen = make_generator(generator, seed, gains.device)
    bytes_per_network = expert_bytes_per_network(n, config, gains.element_size())
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
