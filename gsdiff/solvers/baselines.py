"""Baselines: full power, average power and WMMSE on the large-scale gains (deterministic), and random power
levels (an uninformed pool of samples)."""

from __future__ import annotations

import torch

from ..checks import check_gains, check_int_at_least
from ..config import RadioConfig
from ..wireless.rates import instantaneous_rates

__all__ = ["full_power", "average_power", "random_levels", "wmmse", "wmmse_sum_rate_history"]


def full_power(gains: torch.Tensor, radio: RadioConfig) -> torch.Tensor:
    """FP: every transmitter at P_max, [..., N]."""
    check_gains(gains)
    return torch.full(gains.shape[:-1], radio.max_power_w, dtype=gains.dtype, device=gains.device)


def average_power(samples_w: torch.Tensor) -> torch.Tensor:
    """AP: the per-network mean of a stochastic policy's samples [B, S, N], used in every slot; [B, N]."""
    if samples_w.dim() != 3:
        raise ValueError(f"samples_w must have shape [B, S, N], got {tuple(samples_w.shape)}")
    return samples_w.mean(1)


def random_levels(
    gains: torch.Tensor,
    num_samples: int,
    num_levels: int,
    radio: RadioConfig,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """[B, S, N] samples whose every power is one of ``num_levels`` evenly spaced levels in [0, P_max],
    uniformly at random: a pool that knows nothing of the network (a control for pools a policy learned)."""
    check_gains(gains)
    check_int_at_least("num_samples", num_samples, 1)
    check_int_at_least("num_levels", num_levels, 2)
    b, n = gains.shape[0], gains.shape[-1]
    level = torch.randint(0, num_levels, (b, num_samples, n), generator=generator)
    return (level.to(gains.dtype) * (radio.max_power_w / (num_levels - 1))).to(gains.device)


def _wmmse_iterations(gains: torch.Tensor, radio: RadioConfig, num_iters: int):
    """Yield the powers [B, N] after 0, 1, ..., num_iters WMMSE iterations (Shi et al., 2011, SISO case)."""
    check_gains(gains)
    check_int_at_least("num_iters", num_iters, 0)
    g = gains.double()
    direct = torch.diagonal(g, dim1=-2, dim2=-1).sqrt()  # [B, N] |h_ii|
    noise, v_max = radio.noise_w, radio.max_power_w**0.5
    v = torch.full(g.shape[:-1], v_max, dtype=g.dtype, device=g.device)  # amplitudes, start at full power
    yield v.square()
    for _ in range(num_iters):
        received = torch.einsum("...j,...ji->...i", v.square(), g) + noise  # [B, N] total power at rx i
        u = direct * v / received  # MMSE receivers
        w = 1.0 / (1.0 - u * direct * v)  # MSE weights, 1 / e_i
        # Transmitter i's update weighs its leakage to every receiver k: sum_k w_k u_k^2 g_ik.
        leakage = torch.einsum("...k,...ik->...i", w * u.square(), g)  # [B, N]
        v = (w * u * direct / leakage).clamp(0.0, v_max)
        yield v.square()


def wmmse(gains: torch.Tensor, radio: RadioConfig, *, num_iters: int = 100) -> torch.Tensor:
    """WMMSE power control maximizing the sum rate on the large-scale gains (no fading); [B, N] in W.

    Starts at full power; each iteration updates MMSE receivers, MSE weights and amplitudes in closed form,
    a block-coordinate ascent whose sum rate never decreases.
    """
    *_, power = _wmmse_iterations(gains, radio, num_iters)
    return power.to(gains.dtype)


def wmmse_sum_rate_history(gains: torch.Tensor, radio: RadioConfig, *, num_iters: int = 100) -> torch.Tensor:
    """[num_iters + 1, B] large-scale sum rate (bits/s/Hz) after each WMMSE iteration, in float64."""
    return torch.stack(
        [
            instantaneous_rates(gains.double(), p, radio.noise_w).sum(-1)
            for p in _wmmse_iterations(gains, radio, num_iters)
        ]
    )
