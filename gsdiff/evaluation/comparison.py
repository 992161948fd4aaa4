"""Candidates scored the same way on the same networks: played over fading slots (``evaluate_candidates``)
or exactly (``candidate_rates``), and the expert's comparisons on new problems that probe generalization:
``compare_to_expert`` (the expert run afresh, so any networks and f_min work), at f_min levels the policy
never trained on (``compare_over_f_mins``) and on networks larger than its training networks
(``compare_over_sizes``; the denoisers take graphs of any size, the expert turns mean-field above a size).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import torch

from ..checks import check_int_at_least
from ..config import (
    EXACT_MAX_PAIRS,
    MEAN_FIELD_INTERFERERS,
    Candidate,
    DualTimeSharingConfig,
    EvaluationConfig,
    ExpertConfig,
    RadioConfig,
    expert_for_size,
)
from ..policy import DiffusionPolicy
from ..wireless.channel import drop_at_densities
from ..wireless.metrics import percentiles, rate_metrics
from ..wireless.time_sharing import TimeSharingResult, asymptotic_rates, evaluate_time_sharing, played_rates
from .candidates import CandidateSamples, expert_and_candidates

__all__ = [
    "EXACT_MAX_PAIRS",  # re-exported from gsdiff.config, where the size rule lives (datasets use it too)
    "MEAN_FIELD_INTERFERERS",
    "expert_for_size",
    "evaluate_candidates",
    "candidate_rates",
    "compare_to_expert",
    "compare_over_f_mins",
    "compare_over_sizes",
    "SizeRun",
    "size_runs",
    "score_sizes",
]


def _play(candidate: Candidate) -> str | None:
    """A schedule is played in order; every other pool by the evaluation's rule."""
    return "ordered" if candidate.schedule else None


def evaluate_candidates(
    gains: torch.Tensor,
    candidates: Mapping[Candidate, CandidateSamples],
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    *,
    seed: int = 0,
) -> dict[Candidate, TimeSharingResult]:
    """Every candidate played over ``evaluation``'s fading slots (a schedule in order, a pool by
    ``evaluation.play``), each on the same fading draws (``seed``)."""
    return {
        c: evaluate_time_sharing(gains, s.samples_w, radio, evaluation, play=_play(c), seed=seed)
        for c, s in candidates.items()
    }


def candidate_rates(
    gains: torch.Tensor,
    candidates: Mapping[Candidate, CandidateSamples],
    radio: RadioConfig,
    evaluation: EvaluationConfig | None = None,
    *,
    seed: int = 0,
    interferers: int | None = None,
) -> dict[Candidate, torch.Tensor]:
    """Every candidate's exact ergodic rates over infinitely many fading slots: [1, B, N] of all its samples
    played equally often (``evaluation`` None), or [R, B, N] of the samples ``evaluate_candidates`` plays
    with the same seed; with ``interferers`` each receiver's strongest interferers exact and the rest by
    their mean field (large N)."""
    if evaluation is None:
        return {
            c: asymptotic_rates(gains, s.samples_w, radio, interferers=interferers)[None]
            for c, s in candidates.items()
        }
    return {
        c: played_rates(
            gains, s.samples_w, radio, evaluation, play=_play(c), seed=seed, interferers=interferers
        )
        for c, s in candidates.items()
    }


def compare_to_expert(
    gains: torch.Tensor,
    f_min: float,
    policies: Mapping[Candidate, DiffusionPolicy],
    radio: RadioConfig,
    expert: ExpertConfig,
    evaluation: EvaluationConfig,
    *,
    num_samples: int,
    seed: int = 0,
    interferers: int | None = None,
    **options,
) -> dict[Candidate, dict[str, float]]:
    """Metrics of the expert (run here, seeded, so any networks and f_min work; drawn as the policies draw
    and as its chain), each policy, the pools named in ``dual`` by dual time-sharing, and the ``baselines``
    on networks [B, N, N] at f_min (``options``: ``sampling``, ``dual``, ``baselines`` as
    ``candidate_samples``'s keywords).

    Rates are exact over fading, of the samples ``evaluation`` plays (``candidate_rates``; with
    ``interferers``, mean-field beyond each receiver's strongest, for large N), aggregated as it says. Values:
    ``rate_metrics`` plus "seconds" (time to run the expert or draw the samples, plus the dual
    time-sharing's).
    """
    check_int_at_least("num_samples", num_samples, 1)
    candidates = expert_and_candidates(
        gains,
        f_min,
        radio,
        expert,
        seed=seed,
        policies=policies,
        num_samples=num_samples,
        evaluation=evaluation,
        **options,
    )
    rates = candidate_rates(gains, candidates, radio, evaluation, seed=seed, interferers=interferers)
    return {
        c: rate_metrics(r, f_min, aggregate=evaluation.aggregate) | {"seconds": candidates[c].seconds}
        for c, r in rates.items()
    }


def compare_over_f_mins(
    gains: torch.Tensor,
    f_mins: Sequence[float],
    policies: Mapping[Candidate, DiffusionPolicy],
    radio: RadioConfig,
    expert: ExpertConfig,
    evaluation: EvaluationConfig,
    **options,
) -> dict[float, dict[Candidate, dict[str, float]]]:
    """``compare_to_expert`` at each f_min level on the same networks (``options`` as its keywords)."""
    return {
        f_min: compare_to_expert(gains, f_min, policies, radio, expert, evaluation, **options)
        for f_min in f_mins
    }


@dataclass(frozen=True)
class SizeRun:
    """One size of a size study: the new networks, every candidate's samples and rates on them."""

    gains: torch.Tensor  # [B, N, N] the networks, density-major, ``networks_per_density`` of each density
    densities_per_km2: tuple[float, ...]
    f_min: float
    candidates: dict[Candidate, CandidateSamples]  # what each candidate played
    rates: dict[Candidate, torch.Tensor]  # [R, B, N] their exact ergodic rates, as ``candidate_rates``


