"""Time-sharing with finitely many samples: what a policy's tail and mean keep, against the number of samples
it plays, for several ways of drawing them.

Played independently, a user that transmits in a quarter of S samples gets Binomial(S, 1/4) turns, and the
spread of turns lands in the lowest percentiles. The study compares, at each S, the expert's own iterates
(evenly spaced, as the evaluator plays a thinned chain), independent draws of the expert's samples (the
ceiling of a perfect imitator that samples independently), a policy's samples from i.i.d. Gaussian and from
quasi-random initial noise (``gsdiff.diffusion.initial_noise``), and the quasi-random pool played by dual
time-sharing. Every score is against the expert's exact value with all its samples.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import torch

from ..config import DualTimeSharingConfig, EvaluationConfig, RadioConfig
from ..policy import DiffusionPolicy
from ..solvers.dual_time_sharing import dual_time_sharing
from ..training.selection import validation_scores
from ..wireless.time_sharing import asymptotic_rates, resample

__all__ = ["sample_count_study"]


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
    """``validation_scores`` (exact rates) of each way of drawing S samples, for S in ``counts``, on networks
    ``gains`` [B, N, N] at ``f_min`` with the expert's samples [B, S_e, N]; keys name the ways of drawing
    (the policy labelled ``name``), values hold one score dict per count. The policy samples with its own
    setting, the initial noise changed."""
    reference = asymptotic_rates(gains, expert_samples_w, radio)
    f = torch.full((len(gains),), f_min, dtype=gains.dtype)
    scheduled = f"{name}, sobol noise, dual time-sharing"
    ways = ["expert's iterates", "independent draws of the expert's samples"]
    ways += [f"{name}, {noise} noise" for noise in ("gaussian", "sobol")] + [scheduled]
    curves: dict[str, list[dict[str, float]]] = {way: [] for way in ways}
    for s in counts:
        spaced = torch.linspace(0, expert_samples_w.shape[1] - 1, s).round().long()
        draws = {
            ways[0]: expert_samples_w[:, spaced],
            ways[1]: resample(expert_samples_w, s, generator=torch.Generator().manual_seed(seed)),
        }
        for noise in ("gaussian", "sobol"):
            setting = replace(policy.sampling, initial_noise=noise)
            draws[f"{name}, {noise} noise"] = policy.sample(
                gains, f_min, s, setting, generator=torch.Generator().manual_seed(seed)
            )
        pool = draws[f"{name}, sobol noise"]
        draws[scheduled] = dual_time_sharing(gains, pool, f_min, radio, evaluation, DualTimeSharingConfig())
        for way, x in draws.items():
            curves[way].append(validation_scores(asymptotic_rates(gains, x, radio), f, reference))
    return curves
