"""The quality targets as named checks, on hand-made metrics."""

from gsdiff.config import (
    AVERAGE_POWER,
    EXPERT,
    FULL_POWER,
    WMMSE,
    ExpertTargets,
    PolicyTargets,
    policy_candidate,
)

POLICY = policy_candidate("ugnn")


def _metrics(**p5_mean):
    return {name: {"p5": p5, "mean": mean, "feasible_fraction": 1.0} for name, (p5, mean) in p5_mean.items()}


def test_policy_targets_on_the_boundary():
    by_name = _metrics(expert=(0.8, 4.0), policy=(0.76, 3.92), fp=(0.2, 3.5), ap=(0.1, 3.6))
    m = {
        EXPERT: by_name["expert"],
        POLICY: by_name["policy"],
        FULL_POWER: by_name["fp"],
        AVERAGE_POWER: by_name["ap"],
    }
    checks = PolicyTargets().check(m, POLICY, f_min=0.6)
    # 0.76 = 0.95 x 0.8 and 3.92 = 0.98 x 4.0: both met exactly at the bound
    assert checks == {
        "p5 ≥ 0.95 × expert": True,
        "p5 ≥ f_min": True,
        "mean ≥ 0.98 × expert": True,
        "p5 above FP and AP": True,
    }
    m[POLICY]["p5"] = 0.759
    assert PolicyTargets().check(m, POLICY, f_min=0.76)["p5 ≥ 0.95 × expert"] is False
    assert PolicyTargets().check(m, POLICY, f_min=0.76)["p5 ≥ f_min"] is False
    assert PolicyTargets(p5_ratio=0.9).check(m, POLICY, 0.6)["p5 ≥ 0.9 × expert"] is True
    m[FULL_POWER]["p5"] = 0.8
    assert PolicyTargets().check(m, POLICY, 0.6)["p5 above FP and AP"] is False


def test_expert_targets():
    m = {
        EXPERT: {"p5": 0.7, "feasible_fraction": 0.99},
        FULL_POWER: {"p5": 0.2},
        AVERAGE_POWER: {"p5": 0.59},
    }
    checks = ExpertTargets().check(m, f_min=0.6)
    assert checks == {
        "feasible for ≥ 99% of users": True,
        "p5 ≥ f_min": True,
        "FP and AP below f_min at p5": True,
    }
    m[AVERAGE_POWER]["p5"] = 0.6  # not below f_min
    assert not all(ExpertTargets().check(m, f_min=0.6).values())
    m[EXPERT]["feasible_fraction"] = 0.98
    assert ExpertTargets().check(m, 0.6)["feasible for ≥ 99% of users"] is False


def test_labels_name_the_candidates():
    """Other references and baselines: the labels print each candidate's label (FP and AP by short names)."""
    gnn = policy_candidate("gnn")
    m = {
        POLICY: {"p5": 0.7, "mean": 3.0},
        gnn: {"p5": 0.7, "mean": 3.0},
        WMMSE: {"p5": 0.3},
        AVERAGE_POWER: {"p5": 0.69},
    }
    checks = PolicyTargets().check(m, POLICY, 0.6, reference=gnn, baselines=(WMMSE, AVERAGE_POWER))
    assert checks == {
        "p5 ≥ 0.95 × GNN": True,
        "p5 ≥ f_min": True,
        "mean ≥ 0.98 × GNN": True,
        "p5 above WMMSE and AP": True,
    }
    expert = ExpertTargets().check(
        {gnn: {"p5": 0.7, "feasible_fraction": 1.0}, WMMSE: {"p5": 0.65}}, 0.6, name=gnn, baselines=(WMMSE,)
    )
    assert expert["WMMSE below f_min at p5"] is False