def size_runs(
    num_pairs: Sequence[int],
    densities_per_km2: Sequence[float],
    networks_per_density: int | Mapping[int, int],
    f_min: float,
    policies: Mapping[Candidate, DiffusionPolicy],
    radio: RadioConfig,
    expert: ExpertConfig,
    evaluation: EvaluationConfig,
    *,
    num_samples: int,
    seed: int = 0,
    pairing: str = "as_dropped",
    exact_max_pairs: int | None = None,
    interferers: int = MEAN_FIELD_INTERFERERS,
    dual: Mapping[Candidate, DualTimeSharingConfig] | None = None,
    **options,
) -> dict[int, SizeRun]:
    """The runs of ``compare_over_sizes`` (see there), kept for more than its scores (``score_sizes``,
    ``size_changes``): ``{N: SizeRun}``."""
    if exact_max_pairs is not None:
        check_int_at_least("exact_max_pairs", exact_max_pairs, 2)
    counts = _per_size("networks_per_density", networks_per_density, num_pairs)
    out = {}
    for n in num_pairs:
        check_int_at_least("num_pairs", n, 2)
        gains = drop_at_densities(counts[n], n, densities_per_km2, seed=seed, pairing=pairing)
        sized = expert_for_size(expert, n, exact_max_pairs=exact_max_pairs, interferers=interferers)
        k = sized.interferers
        candidates = expert_and_candidates(
            gains,
            f_min,
            radio,
            sized,
            seed=seed,
            policies=policies,
            num_samples=num_samples,
            evaluation=evaluation,
            dual={pool: replace(c, interferers=k) for pool, c in (dual or {}).items()},
            **options,
        )
        rates = candidate_rates(gains, candidates, radio, evaluation, seed=seed, interferers=k)  # [R, B, N]
        out[n] = SizeRun(gains, tuple(densities_per_km2), f_min, candidates, rates)
    return out


def score_sizes(
    runs: Mapping[int, SizeRun], evaluation: EvaluationConfig, *, by_density: bool = False
) -> dict[int, dict]:
    """The scores of ``compare_over_sizes`` (see there) from its runs."""
    out = {}
    for n, run in runs.items():
        per_density = run.gains.shape[0] // len(run.densities_per_km2)
        groups = {"all": slice(None)}
        if by_density:
            groups |= {
                d: slice(i * per_density, (i + 1) * per_density) for i, d in enumerate(run.densities_per_km2)
            }
        scored = {
            group: {
                c: _scored(r[:, rows], run.f_min, evaluation, run.candidates[c].seconds)
                for c, r in run.rates.items()
            }
            for group, rows in groups.items()
        }
        out[n] = scored if by_density else scored["all"]
    return out


def compare_over_sizes(
    num_pairs: Sequence[int],
    densities_per_km2: Sequence[float],
    networks_per_density: int | Mapping[int, int],
    f_min: float,
    policies: Mapping[Candidate, DiffusionPolicy],
    radio: RadioConfig,
    expert: ExpertConfig,
    evaluation: EvaluationConfig,
    *,
    by_density: bool = False,
    **options,
) -> dict[int, dict]:
    """``compare_to_expert`` on new networks of each size N: ``networks_per_density`` drops of N pairs at each
    density (one count, or one per size: e.g. fewer networks of more users each), seeded with ``seed`` and
    paired by ``pairing``; the same ``num_samples`` at every size; the other ``options`` as its keywords.

    Above ``exact_max_pairs`` pairs (None: never) the expert's primal step, the dual time-sharing's pool
    rates and the scored rates keep each receiver's ``interferers`` strongest interferers exact and the rest
    by their mean field (``expert_for_size``), which is what makes N in the thousands affordable.

    Returns ``{N: {candidate: metrics}}`` over every network, or with ``by_density``
    ``{N: {group: {candidate: metrics}}}`` for the groups "all" and each density (its value), from the same
    runs; each group's metrics also hold "p5_spread", the standard deviation over its networks of their own
    5th percentiles (how much one network's tail says), and "p5_by_network", those percentiles. The runs
    themselves: ``size_runs``, scored by ``score_sizes``.
    """
    runs = size_runs(
        num_pairs,
        densities_per_km2,
        networks_per_density,
        f_min,
        policies,
        radio,
        expert,
        evaluation,
        **options,
    )
    return score_sizes(runs, evaluation, by_density=by_density)


def _per_size(name: str, value: int | Mapping[int, int], sizes: Sequence[int]) -> dict[int, int]:
    """A count for every size: one for all, or a mapping that names each size (each count >= 1)."""
    if isinstance(value, Mapping):
        missing = [n for n in sizes if n not in value]
        if missing:
            raise ValueError(f"{name} must give a count for every size; it lacks {missing}")
        counts = {n: value[n] for n in sizes}
    else:
        counts = dict.fromkeys(sizes, value)
    for count in counts.values():
        check_int_at_least(name, count, 1)
    return counts


def _scored(rates: torch.Tensor, f_min: float, evaluation: EvaluationConfig, seconds: float) -> dict:
    """``rate_metrics`` of rates [R, B, N], each network's p5 (over realizations) and their spread, and the
    candidate's seconds."""
    per_network = percentiles(rates.double(), (5.0,))[..., 0].mean(0)  # [B]
    spread = per_network.std().item() if len(per_network) > 1 else 0.0
    metrics = rate_metrics(rates, f_min, aggregate=evaluation.aggregate)
    return metrics | {"p5_spread": spread, "p5_by_network": per_network.tolist(), "seconds": seconds}
