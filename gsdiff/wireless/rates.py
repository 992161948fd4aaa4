"""Achievable rates: instantaneous (per fading slot) and exact ergodic under Rayleigh fading.

Every function takes the gains first, then the powers (``gains``, ``power_w``), as the rest of gsdiff does.
Shapes: ``gains`` [..., N, N] with gains[..., j, i] from transmitter j to receiver i; ``power_w`` [..., N];
leading dimensions broadcast (e.g. power [T, B, N] against gains [B, N, N]).
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "received_powers",
    "sinr",
    "instantaneous_rates",
    "ergodic_rates_exact",
    "ergodic_rates_mean_field",
    "rate_quadrature",
]


def received_powers(gains: torch.Tensor, power_w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Desired power S_i = x_i g_ii and interference I_i = sum_{j != i} x_j g_ji, both [..., N].

    The interference is a sum over the off-diagonal entries, never total minus signal: in float32 that
    difference can come out negative.
    """
    n = gains.shape[-1]
    off_diagonal = ~torch.eye(n, dtype=torch.bool, device=gains.device)
    received = power_w[..., :, None] * gains  # [..., N, N] (j, i): power of transmitter j at receiver i
    signal = torch.diagonal(received, dim1=-2, dim2=-1)
    interference = (received * off_diagonal).sum(-2)
    return signal, interference


def sinr(gains: torch.Tensor, power_w: torch.Tensor, noise_w: float) -> torch.Tensor:
    """SINR_i = x_i g_ii / (noise + sum_{j != i} x_j g_ji), [..., N] (eq. (14) of the extended paper)."""
    signal, interference = received_powers(gains, power_w)
    return signal / (noise_w + interference)


def instantaneous_rates(
    gains: torch.Tensor, power_w: torch.Tensor, noise_w: float, fading: torch.Tensor | None = None
) -> torch.Tensor:
    """r_i = log2(1 + SINR_i) in bits/s/Hz for one slot, [..., N]; ``fading`` multiplies ``gains``."""
    channel = gains if fading is None else gains * fading
    return torch.log2(1 + sinr(channel, power_w, noise_w))


