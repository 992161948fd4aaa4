"""Time-sharing with finitely many samples: the ceiling of a perfect imitator, and where a policy sits on it.

Played by i.i.d. draws, a user that transmits in a quarter of K samples gets a Binomial number of turns,
and the spread of turns lands in the lowest percentiles: a policy drawing K samples from exactly the
expert's distribution (a *perfect imitator*: K i.i.d. draws of the expert's own samples) keeps less of the
tail than the expert's chain of iterates played in order, whose turns the dual dynamics balance. Against the
expert drawn the same way (K i.i.d. draws, another seed: the like-for-like reference) the perfect imitator
scores 1 but for sampling noise at every K; against the chain it scores the *ceiling* that no policy playing
K independent samples can pass. The study measures both, at each K, for the perfect imitator and for a
policy's samples from i.i.d. Gaussian and from quasi-random initial noise (``gsdiff.diffusion.initial_noise``)
and the quasi-random pool played by dual time-sharing (a schedule, in order). Every score is exact over
fading (``played_rates``), under the evaluation's rule, realizations and aggregation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch

from ..config import DualTimeSharingConfig, EvaluationConfig, RadioConfig
from ..policy import DiffusionPolicy
from ..solvers.dual_time_sharing import dual_time_sharing
from ..training.selection import validation_scores
from ..wireless.play import resample
from ..wireless.time_sharing import played_rates

__all__ = ["IMITATOR", "sample_count_study"]

IMITATOR = "a perfect imitator (K i.i.d. draws of the expert's samples)"


def sample_count_study(
    gains: torch.Tensor,
    expert_samples_w: torch.Tensor,
    f_min: float,
    policy: DiffusionPolicy,
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    *,
    counts: Sequence[int],
    name: str,
    seed: int = 0,
) -> dict[str, list[dict[str, float]]]:
    """For each way of drawing K samples and each K in ``counts``, on networks ``gains`` [B, N, N] at
    ``f_min`` with the expert's chain [B, S, N]: ``validation_scores`` against the expert drawn the same way
    ("p5_ratio", "mean_ratio": like for like) and against the chain played in order ("p5_ratio_chain",
    "mean_ratio_chain": the stricter reference). Keys name the ways of drawing (the policy labelled
    ``name``); values hold one score dict per count."""

    def rates_of(samples: torch.Tensor, play: str | None = None) -> torch.Tensor:
        return played_rates(gains, samples, radio, evaluation, play=play, seed=seed)  # [R, B, N]

    f = torch.full((len(gains),), f_min, dtype=gains.dtype)
    chain = rates_of(expert_samples_w, "ordered")
    scheduled = f"{name}, sobol noise, dual time-sharing"
    ways = [IMITATOR, *(f"{name}, {noise} noise" for noise in ("gaussian", "sobol")), scheduled]
    curves: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
    for k in counts:
        reference = rates_of(_draws(expert_samples_w, k, seed))  # the expert drawn as a K-sample policy draws
        drawn = {IMITATOR: _draws(expert_samples_w, k, seed + 1)}  # the same distribution, other draws
        for noise in ("gaussian", "sobol"):
            setting = replace(policy.sampling, initial_noise=noise)
            drawn[f"{name}, {noise} noise"] = policy.sample(
                gains, f_min, k, setting, generator=torch.Generator().manual_seed(seed)
            )
        pool = drawn[f"{name}, sobol noise"]
        schedule = dual_time_sharing(gains, pool, f_min, radio, evaluation, DualTimeSharingConfig())
        for way, samples in drawn.items():
            rates = rates_of(samples)
            curves[way].append(_scores(rates, f, reference, chain, evaluation))
        curves[scheduled].append(_scores(rates_of(schedule, "ordered"), f, reference, chain, evaluation))
    return curves


def _draws(expert_samples_w: torch.Tensor, k: int, seed: int) -> torch.Tensor:
    return resample(expert_samples_w, k, generator=torch.Generator().manual_seed(seed))


def _scores(rates, f, reference, chain, evaluation: EvaluationConfig) -> dict[str, float]:
    like = validation_scores(rates, f, reference, aggregate=evaluation.aggregate)
    strict = validation_scores(rates, f, chain, aggregate=evaluation.aggregate)
    return like | {"p5_ratio_chain": strict["p5_ratio"], "mean_ratio_chain": strict["mean_ratio"]}
