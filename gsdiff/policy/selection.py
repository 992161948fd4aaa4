"""Model and sampler selection on validation problems: the scores a policy's sampled allocations get against
the expert's, the rule that keeps a training checkpoint, sweeps over samplers, and the choice of a policy's
sampling setting and of a dual time-sharing margin.

Choices are scored as the test scores (the samples the evaluator plays, with exact rates instead of fading
draws) by the balanced score, the worse of p5 and mean relative to the expert: a setting that buys tail
with mean, or mean with tail, is not preferred. None of this looks at the test split.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from ..checks import check_choice
from ..config import SELECTION_RULES, DualTimeSharingConfig, EvaluationConfig, RadioConfig
from ..solvers.dual_time_sharing import dual_picks
from ..wireless.metrics import rate_metrics
from ..wireless.time_sharing import asymptotic_rates, played_rates, sample_rates, take_samples
from .datasets import ExpertDataset
from .diffusion_policy import DiffusionPolicy, SamplingSetting, project_to_levels

__all__ = [
    "validation_problems",
    "validation_scores",
    "selection_score",
    "sampler_sweep",
    "SettingSearch",
    "choose_sampling",
    "MarginSearch",
    "choose_dual_margin",
]


def validation_problems(
    dataset: ExpertDataset, count: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``count`` validation problems spread evenly over densities and f_min levels (gains, f_min, samples)."""
    gains, f_min, samples = dataset.split("validation")
    pick = torch.linspace(0, len(f_min) - 1, min(count, len(f_min))).round().long()
    return gains[pick], f_min[pick], samples[pick]


def validation_scores(
    rates: torch.Tensor, f_min: torch.Tensor, expert_rates: torch.Tensor
) -> dict[str, float]:
    """A policy's validation scores from its rates [P, N] and the expert's on the same problems.

    ``p5_margin``: p5 of r - f_min, pooled; ``p5_ratio``: the pooled p5 of r / f_min divided by the
    expert's (rates as multiples of each problem's requirement, so that the tail of every
    f_min level counts, not mostly the lowest level's; problems with f_min = 0 have no requirement and are
    left out, unless all are); ``mean_ratio``: the mean rate divided by the expert's. The last two are the
    quantities the quality targets name.
    """
    keep = f_min > 0 if bool((f_min > 0).any()) else torch.ones_like(f_min, dtype=torch.bool)
    scale = torch.where(f_min[keep] > 0, f_min[keep], 1.0)[:, None]  # 1 when every f_min is 0
    relative = rate_metrics(rates[keep] / scale, 0.0)["p5"]
    expert_relative = rate_metrics(expert_rates[keep] / scale, 0.0)["p5"]
    return {
        "p5_margin": rate_metrics(rates - f_min[:, None], 0.0)["p5"],
        "p5_ratio": relative / expert_relative,
        "mean_ratio": rates.mean().item() / expert_rates.mean().item(),
    }


def selection_score(scores: dict[str, float], rule: str) -> float:
    """What best-checkpoint keeping maximizes (``TrainConfig.select_by``).

    - ``"loss"``: minus the held-out diffusion loss (``scores["loss"]``): the fit of the expert's
      distribution itself, measured on common random numbers, so nearly free of sampling noise.
    - ``"balanced"``: the worse of the policy's p5 and mean relative to the expert (a fair but wasteful
      policy has a high tail and a low mean; an under-coordinated one the reverse).
    - ``"p5"``: the p5 margin alone.

    The two sampled scores reward a policy for more than imitation: a few samples per problem leave i.i.d.
    time-sharing noise in every user's rate, and an under-fitted policy that spreads airtime towards weak
    users hides that noise in the tail (see the training chapter).
    """
    check_choice("select_by", rule, SELECTION_RULES)
    if rule == "loss":
        return -scores["loss"]
    return scores["p5_margin"] if rule == "p5" else min(scores["p5_ratio"], scores["mean_ratio"])


