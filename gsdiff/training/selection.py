"""Selection on validation problems: the scores a policy's sampled allocations get against the expert's,
and the rule that keeps a training checkpoint (``TrainConfig.select_by``). The choice of sampling settings
after training (``gsdiff.evaluation.search``) scores with the same ``validation_scores``. None of this looks
at the test split.
"""

from __future__ import annotations

import torch

from ..checks import check_choice
from ..config import SELECTION_RULES
from ..data import ExpertDataset
from ..wireless.metrics import rate_metrics

__all__ = ["validation_problems", "validation_scores", "selection_score"]


def validation_problems(
    dataset: ExpertDataset, count: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``count`` validation problems spread evenly over densities and f_min levels (gains, f_min, samples)."""
    gains, f_min, samples = dataset.split("validation")
    pick = torch.linspace(0, len(f_min) - 1, min(count, len(f_min))).round().long()
    return gains[pick], f_min[pick], samples[pick]


def validation_scores(
    rates: torch.Tensor, f_min: torch.Tensor, expert_rates: torch.Tensor, *, aggregate: str = "pooled"
) -> dict[str, float]:
    """A policy's validation scores from its rates [P, N] (or [R, P, N]: R realizations of an evaluation)
    and the expert's on the same problems.

    ``p5_margin``: p5 of r - f_min; ``p5_ratio``: the p5 of r / f_min divided by the expert's (rates as
    multiples of each problem's requirement, so that the tail of every f_min level counts, not mostly the
    lowest level's; problems with f_min = 0 have no requirement and are left out, unless all are);
    ``mean_ratio``: the mean rate divided by the expert's. The last two are the quantities the quality
    targets name. Percentiles are aggregated as ``rate_metrics`` does (``aggregate``).
    """
    keep = f_min > 0 if bool((f_min > 0).any()) else torch.ones_like(f_min, dtype=torch.bool)
    scale = torch.where(f_min[keep] > 0, f_min[keep], 1.0)[:, None]  # 1 when every f_min is 0

    def p5(r: torch.Tensor) -> float:
        return rate_metrics(r, 0.0, aggregate=aggregate)["p5"]

    return {
        "p5_margin": p5(rates - f_min[:, None]),
        "p5_ratio": p5(rates[..., keep, :] / scale) / p5(expert_rates[..., keep, :] / scale),
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
