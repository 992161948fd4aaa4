"""compare_to_expert and its sweeps: the expert, the policies and the baselines scored the same way on new
problems."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gsdiff.config import (
    AVERAGE_POWER,
    EXPERT,
    EXPERT_CHAIN,
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
from gsdiff.wireless.play import resample
from gsdiff.wireless.time_sharing import played_rates
from tests.conftest import small_policy

UGNN, GNN = policy_candidate("ugnn"), policy_candidate("gnn")
RADIO = RadioConfig()
EXPERT_CONFIG = ExpertConfig(num_iterations=30, burn_in=10, num_samples=5)


def _policy() -> DiffusionPolicy:
    torch.manual_seed(0)
    return small_policy()


def _gains(num_networks: int = 2, num_pairs: int = 6, seed: int = 1) -> torch.Tensor:
    return drop_networks(num_networks, DropConfig(num_pairs=num_pairs, density_per_km2=10.0), seed=seed).gains


EVALUATION = EvaluationConfig(num_slots=40, window_slots=4, repeats=3)  # 10 windows, i.i.d. draws


def test_scores_match_direct_computations():
    """Each candidate's metrics are those of its samples as the evaluation plays them, exactly over fading:
    the expert drawn as the policy draws (i.i.d., like for like) and its chain in order, the policy, the
    baselines; aggregated as the evaluation says."""
    gains, policy = _gains(), _policy()
    options = {"num_samples": 4, "seed": 3}
    scores = compare_to_expert(gains, 0.5, {UGNN: policy}, RADIO, EXPERT_CONFIG, EVALUATION, **options)
    assert list(scores) == [EXPERT, EXPERT_CHAIN, UGNN, FULL_POWER, AVERAGE_POWER]
    chain = run_expert(gains, 0.5, RADIO, EXPERT_CONFIG, seed=3).samples_w
    drawn = resample(chain, 4, generator=torch.Generator().manual_seed(3))
    direct = {
        EXPERT: (drawn, None),
        EXPERT_CHAIN: (chain, "ordered"),
        UGNN: (policy.sample(gains, 0.5, 4, generator=torch.Generator().manual_seed(3)), None),
        FULL_POWER: (full_power(gains, RADIO), None),
        AVERAGE_POWER: (average_power(chain), None),
    }
    for candidate, (samples, play) in direct.items():
        rates = played_rates(gains, samples, RADIO, EVALUATION, play=play, seed=3)
        expected = rate_metrics(rates, 0.5, aggregate="per_network")
        assert scores[candidate]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
        assert scores[candidate]["mean"] == pytest.approx(expected["mean"], rel=1e-9)
    assert scores[EXPERT]["seconds"] > 0 and scores[UGNN]["seconds"] > 0
    setting = SamplingSetting(steps=2, power_levels=3)
    fewer = compare_to_expert(
        gains, 0.5, {UGNN: policy}, RADIO, EXPERT_CONFIG, EVALUATION, sampling={UGNN: setting}, **options
    )
    two_steps = policy.sample(gains, 0.5, 4, setting, generator=torch.Generator().manual_seed(3))
    expected = rate_metrics(
        played_rates(gains, two_steps, RADIO, EVALUATION, seed=3), 0.5, aggregate="per_network"
    )
    assert fewer[UGNN]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
    # the pooled aggregation, on request
    pooled = compare_to_expert(
        gains, 0.5, {UGNN: policy}, RADIO, EXPERT_CONFIG, replace(EVALUATION, aggregate="pooled"), **options
    )
    rates = played_rates(gains, direct[UGNN][0], RADIO, EVALUATION, seed=3)
    assert pooled[UGNN]["p5"] == pytest.approx(rate_metrics(rates, 0.5)["p5"], rel=1e-9)
    # dual time-sharing plays each named pool as gsdiff.solvers.dual_time_sharing schedules it, in order
    dual = {EXPERT: DualTimeSharingConfig(margin=0.1), UGNN: DualTimeSharingConfig(margin=0.2)}
    scheduled = compare_to_expert(
        gains, 0.5, {UGNN: policy}, RADIO, EXPERT_CONFIG, EVALUATION, dual=dual, **options
    )
    assert list(scheduled)[3:5] == [dual_candidate(EXPERT), dual_candidate(UGNN)]
    for pool, schedule in dual.items():
        scheduled_w = dual_time_sharing(gains, direct[pool][0], 0.5, RADIO, EVALUATION, schedule)
        rates = played_rates(gains, scheduled_w, RADIO, EVALUATION, play="ordered", seed=3)
        expected = rate_metrics(rates, 0.5, aggregate="per_network")
        assert scheduled[dual_candidate(pool)]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
    with pytest.raises(ValueError, match="dual names 'GNN'"):
        compare_to_expert(
            gains, 0.5, {UGNN: policy}, RADIO, EXPERT_CONFIG, EVALUATION, dual={GNN: dual[UGNN]}, **options
        )
    with pytest.raises(ValueError, match="num_samples"):
        compare_to_expert(gains, 0.5, {}, RADIO, EXPERT_CONFIG, EVALUATION, num_samples=0)


def test_a_perfect_imitator_scores_one_like_for_like():
    """A "policy" that draws from exactly the expert's samples is the same random object as the reference:
    over many draws its metrics match the expert drawn alike, while against the chain in order its tail falls
    short (the finite-sample ceiling: independent draws do not balance turns)."""
    gains = _gains(8, 10, seed=5)
    chain = run_expert(gains, 0.6, RADIO, EXPERT_CONFIG, seed=1).samples_w  # 5 samples per network
    evaluation = EvaluationConfig(num_slots=60, window_slots=3, repeats=20)

    def drawn(seed: int) -> dict[str, float]:
        samples = resample(chain, 5, generator=torch.Generator().manual_seed(seed))
        return rate_metrics(
            played_rates(gains, samples, RADIO, evaluation, seed=seed), 0.6, aggregate="per_network"
        )

    imitator = [drawn(seed) for seed in range(0, 60, 2)]
    reference = [drawn(seed) for seed in range(1, 60, 2)]
    ordered = rate_metrics(
        played_rates(gains, chain, RADIO, evaluation, play="ordered"), 0.6, aggregate="per_network"
    )
    for key in ("mean", "p5"):
        i, r = (sum(m[key] for m in side) / len(side) for side in (imitator, reference))
        assert i / r == pytest.approx(1.0, abs=0.02 if key == "mean" else 0.05)
    assert sum(m["p5"] for m in imitator) / len(imitator) < ordered["p5"]


def test_compare_over_f_mins_and_sizes_are_compare_to_expert():
    policy, gains = _policy(), _gains()
    policies = {UGNN: policy}
    by_f_min = compare_over_f_mins(
        gains, [0.4, 0.7], policies, RADIO, EXPERT_CONFIG, EVALUATION, num_samples=3, seed=2
    )
    assert list(by_f_min) == [0.4, 0.7]
    alone = compare_to_expert(gains, 0.7, policies, RADIO, EXPERT_CONFIG, EVALUATION, num_samples=3, seed=2)
    assert by_f_min[0.7][UGNN]["p5"] == alone[UGNN]["p5"]
    assert by_f_min[0.7][EXPERT]["mean"] == alone[EXPERT]["mean"]
    sizes = compare_over_sizes(
        [4, 7], (8.2, 11.9), 2, 0.5, policies, RADIO, EXPERT_CONFIG, EVALUATION, num_samples=3, seed=2
    )
    nets = torch.cat(
        [
            drop_networks(2, DropConfig(num_pairs=7, density_per_km2=d), seed=2500 + i).gains
            for i, d in enumerate((8.2, 11.9))
        ]
    )
    alone = compare_to_expert(nets, 0.5, policies, RADIO, EXPERT_CONFIG, EVALUATION, num_samples=3, seed=2)
    assert list(sizes) == [4, 7] and sizes[7][UGNN]["mean"] == alone[UGNN]["mean"]
    assert sizes[7][UGNN]["p5"] == alone[UGNN]["p5"] and sizes[7][UGNN]["p5_spread"] > 0
    by_network = np.array(sizes[7][UGNN]["p5_by_network"])  # per_network: p5 is their mean
    assert len(by_network) == 4 and by_network.mean() == pytest.approx(sizes[7][UGNN]["p5"])
    assert by_network.std(ddof=1) == pytest.approx(sizes[7][UGNN]["p5_spread"])
    grouped = compare_over_sizes(
        [7],
        (8.2, 11.9),
        2,
        0.5,
        policies,
        RADIO,
        EXPERT_CONFIG,
        EVALUATION,
        num_samples=3,
        seed=2,
        by_density=True,
    )
    assert list(grouped[7]) == ["all", 8.2, 11.9]
    assert grouped[7]["all"][UGNN]["p5"] == sizes[7][UGNN]["p5"]
    # A density's group scores that density's networks alone (the full-power baseline is deterministic).
    first = compare_to_expert(
        nets[:2], 0.5, policies, RADIO, EXPERT_CONFIG, EVALUATION, num_samples=3, seed=2
    )
    assert grouped[7][8.2][FULL_POWER]["p5"] == first[FULL_POWER]["p5"]
    assert grouped[7][8.2][FULL_POWER]["mean"] == first[FULL_POWER]["mean"]


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
        EVALUATION,
        num_samples=3,
        exact_max_pairs=6,
        interferers=3,
        dual=dual,
    )
    assert list(out) == [5, 9] and dual_candidate(EXPERT) in out[9]
    assert [s[:2] for s in seen] == [(5, None), (9, 3)]
    assert seen[0][2].interferers is None and seen[1][2] == DualTimeSharingConfig(margin=0.1, interferers=3)
    with pytest.raises(ValueError, match="exact_max_pairs must be an integer >= 2"):
        comparison.compare_over_sizes(
            [5], (10.0,), 1, 0.5, {}, RADIO, EXPERT_CONFIG, EVALUATION, num_samples=3, exact_max_pairs=1
        )


def test_compare_over_sizes_takes_a_network_count_per_size(monkeypatch):
    import gsdiff.evaluation.comparison as comparison

    seen = []
    real = comparison.expert_and_candidates

    def spy(gains, f_min, radio, expert, **options):
        seen.append(tuple(gains.shape[:2]))
        return real(gains, f_min, radio, expert, **options)

    monkeypatch.setattr(comparison, "expert_and_candidates", spy)
    args = (0.5, {}, RADIO, EXPERT_CONFIG, EVALUATION)
    counts = {4: 3, 8: 1}
    out = comparison.compare_over_sizes([4, 8], (10.0, 12.0), counts, *args, num_samples=2, by_density=True)
    assert seen == [(6, 4), (2, 8)]  # 3 then 1 network per density
    assert out[8][12.0][EXPERT]["p5_spread"] == 0.0  # one network: no spread
    lacking = r"networks_per_density must give a count for every size; it lacks \[8\]"
    with pytest.raises(ValueError, match=lacking):
        comparison.compare_over_sizes([4, 8], (10.0,), {4: 1}, *args, num_samples=2)
    with pytest.raises(ValueError, match="networks_per_density must be an integer >= 1"):
        comparison.compare_over_sizes([4], (10.0,), {4: 0}, *args, num_samples=2)


def test_expert_for_size():
    assert expert_for_size(EXPERT_CONFIG, 50).interferers is None
    assert expert_for_size(EXPERT_CONFIG, 51).interferers == 16
    assert expert_for_size(EXPERT_CONFIG, 400, exact_max_pairs=None).interferers is None
    assert expert_for_size(EXPERT_CONFIG, 400, exact_max_pairs=100, interferers=8).interferers == 8
