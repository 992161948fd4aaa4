"""How a stochastic policy coordinates neighbours: for each user, the power of its strongest interferers in
the samples where it transmits. A weak user served by turns needs full power while its strong interferers
stay silent; the tail of a policy's rates depends on that joint pattern more than on how often each user
transmits."""

from __future__ import annotations

from collections.abc import Mapping

import torch

from ..checks import check_int_at_least, check_networks
from ..config import Candidate

__all__ = ["interferers_when_on", "tail_coordination"]


def interferers_when_on(
    gains: torch.Tensor, samples_w: torch.Tensor, max_power_w: float, *, num_interferers: int = 3
) -> tuple[torch.Tensor, torch.Tensor]:
    """How well a stochastic policy clears the way for each user: [B, N] tensors (power fraction,
    interferer power fraction).

    For user i, the mean power (fraction of P_max) of its ``num_interferers`` strongest interferers
    (largest g_ji / g_ii) in the samples where i transmits (x_i > P_max / 10), and i's own mean power in
    those samples; NaN where i never transmits. A weak user served by turns needs full power while its
    strong interferers stay silent.
    """
    check_networks(gains)
    b, s, n = samples_w.shape
    if gains.shape != (b, n, n):
        raise ValueError(f"gains {tuple(gains.shape)} and samples_w {tuple(samples_w.shape)} disagree")
    check_int_at_least("num_interferers", num_interferers, 1)
    x = samples_w / max_power_w  # [B, S, N]
    relative = gains / torch.diagonal(gains, dim1=-2, dim2=-1)[:, None, :]  # [B, j, i] g_ji / g_ii
    relative = relative.masked_fill(torch.eye(n, dtype=torch.bool, device=gains.device), -1.0)
    top = relative.topk(min(num_interferers, n - 1), dim=1).indices  # [B, k, N] interferers j of each i
    on = (x > 0.1).to(x.dtype)  # [B, S, N]
    count = on.sum(1)  # [B, N]
    own = (x * on).sum(1) / count
    # x_j in the samples where i is on, for i's strongest interferers j: [B, S, k, N]
    interferers = torch.gather(x[:, :, :, None].expand(b, s, n, n), 2, top[:, None].expand(b, s, -1, n))
    cleared = (interferers * on[:, :, None, :]).sum(1).mean(1) / count  # [B, N]
    return own, cleared


def tail_coordination(
    gains: torch.Tensor,
    rates: torch.Tensor,
    samples_w: Mapping[Candidate, torch.Tensor],
    max_power_w: float,
    *,
    tail: float = 0.05,
) -> dict[Candidate, tuple[float, float]]:
    """For the users in the bottom ``tail`` of ``rates`` [B, N] (a policy's time-shared rates), how each
    pool of samples treats them (``interferers_when_on``): candidate -> (mean own power when on, mean power of
    the three strongest interferers then), as fractions of P_max."""
    worst = rates <= torch.quantile(rates.flatten(), tail)
    out = {}
    for candidate, samples in samples_w.items():
        own, cleared = interferers_when_on(gains, samples, max_power_w)
        out[candidate] = (own[worst].nanmean().item(), cleared[worst].nanmean().item())
    return out
