"""What each candidate plays: the expert, the policies, dual time-sharing of the named pools (extra pools
included), then the baselines, each exactly what the library call alone gives."""

import pytest
import torch

from gsdiff.config import (
    AVERAGE_POWER,
    EXPERT,
    EXPERT_CHAIN,
    FULL_POWER,
    RANDOM_LEVELS,
    WMMSE,
    DropConfig,
    DualTimeSharingConfig,
    EvaluationConfig,
    ExpertConfig,
    RadioConfig,
    SamplingSetting,
    dual_candidate,
    policy_candidate,
)
from gsdiff.evaluation import candidate_rates, candidate_samples, evaluate_candidates, expert_and_candidates
from gsdiff.solvers import average_power, dual_time_sharing, full_power, random_levels, run_expert, wmmse
from gsdiff.wireless import asymptotic_rates, drop_networks, evaluate_time_sharing, resample

UGNN = policy_candidate("ugnn")


def test_candidate_samples_order_and_contents(small_policy):
    torch.manual_seed(0)
    radio, evaluation = RadioConfig(), EvaluationConfig(num_slots=20, window_slots=2)
    gains = drop_networks(2, DropConfig(num_pairs=6, density_per_km2=10.0), seed=1).gains
    expert_w = run_expert(
        gains, 0.5, radio, ExpertConfig(num_iterations=30, burn_in=10, num_samples=5), seed=3
    ).samples_w
    policy = small_policy()
    control = random_levels(gains, 4, 3, radio, generator=torch.Generator().manual_seed(0))
    dual = {UGNN: DualTimeSharingConfig(margin=0.2), RANDOM_LEVELS: DualTimeSharingConfig(margin=0.1)}
    setting = SamplingSetting(steps=3, power_levels=3)
    candidates = candidate_samples(
        gains,
        0.5,
        expert_w,
        radio,
        policies={UGNN: policy},
        num_samples=4,
        sampling={UGNN: setting},
        dual=dual,
        pools={RANDOM_LEVELS: control},
        evaluation=evaluation,
        baselines=(FULL_POWER, AVERAGE_POWER, WMMSE),
        seed=7,
    )
    assert list(candidates) == [
        EXPERT,
        EXPERT_CHAIN,
        UGNN,
        dual_candidate(UGNN),
        dual_candidate(RANDOM_LEVELS),
        FULL_POWER,
        AVERAGE_POWER,
        WMMSE,
    ]
    drawn = policy.sample(gains, 0.5, 4, setting, generator=torch.Generator().manual_seed(7))
    # like for like: the expert drawn as the policy draws, 4 i.i.d. draws of its samples; its chain as it is
    assert torch.equal(
        candidates[EXPERT].samples_w, resample(expert_w, 4, generator=torch.Generator().manual_seed(7))
    )
    assert torch.equal(candidates[EXPERT_CHAIN].samples_w, expert_w)
    assert torch.equal(candidates[UGNN].samples_w, drawn)
    played = dual_time_sharing(gains, drawn, 0.5, radio, evaluation, dual[UGNN])
    assert torch.equal(candidates[dual_candidate(UGNN)].samples_w, played)
    assert candidates[dual_candidate(UGNN)].seconds >= candidates[UGNN].seconds  # the pool's time included
    assert torch.equal(
        candidates[dual_candidate(RANDOM_LEVELS)].samples_w,
        dual_time_sharing(gains, control, 0.5, radio, evaluation, dual[RANDOM_LEVELS]),
    )
    assert torch.equal(candidates[WMMSE].samples_w[:, 0], wmmse(gains, radio))
    assert torch.equal(candidates[AVERAGE_POWER].samples_w[:, 0], average_power(expert_w))  # of the chain
    assert RANDOM_LEVELS not in candidates  # extra pools are played only by dual time-sharing
    results = evaluate_candidates(gains, candidates, radio, evaluation, seed=5)
    direct = evaluate_time_sharing(gains, drawn, radio, evaluation, seed=5)
    assert torch.equal(results[UGNN].cumulative_rates, direct.cumulative_rates)
    # a schedule is played in order, whatever the evaluation's rule: one realization, its windows in turn
    schedule = evaluate_time_sharing(gains, played, radio, evaluation, play="ordered", seed=5)
    assert torch.equal(results[dual_candidate(UGNN)].cumulative_rates, schedule.cumulative_rates)
    assert (
        results[EXPERT_CHAIN].cumulative_rates.shape[1] == 1
        and results[EXPERT].cumulative_rates.shape[1] == 10
    )
    exact = candidate_rates(gains, candidates, radio)
    assert torch.allclose(exact[FULL_POWER], asymptotic_rates(gains, full_power(gains, radio), radio))
    with pytest.raises(ValueError, match="baselines must be deterministic baselines"):
        candidate_samples(gains, 0.5, expert_w, radio, baselines=(EXPERT,))
    gnn = policy_candidate("gnn")
    with pytest.raises(ValueError, match="dual names 'GNN', which is not a pool"):
        candidate_samples(gains, 0.5, expert_w, radio, dual={gnn: dual[UGNN]}, evaluation=evaluation)
    with pytest.raises(ValueError, match="policies must be keyed by candidates of kind policy"):
        candidate_samples(gains, 0.5, expert_w, radio, policies={"UGNN": policy})
    with pytest.raises(ValueError, match="evaluation must be given with dual"):
        candidate_samples(gains, 0.5, expert_w, radio, dual={EXPERT: dual[UGNN]})


def test_expert_and_candidates_runs_the_seeded_expert_first():
    radio, expert = RadioConfig(), ExpertConfig(num_iterations=30, burn_in=10, num_samples=5)
    gains = drop_networks(2, DropConfig(num_pairs=6, density_per_km2=10.0), seed=1).gains
    candidates = expert_and_candidates(
        gains, 0.5, radio, expert, seed=4, num_samples=3, baselines=(FULL_POWER,)
    )
    assert list(candidates) == [EXPERT, EXPERT_CHAIN, FULL_POWER] and candidates[EXPERT].seconds > 0
    chain = run_expert(gains, 0.5, radio, expert, seed=4).samples_w
    assert torch.equal(candidates[EXPERT_CHAIN].samples_w, chain)
    assert torch.equal(
        candidates[EXPERT].samples_w, resample(chain, 3, generator=torch.Generator().manual_seed(4))
    )
    assert torch.equal(candidates[FULL_POWER].samples_w[:, 0], full_power(gains, radio))
