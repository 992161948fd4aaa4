"""The quality targets as named checks, on hand-made metrics."""

from gsdiff.config import ExpertTargets, PolicyTargets


def _metrics(**p5_mean):
    return {name: {"p5": p5, "mean": mean, "feasible_fraction": 1.0} for name, (p5, mean) in p5_mean.items()}


def test_policy_targets_on_the_boundary():
    m = _metrics(expert=(0.8, 4.0), policy=(0.76, 3.92), fp=(0.2, 3.5), ap=(0.1, 3.6))
    m["full power"], m["average power"] = m.pop("fp"), m.pop("ap")
    checks = PolicyTargets().check(m, "policy", f_min=0.6)
    # 0.76 = 0.95 x 0.8 and 3.92 = 0.98 x 4.0: both met exactly at the bound
    assert checks == {
        "p5 ≥ 0.95 × expert": True,
        "p5 ≥ f_min": True,
        "mean ≥ 0.98 × expert": True,
        "p5 above FP and AP": True,
    }
    m["policy"]["p5"] = 0.759
    assert PolicyTargets().check(m, "policy", f_min=0.76)["p5 ≥ 0.95 × expert"] is False
    assert PolicyTargets().check(m, "policy", f_min=0.76)["p5 ≥ f_min"] is False
    assert PolicyTargets(p5_ratio=0.9).check(m, "policy", 0.6)["p5 ≥ 0.9 × expert"] is True
    m["full power"]["p5"] = 0.8
    assert PolicyTargets().check(m, "policy", 0.6)["p5 above FP and AP"] is False


def test_expert_targets():
    m = {
        "expert": {"p5": 0.7, "feasible_fraction": 0.99},
        "full power": {"p5": 0.2},
        "average power": {"p5": 0.59},
    }
    checks = ExpertTargets().check(m, f_min=0.6)
    assert checks == {
        "feasible for ≥ 99% of users": True,
        "p5 ≥ f_min": True,
        "FP and AP below f_min at p5": True,
    }
    m["average power"]["p5"] = 0.6  # not below f_min
    assert not all(ExpertTargets().check(m, f_min=0.6).values())
    m["expert"]["feasible_fraction"] = 0.98
    assert ExpertTargets().check(m, 0.6)["feasible for ≥ 99% of users"] is False
