"""What a trained policy saves: the time of the expert to its samples of a new network against a policy's time
to draw as many, with the quality of those samples in the same row (the papers' premise: one sampling pass
replaces thousands of primal-dual iterations).

For each size N, on the same new networks:

* the **exact expert** (every interferer; O(N^2) per iteration, so only up to ``exact_max_pairs``) and the
  **mean-field expert** (each receiver's ``interferers`` strongest exact, ``gsdiff.solvers.mean_field``) run
  their full iteration (burn-in included) to ``num_samples`` samples: what a new network costs the expert;
* each **policy** draws ``num_samples`` samples with its own sampling setting (the one chosen on validation
  and stored with it; on networks larger than its training ones, its training degree), or ``sampling``'s.

Quality is like for like: each pool played by the evaluation's rule (i.i.d. picks, the papers' protocol)
with exact rates (mean-field beyond ``interferers`` where the exact expert is not run), p5 and mean of the
policy over those of the expert's own samples played the same way (the exact expert where it ran, else the
mean-field one). Times are wall-clock seconds per network on this process's threads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import torch

from ..checks import check_int_at_least
from ..config import (
    MEAN_FIELD_INTERFERERS,
    Candidate,
    DropConfig,
    EvaluationConfig,
    ExpertConfig,
    RadioConfig,
    SamplingSetting,
)
from ..policy import DiffusionPolicy
from ..solvers import run_expert
from ..wireless import drop_networks
from ..wireless.metrics import rate_metrics
from ..wireless.time_sharing import played_rates

__all__ = ["AmortizationRow", "amortization"]


@dataclass(frozen=True)
class AmortizationRow:
    """One size: the experts' seconds per network to their samples, and each policy's seconds, sampling
    setting and p5 / mean over the reference expert's (drawn alike)."""

    num_pairs: int
    num_networks: int
    exact_seconds: float | None  # None: not run at this size
    mean_field_seconds: float
    reference: str  # "exact" or "mean field": the expert the policies' quality is measured against
    policy_seconds: dict[Candidate, float]
    policy_sampling: dict[Candidate, str]  # the setting's label
    p5_ratio: dict[Candidate, float]
    mean_ratio: dict[Candidate, float]


def _timed(work: Callable[..., torch.Tensor], *args, **kwargs) -> tuple[torch.Tensor, float]:
    """(``work(*args, **kwargs)``, its wall-clock seconds)."""
    start = time.perf_counter()
    out = work(*args, **kwargs)
    return out, time.perf_counter() - start


def _size_row(
    gains: torch.Tensor,
    policies: Mapping[Candidate, DiffusionPolicy],
    radio: RadioConfig,
    expert: ExpertConfig,
    evaluation: EvaluationConfig,
    sampling: Mapping[Candidate, SamplingSetting],
    *,
    f_min: float,
    exact: bool,
    interferers: int,
    seed: int,
) -> AmortizationRow:
    """The row of one size's networks [B, N, N] (``amortization``); ``exact``: run the exact expert too."""
    b = gains.shape[0]
    field, field_s = _timed(
        run_expert, gains, f_min, radio, replace(expert, interferers=interferers), seed=seed
    )
    reference, exact_s = field, None
    if exact:
        reference, exact_s = _timed(run_expert, gains, f_min, radio, expert, seed=seed)
    scored = None if exact else interferers  # exact rates wherever the exact expert ran

    def metrics(samples_w: torch.Tensor) -> dict[str, float]:
        rates = played_rates(gains, samples_w, radio, evaluation, seed=seed, interferers=scored)
        return rate_metrics(rates, f_min, aggregate=evaluation.aggregate)

    expert_metrics = metrics(reference.samples_w)
    seconds, labels, p5, mean = {}, {}, {}, {}
    for candidate, policy in policies.items():
        setting = sampling.get(candidate, policy.sampling)
        generator = torch.Generator().manual_seed(seed)
        drawn, seconds[candidate] = _timed(
            policy.sample, gains, f_min, expert.num_samples, setting, generator=generator
        )
        own = metrics(drawn)
        labels[candidate] = setting.label
        p5[candidate] = own["p5"] / expert_metrics["p5"]
        mean[candidate] = own["mean"] / expert_metrics["mean"]
    return AmortizationRow(
        gains.shape[-1],
        b,
        None if exact_s is None else exact_s / b,
        field_s / b,
        "exact" if exact else "mean field",
        {c: s / b for c, s in seconds.items()},
        labels,
        p5,
        mean,
    )


def amortization(
    num_pairs: Sequence[int],
    policies: Mapping[Candidate, DiffusionPolicy],
    radio: RadioConfig,
    expert: ExpertConfig,
    evaluation: EvaluationConfig,
    *,
    f_min: float,
    density_per_km2: float,
    num_samples: int,
    num_networks: int | Mapping[int, int] = 1,
    exact_max_pairs: int = 400,
    interferers: int = MEAN_FIELD_INTERFERERS,
    sampling: Mapping[Candidate, SamplingSetting] | None = None,
    seed: int = 0,
) -> list[AmortizationRow]:
    """One ``AmortizationRow`` per size in ``num_pairs`` (see the module docstring): ``num_networks`` new
    networks (one count, or one per size) of N pairs at ``density_per_km2`` dropped with ``seed``, every
    candidate seeded with it; the experts and the policies all to ``num_samples`` samples per network."""
    check_int_at_least("num_samples", num_samples, 1)
    rows = []
    for n in num_pairs:
        check_int_at_least("num_pairs", n, 2)
        count = num_networks if isinstance(num_networks, int) else num_networks.get(n, 1)
        check_int_at_least("num_networks", count, 1)
        drop = DropConfig(num_pairs=n, density_per_km2=density_per_km2)
        rows.append(
            _size_row(
                drop_networks(count, drop, seed=seed).gains,
                policies,
                radio,
                expert.with_samples(num_samples),
                evaluation,
                sampling or {},
                f_min=f_min,
                exact=n <= exact_max_pairs,
                interferers=interferers,
                seed=seed,
            )
        )
    return rows
