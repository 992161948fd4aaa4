"""Policies against the expert on new problems: the expert runs on the same networks, every candidate is
time-shared exactly (infinitely many fading slots) and scored by the pooled rate metrics.

Used to probe generalization: f_min levels the policy never trained on, and networks larger than its
training networks (the denoisers take graphs of any size).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import torch

from .baselines import average_power, full_power
from .checks import check_int_at_least, check_networks
from .config import DualSchedulingConfig, EvaluationConfig, ExpertConfig, RadioConfig
from .dual_scheduling import dual_schedule
from .evaluation import asymptotic_rates, played_rates
from .expert import run_expert
from .metrics import rate_metrics
from .policy import DiffusionPolicy

__all__ = ["compare_to_expert", "interferers_when_on"]


def compare_to_expert(
    policies: Mapping[str, DiffusionPolicy],
    gains: torch.Tensor,
    f_min: float,
    radio: RadioConfig,
    expert: ExpertConfig,
    num_samples: int,
    seed: int = 0,
    sampling: Mapping[str, Mapping] | None = None,
    evaluation: EvaluationConfig | None = None,
    dual: Mapping[str, DualSchedulingConfig] | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics of the expert, each policy, full power and average power on networks [B, N, N] at f_min.

    ``sampling`` maps a policy's name to extra ``DiffusionPolicy.sample`` arguments, e.g. ``{"UGNN":
    {"steps": 50, "levels": 5}}`` (default: each policy's configured sampler).

    The expert runs here (seeded), so any networks and f_min work; rates are exact ergodic rates of the
    time-shared samples (``asymptotic_rates``): of all of them, or with ``evaluation`` of those that
    ``evaluate_time_sharing`` would play (``played_rates``: its value over infinitely many fading draws).
    ``dual`` maps the expert's or a policy's name to a ``DualSchedulingConfig``: its samples are also played
    by dual time-sharing (``gsdiff.dual_scheduling``, over ``evaluation``'s windows, default 100), as
    "<name> + dual time-sharing". Keys: "expert", the policies' names, the scheduled ones, "full power",
    "average power"; values: ``rate_metrics`` plus "seconds" (time to run the expert or draw the samples,
    plus the schedule's).
    """
    check_networks(gains)
    check_int_at_least("num_samples", num_samples, 1)
    timer = time.perf_counter()
    expert_w = run_expert(gains, f_min, radio, expert, seed=seed).samples_w  # [B, S, N]
    candidates = {"expert": (expert_w, time.perf_counter() - timer)}
    for name, policy in policies.items():
        timer = time.perf_counter()
        generator = torch.Generator(device=gains.device).manual_seed(seed)
        extra = (sampling or {}).get(name, {})
        samples = policy.sample(gains, f_min, num_samples, generator=generator, **extra)
        candidates[name] = (samples, time.perf_counter() - timer)
    for name, schedule in (dual or {}).items():
        if name not in candidates:
            raise ValueError(
                f"dual names {name!r}, which is neither 'expert' nor a policy: {list(candidates)}"
            )
        timer = time.perf_counter()
        samples, seconds = candidates[name]
        played = dual_schedule(gains, samples, f_min, radio, evaluation, schedule)
        candidates[f"{name} + dual time-sharing"] = (played, seconds + time.perf_counter() - timer)
    candidates["full power"] = (full_power(gains, radio)[:, None], 0.0)
    candidates["average power"] = (average_power(expert_w)[:, None], 0.0)
    out = {}
    for name, (samples, seconds) in candidates.items():
        if evaluation is None:
            rates = asymptotic_rates(gains, samples, radio)
        else:
            rates = played_rates(gains, samples, radio, evaluation)
        out[name] = rate_metrics(rates, f_min) | {"seconds": seconds}
    return out


def interferers_when_on(
    gains: torch.Tensor, samples_w: torch.Tensor, max_power_w: float, num_interferers: int = 3
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
