"""What changes when a policy trained on small networks serves larger ones: the graph it sees, and how it
schedules the users the expert protects, beside its tail against the expert's, at each network size.

From the runs of a size study (``size_runs``, the runs ``compare_over_sizes`` scores: new networks of each
size, the expert exact or mean-field by size, the policy drawing as many samples as the expert's are drawn,
like for like). Per size, averaged over networks:

- **the graph**: the neighbours each receiver keeps (its ``top_k`` strongest interferers by gain, the
  training degree) and the share of its full-power interference they carry,
  sum_{j kept} g_ji / sum_{j != i} g_ji;
- **the tail**: the policy's p5 and mean over the expert's (per-network percentiles, ``rate_metrics``);
- **the policy's tail users**: each network's bottom ``tail_share`` of users by the policy's rate; the
  share of samples in which they transmit (power > P_max / 10), in the policy's samples and in the
  expert's;
- **the spread of samples**: the share of users on in every sample, and each user's standard deviation of
  power over samples, the policy's over the expert's.

A policy whose worst users transmit as often as the expert lets them but still fall short meets more
interference than the expert gives them (a coordination problem the graph may hide); one whose worst users
transmit less often than in the expert's samples under-schedules them (what the book policy trained at
N = 20 does at 20x its size: ``benchmarks/transfer_diagnosis.py`` has the longer account).
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from ..config import EXPERT, Candidate, EvaluationConfig
from ..wireless.metrics import rate_metrics
from .comparison import SizeRun

__all__ = ["SIZE_CHANGES", "kept_interference_share", "size_changes"]

ON_FRACTION = 0.1  # a user transmits in a sample when its power exceeds this fraction of P_max

# The rows of ``size_changes``, in order: (key, what a table shows)
SIZE_CHANGES = (
    ("neighbours", "neighbours kept per receiver"),
    ("kept_interference", "share of full-power interference kept"),
    ("p5_ratio", "p5, policy ÷ expert"),
    ("mean_ratio", "mean, policy ÷ expert"),
    ("tail_on_policy", "policy's worst users on, in its samples"),
    ("tail_on_expert", "policy's worst users on, in the expert's"),
    ("always_on_policy", "users on in every sample, policy"),
    ("always_on_expert", "users on in every sample, expert"),
    ("power_spread_ratio", "power spread per user, policy ÷ expert"),
)


def kept_interference_share(gains: torch.Tensor, top_k: int | None) -> torch.Tensor:
    """Each receiver's share [B, N] of its full-power interference sum_j g_ji carried by its ``top_k``
    strongest interferers (None: all of them, share 1); gains [B, N, N] indexed [source j, receiver i]."""
    n = gains.shape[-1]
    eye = torch.eye(n, dtype=torch.bool, device=gains.device)
    interference = gains.masked_fill(eye, 0.0)  # [B, j, i]
    total = interference.sum(dim=1)  # [B, i]
    if top_k is None or top_k >= n - 1:
        return torch.ones_like(total)
    kept = interference.topk(top_k, dim=1).values.sum(dim=1)  # [B, i]
    return kept / total


def _on_share(samples_w: torch.Tensor, max_power_w: float) -> torch.Tensor:
    """[B, N] share of samples [B, S, N] in which each user transmits."""
    return (samples_w > ON_FRACTION * max_power_w).double().mean(dim=1)


def size_changes(
    runs: Mapping[int, SizeRun],
    policy: Candidate,
    max_power_w: float,
    evaluation: EvaluationConfig,
    *,
    top_k: int | None,
    tail_share: float = 0.05,
) -> dict[int, dict[str, float]]:
    """``{N: {key: value}}`` for the keys of ``SIZE_CHANGES`` (see the module's docstring) from the runs of a
    size study (``size_runs``) for one of its policies, which sampled on graphs of ``top_k`` neighbours
    (None: complete graphs), against the expert drawn as it draws."""
    if not 0 < tail_share < 1:
        raise ValueError(f"tail_share must lie in (0, 1), got {tail_share!r}")
    out = {}
    for n, run in runs.items():
        if policy not in run.candidates:
            raise ValueError(f"policy {policy.label!r} was not played in the runs at N = {n}")
        policy_w, expert_w = run.candidates[policy].samples_w, run.candidates[EXPERT].samples_w  # [B, S, N]
        policy_on, expert_on = _on_share(policy_w, max_power_w), _on_share(expert_w, max_power_w)  # [B, N]
        count = max(1, round(tail_share * n))
        worst = run.rates[policy].mean(0).topk(count, dim=-1, largest=False).indices  # [B, count]
        policy_metrics = rate_metrics(run.rates[policy], 0.0, aggregate=evaluation.aggregate)
        expert_metrics = rate_metrics(run.rates[EXPERT], 0.0, aggregate=evaluation.aggregate)
        out[n] = {
            "neighbours": float(n - 1 if top_k is None else min(top_k, n - 1)),
            "kept_interference": kept_interference_share(run.gains, top_k).mean().item(),
            "p5_ratio": policy_metrics["p5"] / expert_metrics["p5"],
            "mean_ratio": policy_metrics["mean"] / expert_metrics["mean"],
            "tail_on_policy": policy_on.gather(-1, worst).mean().item(),
            "tail_on_expert": expert_on.gather(-1, worst).mean().item(),
            "always_on_policy": (policy_on == 1).double().mean().item(),
            "always_on_expert": (expert_on == 1).double().mean().item(),
            "power_spread_ratio": (policy_w.std(dim=1).mean() / expert_w.std(dim=1).mean()).item(),
        }
    return out
