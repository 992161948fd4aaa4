"""Candidates against the expert on the same networks: assemble what each candidate plays (the expert's
samples, each policy's, any of them by dual time-sharing, the deterministic baselines), then score them all
the same way, by fading slots or exactly.

``compare_to_expert`` does both on new problems, with the expert run afresh, to probe generalization:
f_min levels the policy never trained on (``compare_over_f_mins``) and networks larger than its training
networks (``compare_over_sizes``; the denoisers take graphs of any size).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

import torch

from ..checks import check_choice, check_int_at_least, check_networks
from ..config import BASELINES, DropConfig, DualTimeSharingConfig, EvaluationConfig, ExpertConfig, RadioConfig
from ..solvers.baselines import average_power, full_power, wmmse
from ..solvers.dual_time_sharing import dual_time_sharing
from ..solvers.expert import run_expert
from ..wireless.channel import drop_networks
from ..wireless.metrics import rate_metrics
from ..wireless.time_sharing import TimeSharingResult, asymptotic_rates, evaluate_time_sharing, played_rates
from .diffusion_policy import DiffusionPolicy, SamplingSetting

__all__ = [
    "Candidate",
    "DUAL_SUFFIX",
    "candidate_samples",
    "evaluate_candidates",
    "candidate_rates",
    "compare_to_expert",
    "compare_over_f_mins",
    "compare_over_sizes",
    "interferers_when_on",
    "tail_coordination",
]

DUAL_SUFFIX = " + dual time-sharing"  # name of a pool played by dual time-sharing: "<pool>" + DUAL_SUFFIX


class Candidate(NamedTuple):
    """What a candidate plays on each network, and what producing it cost."""

    samples_w: torch.Tensor  # [B, S, N] (or [B, N]: one allocation) in W
    seconds: float  # wall-clock time to produce the samples, a dual time-sharing's pool included


def _baseline(name: str, gains: torch.Tensor, expert_samples_w: torch.Tensor, radio: RadioConfig):
    """A deterministic baseline as one sample per network, [B, 1, N]."""
    if name == "full power":
        return full_power(gains, radio)[:, None]
    if name == "average power":
        return average_power(expert_samples_w)[:, None]
    return wmmse(gains, radio)[:, None]


def candidate_samples(
    gains: torch.Tensor,
    f_min: float | torch.Tensor,
    expert_samples_w: torch.Tensor,
    radio: RadioConfig,
    *,
    policies: Mapping[str, DiffusionPolicy] | None = None,
    num_samples: int = 100,
    sampling: Mapping[str, SamplingSetting] | None = None,
    dual: Mapping[str, DualTimeSharingConfig] | None = None,
    pools: Mapping[str, torch.Tensor] | None = None,
    evaluation: EvaluationConfig | None = None,
    baselines: Sequence[str] = ("full power", "average power"),
    seed: int = 0,
    expert_seconds: float = 0.0,
) -> dict[str, Candidate]:
    """Every candidate's samples on networks ``gains`` [B, N, N] at ``f_min``, in a fixed order: "expert",
    the policies, the pools named in ``dual`` played by dual time-sharing ("<name> + dual time-sharing", over
    ``evaluation``'s windows), then the ``baselines`` (of ``BASELINES``; average power is the mean of the
    expert's samples).

    Args:
        expert_samples_w: [B, S, N] the expert's samples (in W) on these networks.
        policies: name -> policy; each draws ``num_samples`` allocations per network from a generator seeded
            with ``seed``, with ``sampling[name]`` (default: the policy's configured sampling).
        dual: pool name ("expert", a policy's or one of ``pools``) -> its dual time-sharing settings.
        pools: extra pools [B, S, N] played only by dual time-sharing (e.g. random levels, a control).
        expert_seconds: what the expert's samples cost, reported as its candidate's seconds.
    """
    check_networks(gains)
    check_int_at_least("num_samples", num_samples, 1)
    for name in baselines:
        check_choice("baselines", name, BASELINES)
    out = {"expert": Candidate(expert_samples_w, expert_seconds)}
    for name, policy in (policies or {}).items():
        timer = time.perf_counter()
        generator = torch.Generator(device=gains.device).manual_seed(seed)
        setting = (sampling or {}).get(name, SamplingSetting())
        samples = policy.sample(gains, f_min, num_samples, generator=generator, **setting.kwargs())
        out[name] = Candidate(samples, time.perf_counter() - timer)
    pooled = {name: c for name, c in out.items()} | {n: Candidate(p, 0.0) for n, p in (pools or {}).items()}
    for name, config in (dual or {}).items():
        if name not in pooled:
            raise ValueError(f"dual names {name!r}, which is not a pool: the pools are {list(pooled)}")
        timer = time.perf_counter()
        pool = pooled[name]
        played = dual_time_sharing(gains, pool.samples_w, f_min, radio, evaluation, config)
        out[name + DUAL_SUFFIX] = Candidate(played, pool.seconds + time.perf_counter() - timer)
    for name in baselines:
        out[name] = Candidate(_baseline(name, gains, expert_samples_w, radio), 0.0)
    return out


def evaluate_candidates(
    gains: torch.Tensor,
    candidates: Mapping[str, Candidate],
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    seed: int = 0,
) -> dict[str, TimeSharingResult]:
    """Every candidate played over ``evaluation``'s fading slots, each on the same fading draws (``seed``)."""
    return {
        name: evaluate_time_sharing(gains, c.samples_w, radio, evaluation, seed=seed)
        for name, c in candidates.items()
    }


def candidate_rates(
    gains: torch.Tensor,
    candidates: Mapping[str, Candidate],
    radio: RadioConfig,
    evaluation: EvaluationConfig | None = None,
    interferers: int | None = None,
) -> dict[str, torch.Tensor]:
    """Every candidate's exact ergodic rates [B, N] over infinitely many fading slots: of all its samples
    played equally often, or with ``evaluation`` of the samples ``evaluate_time_sharing`` would play; with
    ``interferers`` each receiver's strongest interferers exact and the rest by their mean field (large N)."""
    if evaluation is None:
        return {
            name: asymptotic_rates(gains, c.samples_w, radio, interferers=interferers)
            for name, c in candidates.items()
        }
    return {
        name: played_rates(gains, c.samples_w, radio, evaluation, interferers)
        for name, c in candidates.items()
    }


def _expert_comparison_rates(
    policies: Mapping[str, DiffusionPolicy],
    gains: torch.Tensor,
    f_min: float,
    radio: RadioConfig,
    expert: ExpertConfig,
    num_samples: int,
    *,
    seed: int = 0,
    evaluation: EvaluationConfig | None = None,
    interferers: int | None = None,
    **candidate_options,
) -> tuple[dict[str, torch.Tensor], dict[str, float]]:
    """What ``compare_to_expert`` scores: every candidate's exact rates [B, N] and its seconds."""
    check_networks(gains)
    check_int_at_least("num_samples", num_samples, 1)
    timer = time.perf_counter()
    expert_w = run_expert(gains, f_min, radio, expert, seed=seed).samples_w  # [B, S, N]
    candidates = candidate_samples(
        gains,
        f_min,
        expert_w,
        radio,
        policies=policies,
        num_samples=num_samples,
        evaluation=evaluation,
        seed=seed,
        expert_seconds=time.perf_counter() - timer,
        **candidate_options,  # sampling, dual, baselines
    )
    rates = candidate_rates(gains, candidates, radio, evaluation, interferers)
    return rates, {name: c.seconds for name, c in candidates.items()}


def compare_to_expert(
    policies: Mapping[str, DiffusionPolicy],
    gains: torch.Tensor,
    f_min: float,
    radio: RadioConfig,
    expert: ExpertConfig,
    num_samples: int,
    seed: int = 0,
    sampling: Mapping[str, SamplingSetting] | None = None,
    evaluation: EvaluationConfig | None = None,
    dual: Mapping[str, DualTimeSharingConfig] | None = None,
    baselines: Sequence[str] = ("full power", "average power"),
    interferers: int | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics of the expert (run here, seeded, so any networks and f_min work), each policy, the pools named
    in ``dual`` by dual time-sharing, and the ``baselines`` on networks [B, N, N] at f_min.

    Rates are exact (``candidate_rates``: of every sample, or with ``evaluation`` of the samples played;
    with ``interferers``, mean-field beyond each receiver's strongest, for large N).
    Values: ``rate_metrics`` plus "seconds" (time to run the expert or draw the samples, plus the dual
    time-sharing's).
    """
    rates, seconds = _expert_comparison_rates(
        policies,
        gains,
        f_min,
        radio,
        expert,
        num_samples,
        seed=seed,
        evaluation=evaluation,
        interferers=interferers,
        sampling=sampling,
        dual=dual,
        baselines=baselines,
    )
    return {name: rate_metrics(r, f_min) | {"seconds": seconds[name]} for name, r in rates.items()}


def compare_over_f_mins(
    policies: Mapping[str, DiffusionPolicy],
    gains: torch.Tensor,
    f_mins: Sequence[float],
    radio: RadioConfig,
    expert: ExpertConfig,
    num_samples: int,
    **options,
) -> dict[float, dict[str, dict[str, float]]]:
    """``compare_to_expert`` at each f_min level on the same networks (``options`` as its keywords)."""
    return {
        f_min: compare_to_expert(policies, gains, f_min, radio, expert, num_samples, **options)
        for f_min in f_mins
    }


def compare_over_sizes(
    policies: Mapping[str, DiffusionPolicy],
    num_pairs: Sequence[int],
    densities_per_km2: Sequence[float],
    networks_per_density: int,
    f_min: float,
    radio: RadioConfig,
    expert: ExpertConfig,
    num_samples: int,
    seed: int = 0,
    *,
    exact_max_pairs: int | None = None,
    interferers: int = 16,
    dual: Mapping[str, DualTimeSharingConfig] | None = None,
    by_density: bool = False,
    **options,
) -> dict[int, dict]:
    """``compare_to_expert`` on new networks of each size N: ``networks_per_density`` drops of N pairs at each
    density (seeded with ``seed``, the same densities, so larger areas); ``options`` as its keywords.

    Above ``exact_max_pairs`` pairs (None: never) the expert's primal step, the dual time-sharing's pool
    rates and the scored rates keep each receiver's ``interferers`` strongest interferers exact and the rest
    by their mean field (``gsdiff.solvers.mean_field``), which is what makes N in the thousands affordable.

    Returns ``{N: {name: metrics}}`` pooled over every network, or with ``by_density``
    ``{N: {group: {name: metrics}}}`` for the groups "all" (pooled) and each density (its value), from the
    same runs.
    """
    if exact_max_pairs is not None:
        check_int_at_least("exact_max_pairs", exact_max_pairs, 2)
    out = {}
    for n in num_pairs:
        check_int_at_least("num_pairs", n, 2)
        gains = torch.cat(
            [
                drop_networks(
                    networks_per_density, DropConfig(num_pairs=n, density_per_km2=d), seed=seed
                ).gains
                for d in densities_per_km2
            ]
        )  # [D * networks, N, N]
        k = interferers if exact_max_pairs is not None and n > exact_max_pairs else None
        sized = {name: replace(c, interferers=k) for name, c in (dual or {}).items()}
        rates, seconds = _expert_comparison_rates(
            policies,
            gains,
            f_min,
            radio,
            replace(expert, interferers=k),
            num_samples,
            seed=seed,
            dual=sized,
            interferers=k,
            **options,
        )
        groups = {"all": slice(None)}
        if by_density:
            groups |= {
                d: slice(i * networks_per_density, (i + 1) * networks_per_density)
                for i, d in enumerate(densities_per_km2)
            }
        scored = {
            group: {
                name: rate_metrics(r[rows], f_min) | {"seconds": seconds[name]} for name, r in rates.items()
            }
            for group, rows in groups.items()
        }
        out[n] = scored if by_density else scored["all"]
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


def tail_coordination(
    gains: torch.Tensor,
    rates: torch.Tensor,
    samples_w: Mapping[str, torch.Tensor],
    max_power_w: float,
    tail: float = 0.05,
) -> dict[str, tuple[float, float]]:
    """For the users in the bottom ``tail`` of ``rates`` [B, N] (a policy's time-shared rates), how each
    pool of samples treats them (``interferers_when_on``): name -> (mean own power when on, mean power of
    the three strongest interferers then), as fractions of P_max."""
    worst = rates <= torch.quantile(rates.flatten(), tail)
    out = {}
    for name, samples in samples_w.items():
        own, cleared = interferers_when_on(gains, samples, max_power_w)
        out[name] = (own[worst].nanmean().item(), cleared[worst].nanmean().item())
    return out
