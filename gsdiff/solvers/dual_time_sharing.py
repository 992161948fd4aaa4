"""Dual time-sharing: play a pool of allocation samples in the order the expert's dual dynamics would.

A stochastic policy time-shared by independent draws leaves every user's share of turns to chance (the
training chapter measures what that costs in the tail). The expert's iterates are balanced instead: its dual
step (10) raises the multiplier of a user below f_min until the primal step (9) lets it transmit. This module
runs the same primal-dual iterations on a *pool* of samples (a diffusion policy's, or any policy's): with
every pooled sample's exact ergodic rates R [B, S, N] known from the large-scale gains, the primal step is an
exact maximization of the Lagrangian (7) over the pool,

    m_t = argmax_m (1/N) sum_i (1 + mu_i) R_mi,

and the dual step is the expert's, mu <- [mu - eta (rbar - f_min - margin)]_+ with rbar a moving average of
the played samples' rates. After ``burn_in`` iterations (computation only, no slots spent), the next
``num_windows`` picks are the samples played, one per window. Time-sharing over a fixed pool is the linear
program max_w mean_i (w R)_i s.t. (w R)_i >= f_min + margin, w in the simplex; dual subgradient iterations
with averaged primal picks approach its solution (tested against an LP solver).

Dual time-sharing is a model-based addition to the papers' policy, which plays independent samples: it
needs the large-scale gains (which the policy is conditioned on anyway) and the rate model, as the expert
does, and no fading draws.
"""

from __future__ import annotations

import torch

from ..checks import check_int_at_least, per_network_f_min
from ..config import DualTimeSharingConfig, EvaluationConfig, RadioConfig
from ..wireless.play import as_samples, take_samples
from ..wireless.time_sharing import sample_rates
from .expert import dual_step

__all__ = ["dual_picks", "dual_time_sharing"]


def dual_picks(
    rates: torch.Tensor,
    f_min: float | torch.Tensor,
    num_windows: int,
    config: DualTimeSharingConfig,
) -> torch.Tensor:
    """[B, W] indices into the pool of the samples played in windows 1..W.

    Args:
        rates: [B, S, N] exact ergodic rates of each pooled sample (``gsdiff.wireless.sample_rates``).
        f_min: minimum rate in bits/s/Hz, a scalar or one per network [B].
        num_windows: W windows to fill.
        config: margin, dual step, rate averaging and burn-in.
    """
    if not isinstance(rates, torch.Tensor) or not rates.is_floating_point() or rates.dim() != 3:
        shape = tuple(rates.shape) if isinstance(rates, torch.Tensor) else type(rates).__name__
        raise ValueError(f"rates must be a floating-point tensor [B, S, N], got {shape}")
    if rates.numel() == 0 or not bool(torch.isfinite(rates).all()):
        raise ValueError(f"rates must be finite and non-empty, got shape {tuple(rates.shape)}")
    check_int_at_least("num_windows", num_windows, 1)
    f = per_network_f_min(f_min, rates)[:, None]  # [B, 1]
    b, _, n = rates.shape
    rows = torch.arange(b, device=rates.device)
    mu = torch.zeros(b, n, dtype=rates.dtype, device=rates.device)
    average = rates.mean(1)  # [B, N] the dual step's moving average, from the pool played evenly
    picks = []
    for it in range(config.burn_in + num_windows):
        # Primal step (9) over the pool: the sample with the largest Lagrangian (7) (its -mu f_min is common).
        pick = ((1.0 + mu[:, None, :]) * rates).mean(-1).argmax(-1)  # [B] of [B, S]
        average += config.rate_averaging * (rates[rows, pick] - average)
        mu = dual_step(mu, average, f, config.dual_step, config.margin)  # (10)
        if it >= config.burn_in:
            picks.append(pick)
    return torch.stack(picks, 1)


def dual_time_sharing(
    gains: torch.Tensor,
    power_w: torch.Tensor,
    f_min: float | torch.Tensor,
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    config: DualTimeSharingConfig,
) -> torch.Tensor:
    """The samples [B, W, N] (W = ``evaluation.num_windows``) that dual time-sharing plays, in order.

    ``power_w`` [B, S, N] is the pool (in W) for networks ``gains`` [B, N, N]; the result is again samples
    of each network, which ``gsdiff.wireless.evaluate_time_sharing`` plays one per window, in this order.
    """
    pool = as_samples(power_w, gains, radio)  # [B, S, N]
    rates = sample_rates(
        gains, pool, radio, quadrature_nodes=config.quadrature_nodes, interferers=config.interferers
    )
    return take_samples(pool, dual_picks(rates, f_min, evaluation.num_windows, config))  # [B, W, N]
