"""Choices made on validation networks after training: sweeps over samplers, the sampling setting of a
policy (margin and projection onto power levels) and the margin of a dual time-sharing schedule.

Choices are scored as the test scores (the samples the evaluator plays, by its rule and realizations, with
exact rates instead of fading draws, aggregated as it says) against the expert drawn the same way (the
like-for-like reference, ``gsdiff.evaluation.candidates``), by the balanced score, the worse of p5 and mean
relative to the expert (``gsdiff.training.validation_scores``): a setting that buys tail with mean, or mean
with tail, is not preferred. None of this looks at the test split.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import torch

from ..config import DualTimeSharingConfig, EvaluationConfig, RadioConfig, SamplingSetting
from ..policy import DiffusionPolicy, project_to_levels
from ..solvers.dual_time_sharing import dual_picks
from ..training.selection import selection_score, validation_scores
from ..wireless.metrics import rate_metrics
from ..wireless.play import take_samples
from ..wireless.time_sharing import asymptotic_rates, played_rates, sample_rates

__all__ = ["sampler_sweep", "SettingSearch", "choose_sampling", "MarginSearch", "choose_dual_margin"]


def sampler_sweep(
    gains: torch.Tensor,
    f_min: torch.Tensor,
    policy: DiffusionPolicy,
    *,
    num_samples: int,
    settings: Sequence[SamplingSetting],
    seed: int = 0,
) -> list[dict]:
    """Score sampling settings as the training loop validates: one row per setting with its sampler and
    steps, the p5 and mean of the time-shared rates (exact) minus each problem's f_min, and the wall-clock
    seconds per network of drawing the samples."""
    rows = []
    for setting in settings:
        timer = time.perf_counter()
        samples = policy.sample(
            gains, f_min, num_samples, setting, generator=torch.Generator().manual_seed(seed)
        )
        seconds = time.perf_counter() - timer
        rates = asymptotic_rates(gains, samples, policy.configs["radio"])  # [P, N]
        m = rate_metrics(rates - f_min[:, None], 0.0)
        rows.append(
            {
                "sampler": setting.sampler.upper(),
                "steps": setting.steps,
                "p5": m["p5"],
                "mean": m["mean"],
                "seconds_per_network": seconds / len(gains),
            }
        )
    return rows


def _scored(
    rates: torch.Tensor, f_min: float, expert_rates: torch.Tensor, aggregate: str
) -> tuple[dict, dict]:
    """(``rate_metrics`` plus "balanced", ``validation_scores``) of rates [R, B, N] on networks at one f_min,
    against the expert's [R', B, N]."""
    f = torch.full((rates.shape[-2],), f_min, dtype=rates.dtype, device=rates.device)
    scores = validation_scores(rates, f, expert_rates, aggregate=aggregate)
    metrics = rate_metrics(rates, f_min, aggregate=aggregate)
    return metrics | {"balanced": selection_score(scores, "balanced")}, scores


@dataclass(frozen=True)
class SettingSearch:
    """A policy's sampling settings scored on validation networks, and the best one."""

    rows: dict[str, dict[str, float]]  # setting label -> rate_metrics plus "balanced" (and "balanced_chain")
    best: SamplingSetting
    best_scores: dict[str, float]  # the best setting's validation_scores
    best_samples_w: torch.Tensor  # [B, S, N] its samples (a pool for dual time-sharing)
    settings: dict[str, SamplingSetting] = field(default_factory=dict)  # setting label -> the setting
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # setting label -> validation_scores

    def best_by(self, key: str, margins: Sequence[float] | None = None) -> SamplingSetting:
        """The setting with the best ``key`` of its row (e.g. "balanced_chain": the choice against the
        expert's chain), among those with one of ``margins`` (default: all); the first on ties."""
        labels = [
            label
            for label, s in self.settings.items()
            if margins is None or any(abs(s.margin - m) < 1e-12 for m in margins)
        ]
        if not labels:
            raise ValueError(f"margins {list(margins or [])} name no setting of the search")
        return self.settings[max(labels, key=lambda label: self.rows[label][key])]


