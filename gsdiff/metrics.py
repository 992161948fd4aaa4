"""Rate metrics pooled over the users of all networks, as the papers report them."""

from __future__ import annotations

import torch

from .checks import check_f_min

__all__ = ["PERCENTILES", "percentiles", "jain_fairness", "rate_metrics"]

PERCENTILES: tuple[float, ...] = (0.1, 1.0, 5.0, 10.0)  # the tail percentiles reported


def percentiles(rates: torch.Tensor, q: tuple[float, ...] = PERCENTILES) -> torch.Tensor:
    """Percentiles (0-100, linear interpolation as numpy's default) over the last dimension, [..., len(q)]."""
    levels = torch.tensor(q, dtype=torch.float64, device=rates.device) / 100.0
    if bool((levels < 0).any() or (levels > 1).any()):
        raise ValueError(f"percentiles q must lie in [0, 100], got {q}")
    return torch.quantile(rates.double(), levels, dim=-1).movedim(0, -1).to(rates.dtype)


def jain_fairness(rates: torch.Tensor) -> torch.Tensor:
    """Jain's index (sum r)^2 / (n sum r^2) over the last dimension: 1 if all equal, 1/n if one has all.

    All-zero rates are all equal: index 1 (not 0/0 = NaN, which is not valid JSON).
    """
    r = rates.double()
    squares = r.square().sum(-1)
    index = r.sum(-1) ** 2 / (r.shape[-1] * squares)
    return torch.where(squares > 0, index, torch.ones_like(index)).to(rates.dtype)


def rate_metrics(rates: torch.Tensor, f_min: float) -> dict[str, float]:
    """Mean, min, tail percentiles, share of users meeting f_min and Jain's index of all users pooled.

    Args:
        rates: ergodic rates of any shape (e.g. [B, N]); every entry is one user.
        f_min: the minimum-rate requirement in bits/s/Hz.
    """
    check_f_min(f_min)
    pooled = rates.reshape(-1).double()
    tails = percentiles(pooled)
    out = {"mean": pooled.mean().item(), "min": pooled.min().item()}
    out.update({f"p{q:g}": v.item() for q, v in zip(PERCENTILES, tails, strict=True)})
    out["feasible_fraction"] = (pooled >= f_min).double().mean().item()
    out["jain"] = jain_fairness(pooled).item()
    return out
