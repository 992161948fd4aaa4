"""Tests for gsdiff.viz.reports: a policy's report against the expert and the training caption."""

from __future__ import annotations

import pytest
import torch

from gsdiff.config import AVERAGE_POWER, EXPERT, FULL_POWER, TrainConfig, dual_candidate, policy_candidate
from gsdiff.viz import target_report, training_caption

DP, GNN, P = policy_candidate("dp", "DP"), policy_candidate("gnn"), policy_candidate("p", "P")
METRICS = {
    DP: {"p5": 0.45, "p1": 0.2, "mean": 1.8, "feasible_fraction": 0.953},
    EXPERT: {"p5": 0.5, "p1": 0.3, "mean": 2.0, "feasible_fraction": 0.99},
    GNN: {"p5": 0.4, "p1": 0.1, "mean": 2.4, "feasible_fraction": 0.9},
}
CHECKS = {"p5 ≥ 0.9 × expert": True, "mean ≥ 0.95 × expert": False}
SPREAD = {"p5": (0.85, 0.95), "mean": (0.8765, 0.92)}


def test_target_report_against_the_expert() -> None:
    assert target_report(DP, METRICS, CHECKS, SPREAD) == (
        "- **DP**: p5 = 0.450 (0.900 × expert), p1 = 0.200, mean 1.800 (0.900 × expert), 95.3% of users "
        "meet f_min. p5 ≥ 0.9 × expert: met, mean ≥ 0.95 × expert: **not met**. Resampling the test "
        "networks puts the p5 ratio in 0.850–0.950 × and the mean ratio in 0.876–0.920 × (95% bootstrap "
        "intervals). "
    )


def test_target_report_against_another_reference() -> None:
    report = target_report(DP, METRICS, {"p5": True}, SPREAD, reference=GNN)
    assert report.startswith("- **DP**: p5 = 0.450 (1.125 × GNN), p1 = 0.200, mean 1.800 (0.750 × GNN), ")
    assert "p5: met. Resampling" in report


def test_training_caption_reports_the_kept_step() -> None:
    infos = {
        "UGNN": {
            "history": {
                "step": [100, 200, 300],
                "seconds": [30.0, 60.0, 150.0],
                "val_loss": [0.2, 0.12345, 0.13],
                "val_p5_ratio": [0.8, 0.9123, 0.9],
                "val_mean_ratio": [0.9, 0.98765, 0.99],
            },
            "best_step": 200,
        },
        "GNN": {
            "history": {
                "step": [50],
                "seconds": [6.0],
                "val_loss": [0.5],
                "val_p5_ratio": [0.5],
                "val_mean_ratio": [1.0],
            },
            "best_step": 50,
        },
    }
    train = TrainConfig(batch_problems=4, samples_per_problem=3, eval_problems=5, eval_samples=6)
    assert training_caption(infos, train) == (
        "**Figure.** Training curves (4 problems × 3 samples per step; sampled scores on 5 validation "
        "problems with 6 samples each). UGNN: 300 steps in 2.5 min on the machine that trained it, kept: "
        "step 200 (validation loss 0.1235; sampled p5 0.912 × expert, mean 0.988 × expert); GNN: 50 steps "
        "in 0.1 min on the machine that trained it, kept: step 50 (validation loss 0.5000; sampled p5 "
        "0.500 × expert, mean 1.000 × expert)."
    )
    infos["GNN"]["best_step"] = 60  # not a step of its history
    with pytest.raises(ValueError):
        training_caption(infos, train)


class _Result:
    """Stands in for a TimeSharingResult: fixed ergodic rates [B, N]."""

    def __init__(self, rates):
        import torch

        self.ergodic_rates = torch.tensor(rates, dtype=torch.float64)
        self.aggregate = "pooled"

    def metrics(self, f_min):
        from gsdiff.wireless import rate_metrics

        return rate_metrics(self.ergodic_rates, f_min)


def test_policy_reports_both_plays_with_costs() -> None:
    import torch

    from gsdiff.config import DualTimeSharingConfig, SamplingSetting
    from gsdiff.evaluation import CandidateSamples
    from gsdiff.viz import policy_reports
    from gsdiff.wireless import rate_metrics

    expert_dual, p_dual = dual_candidate(EXPERT), dual_candidate(P)
    rates = {
        EXPERT: [[1.0, 2.0], [1.0, 3.0]],
        P: [[0.5, 2.0], [1.0, 3.0]],
        expert_dual: [[1.0, 2.0], [2.0, 3.0]],
        p_dual: [[1.0, 2.0], [1.0, 2.0]],
        FULL_POWER: [[0.1, 2.0], [0.1, 2.0]],
        AVERAGE_POWER: [[0.2, 2.0], [0.2, 2.0]],
    }
    results = {name: _Result(r) for name, r in rates.items()}
    samples = torch.zeros(2, 7, 2)
    candidates = {
        EXPERT: CandidateSamples(samples, 0.0),
        P: CandidateSamples(samples, 4.0),
        expert_dual: CandidateSamples(samples, 1.0),
        p_dual: CandidateSamples(samples, 6.5),
    }
    text = policy_reports(
        results,
        candidates,
        {P: SamplingSetting(margin=0.1)},
        {P: DualTimeSharingConfig(margin=0.25)},
        0.5,
    )
    first, second = text.split("\n")
    assert first.startswith("- **P**: ") and second.startswith("- **P + dual time-sharing**: ")
    assert "Drawing 7 allocations (margin 0.1) for each of 2 networks took 4 s (2.00 s per network)." in first
    m = {name: rate_metrics(results[name].ergodic_rates, 0.5) for name in rates}
    same = m[expert_dual]
    ratio = m[p_dual]["mean"] / same["mean"]
    assert f"the same schedule: p5 {m[p_dual]['p5'] / same['p5']:.3f} ×, mean {ratio:.3f} ×" in second
    assert "(margin 0.25) took 2.5 s." in second


def test_coordination_table_formats_tail_coordination() -> None:
    from gsdiff.config import DropConfig
    from gsdiff.evaluation import CandidateSamples, tail_coordination
    from gsdiff.viz import coordination_table
    from gsdiff.wireless import TimeSharingResult, drop_networks

    gains = drop_networks(2, DropConfig(num_pairs=6, density_per_km2=10.0), seed=1).gains
    generator = torch.Generator().manual_seed(0)
    expert, policy = (torch.rand(2, 8, 6, generator=generator) * 0.01 for _ in range(2))
    rates = torch.arange(12.0).reshape(1, 2, 6)  # [T = 1, B, N]
    candidates = {EXPERT: CandidateSamples(expert, 0.0), P: CandidateSamples(policy, 0.0)}
    results = {P: TimeSharingResult(cumulative_rates=rates)}
    table = coordination_table(gains, results, candidates, [P], 0.01)
    shares = tail_coordination(gains, rates[0], {EXPERT: expert, P: policy}, 0.01)
    own, cleared = shares[P]
    assert f"| bottom 5% of P | P | {own:.0%} of P_max | {cleared:.0%} of P_max |" in table.splitlines()
    assert len(table.splitlines()) == 2 + 2
