"""compare_to_expert and its sweeps: the expert, the policies and the baselines scored the same way on new
problems."""

import pytest
import torch

from gsdiff.config import (
    AVERAGE_POWER,
    EXPERT,
    FULL_POWER,
    DropConfig,
    DualTimeSharingConfig,
    EvaluationConfig,
    ExpertConfig,
    RadioConfig,
    SamplingSetting,
    dual_candidate,
    policy_candidate,
)
from gsdiff.evaluation import compare_over_f_mins, compare_over_sizes, compare_to_expert, expert_for_size
from gsdiff.policy import DiffusionPolicy
from gsdiff.solvers.baselines import average_power, full_power
from gsdiff.solvers.dual_time_sharing import dual_time_sharing
from gsdiff.solvers.expert import run_expert
from gsdiff.wireless.channel import drop_networks
from gsdiff.wireless.metrics import rate_metrics
from gsdiff.wireless.time_sharing import asymptotic_rates
from tests.conftest import small_policy

UGNN, GNN = policy_candidate("ugnn"), policy_candidate("gnn")
RADIO = RadioConfig()
EXPERT_CONFIG = ExpertConfig(num_iterations=30, burn_in=10, num_samples=5)


def _policy() -> DiffusionPolicy:
    torch.manual_seed(0)
    return small_policy()


def _gains(num_networks: int = 2, num_pairs: int = 6, seed: int = 1) -> torch.Tensor:
    return drop_networks(num_networks, DropConfig(num_pairs=num_pairs, density_per_km2=10.0), seed=seed).gains


def test_scores_match_direct_computations():
    gains, policy = _gains(), _policy()
    scores = compare_to_expert(gains, 0.5, {UGNN: policy}, RADIO, EXPERT_CONFIG, num_samples=4, seed=3)
    assert list(scores) == [EXPERT, UGNN, FULL_POWER, AVERAGE_POWER]
    expert_w = run_expert(gains, 0.5, RADIO, EXPERT_CONFIG, seed=3).samples_w
    direct = {
        EXPERT: expert_w,
        UGNN: policy.sample(gains, 0.5, 4, generator=torch.Generator().manual_seed(3)),
        FULL_POWER: full_power(gains, RADIO),
        AVERAGE_POWER: average_power(expert_w),
    }
    for candidate, samples in direct.items():
        expected = rate_metrics(asymptotic_rates(gains, samples, RADIO), 0.5)
        assert scores[candidate]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
        assert scores[candidate]["mean"] == pytest.approx(expected["mean"], rel=1e-9)
    assert scores[EXPERT]["seconds"] > 0 and scores[UGNN]["seconds"] > 0
    setting = SamplingSetting(steps=2, power_levels=3)
    options = {"num_samples": 4, "seed": 3}
    fewer = compare_to_expert(
        gains, 0.5, {UGNN: policy}, RADIO, EXPERT_CONFIG, sampling={UGNN: setting}, **options
    )
    two_steps = policy.sample(gains, 0.5, 4, setting, generator=torch.Generator().manual_seed(3))
    expected = rate_metrics(asymptotic_rates(gains, two_steps, RADIO), 0.5)
    assert fewer[UGNN]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
    # with an evaluation schedule, candidates are scored on the samples it plays: 3 windows of 5 samples
    short = EvaluationConfig(num_slots=3, window_slots=1)
    played = compare_to_expert(gains, 0.5, {UGNN: policy}, RADIO, EXPERT_CONFIG, evaluation=short, **options)
    expected = rate_metrics(asymptotic_rates(gains, expert_w[:, [0, 1, 3]], RADIO), 0.5)  # (w * 5) // 3
    assert played[EXPERT]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
    expected = rate_metrics(asymptotic_rates(gains, direct[UGNN][:, [0, 1, 2]], RADIO), 0.5)
    assert played[UGNN]["mean"] == pytest.approx(expected["mean"], rel=1e-9)
    # dual time-sharing plays each named pool as gsdiff.solvers.dual_time_sharing schedules it
    dual = {EXPERT: DualTimeSharingConfig(margin=0.1), UGNN: DualTimeSharingConfig(margin=0.2)}
    evaluation = EvaluationConfig()
    scheduled = compare_to_expert(
        gains, 0.5, {UGNN: policy}, RADIO, EXPERT_CONFIG, dual=dual, evaluation=evaluation, **options
    )
    assert list(scheduled)[2:4] == [dual_candidate(EXPERT), dual_candidate(UGNN)]
    for pool, schedule in dual.items():
        scheduled_w = dual_time_sharing(gains, direct[pool], 0.5, RADIO, evaluation, schedule)
        expected = rate_metrics(asymptotic_rates(gains, scheduled_w, RADIO), 0.5)
        assert scheduled[dual_candidate(pool)]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
    with pytest.raises(ValueError, match="dual names 'GNN'"):
        compare_to_expert(
            gains,
            0.5,
            {UGNN: policy},
            RADIO,
            EXPERT_CONFIG,
            dual={GNN: dual[UGNN]},
            evaluation=evaluation,
            **options,
        )
    with pytest.raises(ValueError, match="num_samples"):
        compare_to_expert(gains, 0.5, {}, RADIO, EXPERT_CONFIG, num_samples=0)


