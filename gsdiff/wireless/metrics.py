"""Rate metrics of users' ergodic rates: pooled over every user, or per network and averaged (the authors'
aggregation), over one or several realizations of an evaluation."""

from __future__ import annotations

import torch

from ..checks import check_choice, check_f_min
from ..config import AGGREGATES

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


def rate_metrics(rates: torch.Tensor, f_min: float, *, aggregate: str = "pooled") -> dict[str, float]:
    """Mean, min, tail percentiles, share of users meeting f_min and Jain's index of users' rates.

    Args:
        rates: ergodic rates [B, N] (B networks of N users) or [R, B, N] (R realizations of an evaluation);
            any leading dimensions are realizations, whose metrics are averaged.
        f_min: the minimum-rate requirement in bits/s/Hz.
        aggregate: "pooled": each realization's statistics over every user of every network (gsdiff's
            historical numbers); "per_network": over each network's users, then averaged over networks (the
            authors' evaluator: at N = 20 a network's 5th percentile is near its worst user). The mean and
            the share meeting f_min are the same either way.
    """
    check_f_min(f_min)
    check_choice("aggregate", aggregate, AGGREGATES)
    r = rates.double()
    if r.dim() < 2:
        r = r.reshape(1, -1)
    groups = (
        r.reshape(-1, r.shape[-1]) if aggregate == "per_network" else r.reshape(-1, r.shape[-2] * r.shape[-1])
    )
    tails = percentiles(groups).mean(0)  # [len(PERCENTILES)]: each group's percentiles, averaged
    out = {"mean": groups.mean().item(), "min": groups.amin(-1).mean().item()}
    out.update({f"p{q:g}": v.item() for q, v in zip(PERCENTILES, tails, strict=True)})
    out["feasible_fraction"] = (groups >= f_min).double().mean().item()
    out["jain"] = jain_fairness(groups).mean().item()
    return out


def bootstrap_ratios(
    rates: torch.Tensor,
    reference_rates: torch.Tensor,
    q: float = 5.0,
    *,
    aggregate: str = "pooled",
    num_resamples: int = 2000,
    confidence: float = 0.95,
    generator: torch.Generator | None = None,
) -> dict[str, tuple[float, float]]:
    """Percentile-bootstrap intervals of a policy's q-th percentile and mean rates relative to a reference's,
    resampling whole networks with replacement (paired: both on the same networks).

    A tail percentile of B networks moves with which networks were drawn; the interval says how far. Each
    resample's statistic is computed as ``rate_metrics`` computes it (``aggregate``; averaged over the
    realizations of each side). Returns ``{"p<q>": (low, high), "mean": (low, high)}`` (keys as
    ``rate_metrics``'s, e.g. "p5") for p_q(rates) / p_q(reference) and mean(rates) / mean(reference).

    Args:
        rates, reference_rates: per-user rates [B, N] or [R, B, N] of the policy and of the reference on the
            same B networks (their numbers of realizations may differ).
        q: the percentile (0-100) compared.
        num_resamples: bootstrap resamples of the B networks.
        confidence: central coverage of the interval, in (0, 1).
    """
    sides = [r.double().reshape(-1, *r.shape[-2:]) for r in (rates, reference_rates)]  # [R, B, N] each
    if (
        any(r.dim() not in (2, 3) for r in (rates, reference_rates))
        or sides[0].shape[1:] != sides[1].shape[1:]
    ):
        raise ValueError(
            f"rates and reference_rates must be [B, N] or [R, B, N] on the same networks, got "
            f"{tuple(rates.shape)} and {tuple(reference_rates.shape)}"
        )
    check_choice("aggregate", aggregate, AGGREGATES)
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    if not (isinstance(num_resamples, int) and num_resamples >= 1):
        raise ValueError(f"num_resamples must be an integer >= 1, got {num_resamples!r}")
    b = sides[0].shape[1]
    pick = torch.randint(0, b, (num_resamples, b), generator=generator).to(rates.device)  # [K, B]
    tails, means = [], []
    for side in sides:
        means.append(side.mean((0, 2))[pick].mean(-1))  # [K]: every network has N users
        if aggregate == "per_network":  # each network's percentile, averaged over realizations
            per_network = percentiles(side, (q,))[..., 0].mean(0)  # [B]
            tails.append(per_network[pick].mean(-1))  # [K]
            continue
        chunk = max(1, 2**24 // side.numel())  # resamples at a time: [k, R, B N] of at most ~128 MB
        pooled = [
            percentiles(side[:, rows].transpose(0, 1).flatten(2), (q,))[..., 0].mean(-1)  # [k, R, B N] -> [k]
            for rows in (pick[k : k + chunk] for k in range(0, num_resamples, chunk))
        ]
        tails.append(torch.cat(pooled))
    ends = torch.tensor(
        [(1 - confidence) / 2, (1 + confidence) / 2], dtype=torch.float64, device=rates.device
    )
    out = {}
    for name, (stat, reference) in ((f"p{q:g}", tails), ("mean", means)):
        low, high = torch.quantile(stat / reference, ends).tolist()
        out[name] = (low, high)
    return out


def varying_share(samples_w: torch.Tensor) -> float:
    """The share of users [B, S, N] whose power is not the same in all of their network's S samples: how
    stochastic a policy is (a deterministic one has 0)."""
    if samples_w.dim() != 3:
        raise ValueError(f"samples_w must have shape [B, S, N], got {tuple(samples_w.shape)}")
    return (samples_w.amax(1) > samples_w.amin(1)).double().mean().item()  # [B, N] -> share
