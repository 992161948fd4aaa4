"""Rate metrics pooled over the users of all networks, as the papers report them."""

from __future__ import annotations

import torch

from ..checks import check_f_min

__all__ = [
    "PERCENTILES",
    "percentiles",
    "jain_fairness",
    "rate_metrics",
    "bootstrap_ratios",
    "varying_share",
]

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


def bootstrap_ratios(
    rates: torch.Tensor,
    reference_rates: torch.Tensor,
    q: float = 5.0,
    num_resamples: int = 2000,
    confidence: float = 0.95,
    generator: torch.Generator | None = None,
) -> dict[str, tuple[float, float]]:
    """Percentile-bootstrap intervals of a policy's pooled q-th percentile and mean rates relative to a
    reference's, resampling whole networks with replacement (paired: both policies on the same networks).

    A pooled tail percentile of B networks moves with which networks were drawn; the interval says how far.
    Returns ``{"p<q>": (low, high), "mean": (low, high)}`` (keys as ``rate_metrics``'s, e.g. "p5") for
    p_q(rates) / p_q(reference) and mean(rates) / mean(reference). Memory: 2 R B N doubles.

    Args:
        rates, reference_rates: per-user rates [B, N] of the policy and of the reference on the same networks.
        q: the percentile (0-100) compared.
        num_resamples: bootstrap resamples of the B networks.
        confidence: central coverage of the interval, in (0, 1).
    """
    if rates.dim() != 2 or rates.shape != reference_rates.shape:
        raise ValueError(
            f"rates and reference_rates must both be [B, N], got {tuple(rates.shape)} and "
            f"{tuple(reference_rates.shape)}"
        )
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    if not (isinstance(num_resamples, int) and num_resamples >= 1):
        raise ValueError(f"num_resamples must be an integer >= 1, got {num_resamples!r}")
    b = rates.shape[0]
    pick = torch.randint(0, b, (num_resamples, b), generator=generator).to(rates.device)  # [R, B]
    both = torch.stack([rates, reference_rates]).double()[:, pick].flatten(2)  # [2, R, B N]
    tail = percentiles(both, (q,))[..., 0]  # [2, R]
    mean = both.mean(-1)  # [2, R]
    ends = torch.tensor(
        [(1 - confidence) / 2, (1 + confidence) / 2], dtype=torch.float64, device=rates.device
    )
    out = {}
    for name, stat in ((f"p{q:g}", tail), ("mean", mean)):
        low, high = torch.quantile(stat[0] / stat[1], ends).tolist()
        out[name] = (low, high)
    return out


def varying_share(samples_w: torch.Tensor) -> float:
    """The share of users [B, S, N] whose power is not the same in all of their network's S samples: how
    stochastic a policy is (a deterministic one has 0)."""
    if samples_w.dim() != 3:
        raise ValueError(f"samples_w must have shape [B, S, N], got {tuple(samples_w.shape)}")
    return (samples_w.amax(1) > samples_w.amin(1)).double().mean().item()  # [B, N] -> share
