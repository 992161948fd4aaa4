"""Policies against the expert on new problems: the expert runs on the same networks, every candidate is
time-shared exactly (infinitely many slots) and scored by the pooled rate metrics.

Used to probe generalization: f_min levels the policy never trained on, and networks larger than its
training networks (the denoisers take graphs of any size).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import torch

from .baselines import average_power, full_power
from .checks import check_int_at_least, check_networks
from .config import ExpertConfig, RadioConfig
from .evaluation import asymptotic_rates
from .expert import run_expert
from .metrics import rate_metrics
from .policy import DiffusionPolicy

__all__ = ["compare_to_expert"]


def compare_to_expert(
    policies: Mapping[str, DiffusionPolicy],
    gains: torch.Tensor,
    f_min: float,
    radio: RadioConfig,
    expert: ExpertConfig,
    num_samples: int,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """Metrics of the expert, each policy, full power and average power on networks [B, N, N] at f_min.

    The expert runs here (seeded), so any networks and f_min work; rates are exact ergodic rates of the
    time-shared samples (``asymptotic_rates``). Keys: "expert", the policies' names, "full power",
    "average power"; values: ``rate_metrics`` plus "seconds" (time to run the expert or draw the samples).
    """
    check_networks(gains)
    check_int_at_least("num_samples", num_samples, 1)
    timer = time.perf_counter()
    expert_w = run_expert(gains, f_min, radio, expert, seed=seed).samples_w  # [B, S, N]
    candidates = {"expert": (expert_w, time.perf_counter() - timer)}
    for name, policy in policies.items():
        timer = time.perf_counter()
        generator = torch.Generator(device=gains.device).manual_seed(seed)
        samples = policy.sample(gains, f_min, num_samples, generator=generator)
        candidates[name] = (samples, time.perf_counter() - timer)
    candidates["full power"] = (full_power(gains, radio)[:, None], 0.0)
    candidates["average power"] = (average_power(expert_w)[:, None], 0.0)
    out = {}
    for name, (samples, seconds) in candidates.items():
        out[name] = rate_metrics(asymptotic_rates(gains, samples, radio), f_min) | {"seconds": seconds}
    return out
