"""What each candidate plays on a set of networks: the expert's samples (drawn as the policies draw theirs,
and its chain of iterates), each policy's, any pool of them by dual time-sharing, and the deterministic
baselines (``gsdiff.config.candidates`` names them all).

Like for like: a policy draws K samples per network, so the expert reference (``EXPERT``) is K i.i.d.
draws from the expert's own samples; played by the same rule (``EvaluationConfig.play``), a perfect
imitator of the expert and the reference are the same random object, and the ratio of their metrics is 1
but for sampling noise. The expert's chain of iterates played in order (``EXPERT_CHAIN``) is the stricter
reference gsdiff adds: its turns are balanced by the dual dynamics, which independent draws cannot be.

``candidate_samples`` assembles them on networks whose expert samples are given (the book's dataset);
``expert_and_candidates`` runs the expert first (seeded), so that any networks and any f_min work. Both
return ``{Candidate: CandidateSamples}`` in a fixed order, which ``gsdiff.evaluation.comparison`` scores.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import NamedTuple

import torch

from ..checks import check_int_at_least, check_networks
from ..config import (
    AVERAGE_POWER,
    EXPERT,
    EXPERT_CHAIN,
    FULL_POWER,
    WMMSE,
    Candidate,
    DualTimeSharingConfig,
    EvaluationConfig,
    ExpertConfig,
    RadioConfig,
    SamplingSetting,
    dual_candidate,
)
from ..policy import DiffusionPolicy
from ..solvers.baselines import average_power, full_power, wmmse
from ..solvers.dual_time_sharing import dual_time_sharing
from ..solvers.expert import run_expert
from ..wireless.play import resample

__all__ = ["CandidateSamples", "candidate_samples", "expert_and_candidates"]


class CandidateSamples(NamedTuple):
    """What a candidate plays on each network, and what producing it cost."""

    samples_w: torch.Tensor  # [B, S, N] (or [B, 1, N]: one allocation) in W
    seconds: float  # wall-clock time to produce the samples, a dual time-sharing's pool included


def _baseline(
    baseline: Candidate, gains: torch.Tensor, expert_samples_w: torch.Tensor, radio: RadioConfig
) -> torch.Tensor:
    """A deterministic baseline as one sample per network, [B, 1, N]."""
    if baseline == FULL_POWER:
        return full_power(gains, radio)[:, None]
    if baseline == AVERAGE_POWER:
        return average_power(expert_samples_w)[:, None]
    if baseline == WMMSE:
        return wmmse(gains, radio)[:, None]
    raise ValueError(
        f"baselines must be deterministic baselines (gsdiff.config.BASELINE_CANDIDATES); got {baseline!r}"
    )


def _check_kinds(name: str, keys, kinds: tuple[str, ...]) -> None:
    for key in keys:
        if not isinstance(key, Candidate) or key.kind not in kinds:
            raise ValueError(f"{name} must be keyed by candidates of kind {' or '.join(kinds)}; got {key!r}")


def candidate_samples(
    gains: torch.Tensor,
    f_min: float | torch.Tensor,
    expert_samples_w: torch.Tensor,
    radio: RadioConfig,
    *,
    policies: Mapping[Candidate, DiffusionPolicy] | None = None,
    num_samples: int = 100,
    sampling: Mapping[Candidate, SamplingSetting] | None = None,
    dual: Mapping[Candidate, DualTimeSharingConfig] | None = None,
    pools: Mapping[Candidate, torch.Tensor] | None = None,
    evaluation: EvaluationConfig | None = None,
    baselines: Sequence[Candidate] = (FULL_POWER, AVERAGE_POWER),
    seed: int = 0,
    expert_seconds: float = 0.0,
) -> dict[Candidate, CandidateSamples]:
    """Every candidate's samples on networks ``gains`` [B, N, N] at ``f_min``, in a fixed order: the expert
    drawn as the policies draw (``num_samples`` i.i.d. draws of its samples, seeded with ``seed``), its
    chain, the policies, the pools named in ``dual`` played by dual time-sharing (``dual_candidate(pool)``,
    over ``evaluation``'s windows), then the ``baselines`` (average power is the mean of the expert's
    samples).

    Args:
        expert_samples_w: [B, S, N] the expert's samples (in W) on these networks, in the chain's order.
        policies: candidate (kind "policy") -> policy; each draws ``num_samples`` allocations per network
            from a generator seeded with ``seed``, with ``sampling[candidate]`` (default: its own setting).
        dual: pool (the expert, a policy or one of ``pools``) -> its dual time-sharing settings.
        pools: extra pools [B, S, N] (kind "control") played only by dual time-sharing.
        expert_seconds: what the expert's samples cost, reported as its candidate's seconds.
    """
    check_networks(gains)
    check_int_at_least("num_samples", num_samples, 1)
    _check_kinds("policies", policies or {}, ("policy",))
    _check_kinds("pools", pools or {}, ("control",))
    if dual and evaluation is None:
        raise ValueError("evaluation must be given with dual: the schedule fills its windows")
    draws = torch.Generator().manual_seed(seed)
    out = {
        EXPERT: CandidateSamples(resample(expert_samples_w, num_samples, generator=draws), expert_seconds),
        EXPERT_CHAIN: CandidateSamples(expert_samples_w, expert_seconds),
    }
    for candidate, policy in (policies or {}).items():
        timer = time.perf_counter()
        generator = torch.Generator(device=gains.device).manual_seed(seed)
        setting = (sampling or {}).get(candidate)
        samples = policy.sample(gains, f_min, num_samples, setting, generator=generator)
        out[candidate] = CandidateSamples(samples, time.perf_counter() - timer)
    pooled = dict(out) | {c: CandidateSamples(p, 0.0) for c, p in (pools or {}).items()}
    for pool, config in (dual or {}).items():
        if pool not in pooled:
            names = ", ".join(c.label for c in pooled)
            raise ValueError(f"dual names {pool.label!r}, which is not a pool: the pools are {names}")
        timer = time.perf_counter()
        played = dual_time_sharing(gains, pooled[pool].samples_w, f_min, radio, evaluation, config)
        seconds = pooled[pool].seconds + time.perf_counter() - timer
        out[dual_candidate(pool)] = CandidateSamples(played, seconds)
    for baseline in baselines:
        out[baseline] = CandidateSamples(_baseline(baseline, gains, expert_samples_w, radio), 0.0)
    return out


def expert_and_candidates(
    gains: torch.Tensor,
    f_min: float | torch.Tensor,
    radio: RadioConfig,
    expert: ExpertConfig,
    *,
    seed: int = 0,
    **options,
) -> dict[Candidate, CandidateSamples]:
    """``candidate_samples`` on any networks: the expert runs here first (seeded with ``seed``, its time
    reported as its candidate's seconds); ``options`` as ``candidate_samples``'s keywords."""
    check_networks(gains)
    timer = time.perf_counter()
    expert_w = run_expert(gains, f_min, radio, expert, seed=seed).samples_w  # [B, S, N]
    seconds = time.perf_counter() - timer
    return candidate_samples(gains, f_min, expert_w, radio, seed=seed, expert_seconds=seconds, **options)