def sampler_sweep(
    policy: DiffusionPolicy,
    gains: torch.Tensor,
    f_min: torch.Tensor,
    num_samples: int,
    settings: list[tuple[str, int]],
    seed: int = 0,
) -> list[dict]:
    """Score (sampler, steps) settings as the training loop validates: one row per setting with the p5 and
    mean of the time-shared rates (exact) minus each problem's f_min, and the wall-clock seconds per network
    of drawing the samples."""
    rows = []
    for sampler, steps in settings:
        timer = time.perf_counter()
        samples = policy.sample(
            gains, f_min, num_samples, steps, generator=torch.Generator().manual_seed(seed), sampler=sampler
        )
        seconds = time.perf_counter() - timer
        rates = asymptotic_rates(gains, samples, policy.configs["radio"])  # [P, N]
        m = rate_metrics(rates - f_min[:, None], 0.0)
        rows.append(
            {
                "sampler": sampler.upper(),
                "steps": steps,
                "p5": m["p5"],
                "mean": m["mean"],
                "seconds_per_network": seconds / len(gains),
            }
        )
    return rows


def _scored(rates: torch.Tensor, f_min: float, expert_rates: torch.Tensor) -> tuple[dict, dict]:
    """(``rate_metrics`` plus "balanced", ``validation_scores``) of rates [B, N] on networks at one f_min."""
    scores = validation_scores(rates, torch.full((len(rates),), f_min, dtype=rates.dtype), expert_rates)
    return rate_metrics(rates, f_min) | {"balanced": selection_score(scores, "balanced")}, scores


@dataclass(frozen=True)
class SettingSearch:
    """A policy's sampling settings scored on validation networks, and the best one."""

    rows: dict[str, dict[str, float]]  # setting label -> rate_metrics plus "balanced"
    best: SamplingSetting
    best_scores: dict[str, float]  # the best setting's validation_scores
    best_samples_w: torch.Tensor  # [B, S, N] its samples (a pool for dual time-sharing)


def choose_sampling(
    policy: DiffusionPolicy,
    gains: torch.Tensor,
    f_min: float,
    expert_rates: torch.Tensor,
    num_samples: int,
    margins: Sequence[float],
    levels: Sequence[int | None],
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    seed: int = 0,
) -> SettingSearch:
    """Try every requested margin with every projection onto power levels (None: no projection) on
    validation networks ``gains`` at ``f_min``; keep the setting with the best balanced score (the first
    on ties). ``expert_rates`` [B, N] are the expert's played rates on the same networks."""
    rows, scored = {}, []
    for margin in margins:
        x = policy.sample(
            gains, f_min, num_samples, generator=torch.Generator().manual_seed(seed), margin=margin
        )
        for level in levels:
            setting = SamplingSetting(margin=margin, levels=level)
            on_grid = x if level is None else project_to_levels(x, radio.max_power_w, level)
            metrics, scores = _scored(played_rates(gains, on_grid, radio, evaluation), f_min, expert_rates)
            rows[setting.label] = metrics
            scored.append((metrics["balanced"], setting, scores, on_grid))
    _, best, scores, samples = max(scored, key=lambda row: row[0])
    return SettingSearch(rows, best, scores, samples)


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
    margins: Sequence[float],
    radio: RadioConfig,
    evaluation: EvaluationConfig,
) -> MarginSearch:
    """Play the pool [B, S, N] by dual time-sharing with each margin (exact rates of the played samples) and
    keep the best balanced score (the larger margin on ties). "distinct samples" is how many of the pool a
    network's schedule plays, on average."""
    pool_rates = sample_rates(gains, pool_w, radio)  # [B, S, N] exact rates of each pooled sample
    rows, scored = {}, []
    for margin in margins:
        picks = dual_picks(pool_rates, f_min, evaluation.num_windows, DualTimeSharingConfig(margin=margin))
        metrics, _ = _scored(take_samples(pool_rates, picks).mean(1), f_min, expert_rates)
        distinct = sum(len(torch.unique(p)) for p in picks) / len(picks)
        rows[margin] = metrics | {"distinct samples": distinct}
        scored.append((metrics["balanced"], margin))
    return MarginSearch(rows, DualTimeSharingConfig(margin=max(scored)[1]))