def choose_sampling(
    gains: torch.Tensor,
    f_min: float,
    expert_rates: torch.Tensor,
    policy: DiffusionPolicy,
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    *,
    num_samples: int,
    margins: Sequence[float],
    power_levels: Sequence[int | None],
    seed: int = 0,
    chain_rates: torch.Tensor | None = None,
    samplers: Sequence[tuple[str, int, str]] = (),
    step_tolerance: float = 0.0,
) -> SettingSearch:
    """Try every requested margin with every projection onto power levels (None: no projection) on
    validation networks ``gains`` at ``f_min``, each a change of the policy's own setting, with its own
    sampler and with each of ``samplers`` (sampler, steps, timestep_spacing); keep the setting with the best
    balanced score (the first on ties), or, with ``step_tolerance``, the one with the fewest steps among
    those whose p5 ratio and mean ratio are each within that of the best setting's (the better balanced
    score among equals): a cheaper sampler is kept only where it keeps both the tail and the mean.
    ``expert_rates`` [R, B, N] are the expert's played rates on the same networks (drawn as the policy
    draws: the like-for-like reference); the policy's are played by ``evaluation`` with the picks of
    ``seed``. With ``chain_rates`` (the expert's chain in order, the stricter reference) every row also
    holds its "balanced_chain" score against it.
    Every row holds "steps" (denoiser passes per sample) and "seconds_per_network" (drawing them)."""
    rows, scored, settings, all_scores = {}, [], {}, {}
    own = replace(policy.sampling, power_levels=None)
    variants = [own] + [
        replace(own, sampler=kind, steps=steps, timestep_spacing=spacing, eta=0.0)
        for kind, steps, spacing in samplers
    ]
    for variant in dict.fromkeys(variants):  # in order, each once
        for margin in margins:
            drawn = replace(variant, margin=margin)
            timer = time.perf_counter()
            x = policy.sample(gains, f_min, num_samples, drawn, generator=torch.Generator().manual_seed(seed))
            seconds = (time.perf_counter() - timer) / len(gains)
            for levels in power_levels:
                setting = replace(drawn, power_levels=levels)
                on_grid = x if levels is None else project_to_levels(x, radio.max_power_w, levels)
                rates = played_rates(gains, on_grid, radio, evaluation, seed=seed)  # [R, B, N]
                metrics, scores = _scored(rates, f_min, expert_rates, evaluation.aggregate)
                if chain_rates is not None:
                    chain = _scored(rates, f_min, chain_rates, evaluation.aggregate)[0]
                    metrics["balanced_chain"] = chain["balanced"]
                metrics |= {"steps": setting.steps, "seconds_per_network": seconds}
                rows[setting.label], settings[setting.label], all_scores[setting.label] = (
                    metrics,
                    setting,
                    scores,
                )
                scored.append((metrics["balanced"], setting, scores, on_grid))
    top = max(scored, key=lambda row: row[0])[2]  # the best balanced score's p5 and mean ratios
    near = [
        row
        for row in scored
        if all(row[2][key] >= top[key] - step_tolerance for key in ("p5_ratio", "mean_ratio"))
    ]
    # fewest steps first, then the better score; max() keeps the first of equal rows, as before
    _, best, scores, samples = max(near, key=lambda row: (-row[1].steps, row[0]))
    return SettingSearch(rows, best, scores, samples, settings, all_scores)


@dataclass(frozen=True)
class MarginSearch:
    """Dual time-sharing margins of one pool scored on validation networks, and the best one."""

    rows: dict[float, dict[str, float]]  # margin -> rate_metrics, "balanced" and "distinct samples"
    best: DualTimeSharingConfig


def choose_dual_margin(
    gains: torch.Tensor,
    pool_w: torch.Tensor,
    f_min: float,
    expert_rates: torch.Tensor,
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    *,
    margins: Sequence[float],
) -> MarginSearch:
    """Play the pool [B, S, N] by dual time-sharing with each margin (exact rates of the played samples, a
    schedule played in order) and keep the best balanced score against ``expert_rates`` [R, B, N] (the larger
    margin on ties). "distinct samples" is how many of the pool a network's schedule plays, on average."""
    pool_rates = sample_rates(gains, pool_w, radio)  # [B, S, N] exact rates of each pooled sample
    rows, scored = {}, []
    for margin in margins:
        picks = dual_picks(pool_rates, f_min, evaluation.num_windows, DualTimeSharingConfig(margin=margin))
        rates = take_samples(pool_rates, picks).mean(1)[None]  # [1, B, N]: one schedule
        metrics, _ = _scored(rates, f_min, expert_rates, evaluation.aggregate)
        distinct = sum(len(torch.unique(p)) for p in picks) / len(picks)
        rows[margin] = metrics | {"distinct samples": distinct}
        scored.append((metrics["balanced"], margin))
    return MarginSearch(rows, DualTimeSharingConfig(margin=max(scored)[1]))