def ergodic_rates_exact(
    gains: torch.Tensor,
    power_w: torch.Tensor,
    noise_w: float,
    *,
    quadrature_nodes: int = 48,
    tail: float = 1e-6,
    max_elements: int = 2**26,
) -> torch.Tensor:
    """E_h[log2(1 + SINR_i)] under i.i.d. Rayleigh fading, exactly, by one-dimensional quadrature; [..., N].

    With S = x_i g_ii and I_j = x_j g_ji the means of exponential powers (Hamdi's lemma, SETUP.md):
        E[ln(1 + S / (sigma + sum_j I_j))]
            = int_0^inf e^{-z sigma} / z * zS / (1 + zS) * prod_j 1 / (1 + z I_j) dz.
    With z = e^u / sigma (dz / z = du) the integrand is smooth in u; the trapezoid rule on u from
    ln(tail * sigma / max(S, sigma)) (below it the integrand is < z S) to ln(40) (where
    e^{-z sigma} = e^{-40}) converges fast. Differentiable in ``power_w`` and ``gains`` (also at zero power).
    Memory: [..., quadrature_nodes, N, N], taken in blocks of receivers of at most ``max_elements`` elements.
    """
    signal, _ = received_powers(gains, power_w)
    n = gains.shape[-1]
    z, weights = rate_quadrature(signal, noise_w, quadrature_nodes, tail)  # [..., N, Q]
    lead = torch.broadcast_shapes(power_w.shape[:-1], gains.shape[:-2])
    block = max(1, max_elements // max(1, math.prod(lead) * quadrature_nodes * n))  # receivers at once
    parts = []
    for start in range(0, n, block):
        receivers = slice(start, start + block)
        off_diagonal = ~torch.eye(n, dtype=torch.bool, device=gains.device)[:, receivers]
        # [..., N(j), n_b(i)] mean interference powers at the block's receivers
        interference = power_w[..., :, None] * gains[..., receivers] * off_diagonal
        # [..., Q, N(j), n_b(i)] -> sum over interferers j: log prod_j 1 / (1 + z I_j)
        z_q = z[..., receivers, :].transpose(-1, -2)[..., :, None, :]
        parts.append(torch.log1p(z_q * interference[..., None, :, :]).sum(-2).transpose(-1, -2))
    log_interference = parts[0] if len(parts) == 1 else torch.cat(parts, -2)  # [..., N, Q]
    zs = z * signal[..., None]
    integrand = torch.exp(-z * noise_w - log_interference) * zs / (1 + zs)  # [..., N, Q]
    return (weights * integrand).sum(-1)


def ergodic_rates_mean_field(
    gains: torch.Tensor,
    power_w: torch.Tensor,
    noise_w: float,
    num_interferers: int,
    *,
    quadrature_nodes: int = 48,
    tail: float = 1e-6,
) -> torch.Tensor:
    """Ergodic rates [B, ..., N] with each receiver's K strongest interferers exact and the rest by their
    mean field (``gsdiff.solvers.mean_field``): the weak aggregate I_R(i) = sum_{j not in T(i)} x_j g_ji acts
    as extra noise. Memory O(N K Q) per allocation besides the gains; error second order in the weak
    interference (measured in ``tests/wireless/test_rates.py`` and the expert chapter).

    Args:
        gains: [B, N, N] large-scale gains (j -> i).
        power_w: [B, ..., N] allocations of B networks (e.g. [B, S, N] samples).
        num_interferers: K exact interferers per receiver.
        quadrature_nodes: Q nodes of the quadrature.
    """
    b, n = gains.shape[0], gains.shape[-1]
    k = min(num_interferers, n - 1)
    eye = torch.eye(n, dtype=torch.bool, device=gains.device)
    cross = gains.masked_fill(eye, 0.0)  # [B, j, i]
    strongest = cross.topk(k, dim=1).indices.transpose(1, 2)  # [B, i, K]
    rows = torch.arange(b, device=gains.device)[:, None, None]
    receivers = torch.arange(n, device=gains.device)[None, :, None]
    edge_gains = cross[rows, strongest, receivers]  # [B, i, K]
    x = power_w.reshape(b, -1, n)  # [B, S, N]
    signal = x * torch.diagonal(gains, dim1=-2, dim2=-1)[:, None]  # [B, S, N]
    exact_power = x.gather(2, strongest.reshape(b, 1, -1).expand(-1, x.shape[1], -1)).view(b, -1, n, k)
    strong = exact_power * edge_gains[:, None]  # [B, S, i, K]
    weak = (torch.bmm(x, cross) - strong.sum(-1)).clamp_min(0.0)  # [B, S, i]
    z, weights = rate_quadrature(signal, noise_w, quadrature_nodes, tail)  # [B, S, N, Q]
    zs = z * signal[..., None]
    log_strong = torch.log1p(z[..., None, :] * strong[..., None]).sum(-2)  # [B, S, N, Q]
    integrand = torch.exp(-z * (noise_w + weak[..., None]) - log_strong) * zs / (1 + zs)
    return (weights * integrand).sum(-1).reshape(power_w.shape)


def rate_quadrature(
    signal_w: torch.Tensor, noise_w: float, quadrature_nodes: int = 48, tail: float = 1e-6
) -> tuple[torch.Tensor, torch.Tensor]:
    """Nodes z and trapezoid weights (in bits, i.e. divided by ln 2) of the ergodic-rate quadrature.

    The nodes are z = e^u / sigma for u evenly spaced from ln(tail * sigma / max(S, sigma)) to ln(40), per
    receiver; any signal power up to ``signal_w`` is integrated accurately on them. Using max(S, sigma): below
    the noise the integrand's mass sits near z = 1 / sigma, so weak (even zero) signals keep the whole range,
    the rate at S = 0 is exactly 0 and its gradient in S stays finite and correct.

    Args:
        signal_w: [..., N] the (largest) desired signal power of each receiver.
    Returns:
        z and weights, both [..., N, quadrature_nodes].
    """
    if quadrature_nodes < 2:
        raise ValueError(f"quadrature_nodes must be >= 2, got {quadrature_nodes}")
    upper = math.log(40.0)
    lower = torch.log(tail * noise_w / signal_w.clamp_min(noise_w)).clamp(max=upper - 1.0)  # [..., N]
    steps = torch.linspace(0.0, 1.0, quadrature_nodes, device=signal_w.device, dtype=signal_w.dtype)
    u = lower[..., None] + (upper - lower)[..., None] * steps  # [..., N, Q]
    trapezoid = torch.ones(quadrature_nodes, device=signal_w.device, dtype=signal_w.dtype)
    trapezoid[[0, -1]] = 0.5
    weights = ((upper - lower) / (quadrature_nodes - 1) / math.log(2.0))[..., None] * trapezoid
    return torch.exp(u) / noise_w, weights
