"""The project's quality targets as named checks: what the expert and a policy must reach on held-out
networks (the chapters report them, the tests assert them).

Each ``check`` takes pooled metrics (``gsdiff.wireless.metrics.rate_metrics``) by candidate
(``gsdiff.config.candidates``) and returns ``{label: met}``, so a report prints the label and a test asserts
``all(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .candidates import AVERAGE_POWER, EXPERT, FULL_POWER, Candidate

__all__ = ["ExpertTargets", "PolicyTargets", "PaperResults", "PAPER_RESULTS"]

Metrics = Mapping[Candidate, Mapping[str, float]]
_SHORT = {FULL_POWER: "FP", AVERAGE_POWER: "AP"}  # how the labels name the deterministic baselines


def _names(baselines: Sequence[Candidate]) -> str:
    return " and ".join(_SHORT.get(b, b.label) for b in baselines)


@dataclass(frozen=True)
class ExpertTargets:
    """The expert meets f_min for nearly every user while the deterministic baselines fail the tail."""

    feasible_fraction: float = 0.99  # share of users whose ergodic rate meets f_min

    def check(
        self,
        metrics: Metrics,
        f_min: float,
        name: Candidate = EXPERT,
        baselines: Sequence[Candidate] = (FULL_POWER, AVERAGE_POWER),
    ) -> dict[str, bool]:
        m = metrics[name]
        out = {
            f"feasible for ≥ {self.feasible_fraction:.0%} of users": m["feasible_fraction"]
            >= self.feasible_fraction,
            "p5 ≥ f_min": m["p5"] >= f_min,
        }
        out[f"{_names(baselines)} below f_min at p5"] = all(metrics[b]["p5"] < f_min for b in baselines)
        return out


@dataclass(frozen=True)
class PolicyTargets:
    """A policy against the expert on the same networks: its tail and mean close to the expert's, its tail
    above f_min and above the deterministic baselines'."""

    p5_ratio: float = 0.95  # pooled 5th percentile >= this x the expert's
    mean_ratio: float = 0.98  # mean rate >= this x the expert's

    def check(
        self,
        metrics: Metrics,
        name: Candidate,
        f_min: float,
        reference: Candidate = EXPERT,
        baselines: Sequence[Candidate] = (FULL_POWER, AVERAGE_POWER),
    ) -> dict[str, bool]:
        m, ref = metrics[name], metrics[reference]
        return {
            f"p5 ≥ {self.p5_ratio:g} × {reference}": m["p5"] >= self.p5_ratio * ref["p5"],
            "p5 ≥ f_min": m["p5"] >= f_min,
            f"mean ≥ {self.mean_ratio:g} × {reference}": m["mean"] >= self.mean_ratio * ref["mean"],
            f"p5 above {_names(baselines)}": m["p5"] > max(metrics[b]["p5"] for b in baselines),
        }


@dataclass(frozen=True)
class PaperResults:
    """What the authors report for their U-GNN policy and expert (the extended paper's results section and
    SETUP.md): N = 400 pairs, f_min = 0.6 bits/s/Hz, four densities, held-out test networks, 500 fading slots
    with the sample changed every 5, trained on a GPU. The book compares its own numbers with these."""

    num_pairs: int = 400
    f_min: float = 0.6  # bits/s/Hz
    policy_mean: float = 2.805  # bits/s/Hz, the U-GNN's mean ergodic rate
    policy_p1: float = 0.510  # bits/s/Hz, 1st percentile over users
    policy_p5: float = 0.743  # bits/s/Hz, 5th percentile
    policy_feasible_fraction: float = 0.981  # share of users with r_i >= f_min
    expert_mean: float = 2.84  # bits/s/Hz
    expert_feasible_fraction: float = 0.991
    p5_gap: float = 0.053  # the U-GNN's 5th percentile this fraction below the expert's
    p10_gap: float = 0.009  # and its 10th percentile
    settling_slots: int = 20  # both policies' running p5 above f_min within this many slots
    transfer_pairs: tuple[int, int] = (200, 1600)  # sizes the N = 400 policy transfers to without retraining


PAPER_RESULTS = PaperResults()