def test_compare_over_f_mins_and_sizes_are_compare_to_expert():
    policy, gains = _policy(), _gains()
    policies = {UGNN: policy}
    by_f_min = compare_over_f_mins(gains, [0.4, 0.7], policies, RADIO, EXPERT_CONFIG, num_samples=3, seed=2)
    assert list(by_f_min) == [0.4, 0.7]
    alone = compare_to_expert(gains, 0.7, policies, RADIO, EXPERT_CONFIG, num_samples=3, seed=2)
    assert by_f_min[0.7][UGNN]["p5"] == alone[UGNN]["p5"]
    assert by_f_min[0.7][EXPERT]["mean"] == alone[EXPERT]["mean"]
    sizes = compare_over_sizes(
        [4, 7], (8.2, 11.9), 2, 0.5, policies, RADIO, EXPERT_CONFIG, num_samples=3, seed=2
    )
    nets = torch.cat(
        [drop_networks(2, DropConfig(num_pairs=7, density_per_km2=d), seed=2).gains for d in (8.2, 11.9)]
    )
    alone = compare_to_expert(nets, 0.5, policies, RADIO, EXPERT_CONFIG, num_samples=3, seed=2)
    assert list(sizes) == [4, 7] and sizes[7][UGNN]["mean"] == alone[UGNN]["mean"]
    grouped = compare_over_sizes(
        [7], (8.2, 11.9), 2, 0.5, policies, RADIO, EXPERT_CONFIG, num_samples=3, seed=2, by_density=True
    )
    assert list(grouped[7]) == ["all", 8.2, 11.9]
    assert grouped[7]["all"][UGNN]["p5"] == sizes[7][UGNN]["p5"]
    # A density's group scores that density's networks alone (the full-power baseline is deterministic).
    first = compare_to_expert(nets[:2], 0.5, policies, RADIO, EXPERT_CONFIG, num_samples=3, seed=2)
    assert grouped[7][8.2][FULL_POWER] == first[FULL_POWER]


def test_compare_over_sizes_uses_the_mean_field_above_exact_max_pairs(monkeypatch):
    import gsdiff.evaluation.comparison as comparison

    seen = []
    real = comparison.expert_and_candidates

    def spy(gains, f_min, radio, expert, **options):
        seen.append((gains.shape[-1], expert.interferers, options["dual"][EXPERT]))
        return real(gains, f_min, radio, expert, **options)

    monkeypatch.setattr(comparison, "expert_and_candidates", spy)
    dual = {EXPERT: DualTimeSharingConfig(margin=0.1)}
    out = comparison.compare_over_sizes(
        [5, 9],
        (10.0,),
        1,
        0.5,
        {UGNN: _policy()},
        RADIO,
        EXPERT_CONFIG,
        num_samples=3,
        exact_max_pairs=6,
        interferers=3,
        dual=dual,
        evaluation=EvaluationConfig(),
    )
    assert list(out) == [5, 9] and dual_candidate(EXPERT) in out[9]
    assert [s[:2] for s in seen] == [(5, None), (9, 3)]
    assert seen[0][2].interferers is None and seen[1][2] == DualTimeSharingConfig(margin=0.1, interferers=3)
    with pytest.raises(ValueError, match="exact_max_pairs must be an integer >= 2"):
        comparison.compare_over_sizes(
            [5], (10.0,), 1, 0.5, {}, RADIO, EXPERT_CONFIG, num_samples=3, exact_max_pairs=1
        )


def test_expert_for_size():
    assert expert_for_size(EXPERT_CONFIG, 50).interferers is None
    assert expert_for_size(EXPERT_CONFIG, 51).interferers == 16
    assert expert_for_size(EXPERT_CONFIG, 400, exact_max_pairs=None).interferers is None
    assert expert_for_size(EXPERT_CONFIG, 400, exact_max_pairs=100, interferers=8).interferers == 8
