"""The project's quality targets as named checks: what the expert and a policy must reach on held-out
networks (the chapters report them, the tests assert them).

Each ``check`` takes pooled metrics (``gsdiff.wireless.metrics.rate_metrics``) by policy name and returns
``{label: met}``, so a report prints the label and a test asserts ``all(...)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["ExpertTargets", "PolicyTargets"]

Metrics = Mapping[str, Mapping[str, float]]
_SHORT = {"full power": "FP", "average power": "AP"}  # how the labels name the deterministic baselines


def _names(baselines: Sequence[str]) -> str:
    return " and ".join(_SHORT.get(b, b) for b in baselines)


@dataclass(frozen=True)
class ExpertTargets:
    """The expert meets f_min for nearly every user while the deterministic baselines fail the tail."""

    feasible_fraction: float = 0.99  # share of users whose ergodic rate meets f_min

    def check(
        self,
        metrics: Metrics,
        f_min: float,
        name: str = "expert",
        baselines: Sequence[str] = ("full power", "average power"),
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
        name: str,
        f_min: float,
        reference: str = "expert",
        baselines: Sequence[str] = ("full power", "average power"),
    ) -> dict[str, bool]:
        m, ref = metrics[name], metrics[reference]
        return {
            f"p5 ≥ {self.p5_ratio:g} × {reference}": m["p5"] >= self.p5_ratio * ref["p5"],
            "p5 ≥ f_min": m["p5"] >= f_min,
            f"mean ≥ {self.mean_ratio:g} × {reference}": m["mean"] >= self.mean_ratio * ref["mean"],
            f"p5 above {_names(baselines)}": m["p5"] > max(metrics[b]["p5"] for b in baselines),
        }
