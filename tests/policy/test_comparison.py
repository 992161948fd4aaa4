"""compare_to_expert: the expert, the policies and the baselines scored the same way on new problems."""

import pytest
import torch

from gsdiff.config import (
    DenoiserConfig,
    DiffusionConfig,
    DropConfig,
    DualTimeSharingConfig,
    EvaluationConfig,
    ExpertConfig,
    RadioConfig,
)
from gsdiff.policy.comparison import compare_to_expert
from gsdiff.policy.diffusion_policy import DiffusionPolicy, SamplingSetting
from gsdiff.solvers.baselines import average_power, full_power
from gsdiff.solvers.dual_time_sharing import dual_time_sharing
from gsdiff.solvers.expert import run_expert
from gsdiff.wireless.channel import drop_networks
from gsdiff.wireless.metrics import rate_metrics
from gsdiff.wireless.time_sharing import asymptotic_rates


def test_scores_match_direct_computations():
    torch.manual_seed(0)
    radio = RadioConfig()
    expert = ExpertConfig(num_iterations=30, burn_in=10, num_samples=5)
    gains = drop_networks(2, DropConfig(num_pairs=6, density_per_km2=10.0), seed=1).gains
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=20, sample_steps=3)
    )
    scores = compare_to_expert({"UGNN": policy}, gains, 0.5, radio, expert, num_samples=4, seed=3)
    assert list(scores) == ["expert", "UGNN", "full power", "average power"]
    expert_w = run_expert(gains, 0.5, radio, expert, seed=3).samples_w
    direct = {
        "expert": expert_w,
        "UGNN": policy.sample(gains, 0.5, 4, generator=torch.Generator().manual_seed(3)),
        "full power": full_power(gains, radio),
        "average power": average_power(expert_w),
    }
    for name, samples in direct.items():
        expected = rate_metrics(asymptotic_rates(gains, samples, radio), 0.5)
        assert scores[name]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
        assert scores[name]["mean"] == pytest.approx(expected["mean"], rel=1e-9)
    assert scores["expert"]["seconds"] > 0 and scores["UGNN"]["seconds"] > 0
    setting = SamplingSetting(steps=2, levels=3)
    sampling = {"UGNN": setting}
    fewer = compare_to_expert({"UGNN": policy}, gains, 0.5, radio, expert, 4, seed=3, sampling=sampling)
    two_steps = policy.sample(gains, 0.5, 4, generator=torch.Generator().manual_seed(3), **setting.kwargs())
    expected = rate_metrics(asymptotic_rates(gains, two_steps, radio), 0.5)
    assert fewer["UGNN"]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
    # with an evaluation schedule, candidates are scored on the samples it plays: 3 windows of 5 samples
    short = EvaluationConfig(num_slots=3, window_slots=1)
    played = compare_to_expert({"UGNN": policy}, gains, 0.5, radio, expert, 4, seed=3, evaluation=short)
    expected = rate_metrics(asymptotic_rates(gains, expert_w[:, [0, 1, 3]], radio), 0.5)  # (w * 5) // 3
    assert played["expert"]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
    expected = rate_metrics(asymptotic_rates(gains, direct["UGNN"][:, [0, 1, 2]], radio), 0.5)
    assert played["UGNN"]["mean"] == pytest.approx(expected["mean"], rel=1e-9)
    # dual time-sharing plays each named pool as gsdiff.solvers.dual_time_sharing schedules it
    dual = {"expert": DualTimeSharingConfig(margin=0.1), "UGNN": DualTimeSharingConfig(margin=0.2)}
    scheduled = compare_to_expert({"UGNN": policy}, gains, 0.5, radio, expert, 4, seed=3, dual=dual)
    assert list(scheduled)[2:4] == ["expert + dual time-sharing", "UGNN + dual time-sharing"]
    for name, schedule in dual.items():
        played = dual_time_sharing(gains, direct[name], 0.5, radio, EvaluationConfig(), schedule)
        expected = rate_metrics(asymptotic_rates(gains, played, radio), 0.5)
        assert scheduled[f"{name} + dual time-sharing"]["p5"] == pytest.approx(expected["p5"], rel=1e-9)
    with pytest.raises(ValueError, match="dual names 'GNN'"):
        compare_to_expert({"UGNN": policy}, gains, 0.5, radio, expert, 4, dual={"GNN": dual["UGNN"]})
    with pytest.raises(ValueError, match="num_samples"):
        compare_to_expert({}, gains, 0.5, radio, expert, num_samples=0)


def test_interferers_when_on_hand_worked():
    """Three users; user 0 transmits in samples 0 and 1, its strongest interferer (user 2) in sample 1."""
    from gsdiff.policy.comparison import interferers_when_on

    gains = torch.tensor([[[1.0, 0.01, 0.001], [0.02, 1.0, 0.0], [0.5, 0.0, 1.0]]])  # [B, j, i]
    x = torch.tensor([[[1.0, 0.0, 0.0], [0.5, 0.0, 1.0], [0.0, 1.0, 1.0]]])  # [B, S, N] fractions of P_max
    own, cleared = interferers_when_on(gains, x * 2.0, max_power_w=2.0, num_interferers=1)
    assert own[0, 0].item() == pytest.approx(0.75)  # (1 + 0.5) / 2
    assert cleared[0, 0].item() == pytest.approx(0.5)  # user 2 at 0 then 1
    assert cleared[0, 2].item() == pytest.approx(
        0.25
    )  # user 2 is on in samples 1, 2; its interferer 0: 0.5, 0
    assert own[0, 1].item() == pytest.approx(1.0) and cleared[0, 1].item() == pytest.approx(0.0)
    never = interferers_when_on(gains, torch.zeros(1, 2, 3), 1.0)[0]
    assert torch.isnan(never).all()  # nobody transmits: undefined, not zero
    with pytest.raises(ValueError, match="disagree"):
        interferers_when_on(gains, x[:, :, :2], 1.0)


def test_candidate_samples_order_and_contents():
    """expert, policies, dual time-sharing of the named pools (extra pools included), then the baselines;
    each candidate is exactly what the library call alone gives."""
    from gsdiff.policy import DUAL_SUFFIX, candidate_rates, candidate_samples, evaluate_candidates
    from gsdiff.solvers import random_levels, wmmse
    from gsdiff.wireless import evaluate_time_sharing

    torch.manual_seed(0)
    radio, evaluation = RadioConfig(), EvaluationConfig(num_slots=20, window_slots=2)
    gains = drop_networks(2, DropConfig(num_pairs=6, density_per_km2=10.0), seed=1).gains
    expert_w = run_expert(
        gains, 0.5, radio, ExpertConfig(num_iterations=30, burn_in=10, num_samples=5), seed=3
    ).samples_w
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=20, sample_steps=3)
    )
    control = random_levels(gains, 4, 3, radio, torch.Generator().manual_seed(0))
    dual = {"UGNN": DualTimeSharingConfig(margin=0.2), "random": DualTimeSharingConfig(margin=0.1)}
    candidates = candidate_samples(
        gains,
        0.5,
        expert_w,
        radio,
        policies={"UGNN": policy},
        num_samples=4,
        sampling={"UGNN": SamplingSetting(levels=3)},
        dual=dual,
        pools={"random": control},
        evaluation=evaluation,
        baselines=("full power", "average power", "WMMSE"),
        seed=7,
    )
    assert list(candidates) == [
        "expert",
        "UGNN",
        "UGNN" + DUAL_SUFFIX,
        "random" + DUAL_SUFFIX,
        "full power",
        "average power",
        "WMMSE",
    ]
    drawn = policy.sample(gains, 0.5, 4, generator=torch.Generator().manual_seed(7), levels=3)
    assert torch.equal(candidates["expert"].samples_w, expert_w)
    assert torch.equal(candidates["UGNN"].samples_w, drawn)
    played = dual_time_sharing(gains, drawn, 0.5, radio, evaluation, dual["UGNN"])
    assert torch.equal(candidates["UGNN" + DUAL_SUFFIX].samples_w, played)
    assert candidates["UGNN" + DUAL_SUFFIX].seconds >= candidates["UGNN"].seconds  # the pool's time included
    assert torch.equal(
        candidates["random" + DUAL_SUFFIX].samples_w,
        dual_time_sharing(gains, control, 0.5, radio, evaluation, dual["random"]),
    )
    assert torch.equal(candidates["WMMSE"].samples_w[:, 0], wmmse(gains, radio))
    assert torch.equal(candidates["average power"].samples_w[:, 0], average_power(expert_w))
    assert "random" not in candidates  # extra pools are played only by dual time-sharing
    results = evaluate_candidates(gains, candidates, radio, evaluation, seed=5)
    direct = evaluate_time_sharing(gains, drawn, radio, evaluation, seed=5)
    assert torch.equal(results["UGNN"].cumulative_rates, direct.cumulative_rates)
    exact = candidate_rates(gains, candidates, radio)
    assert torch.allclose(exact["full power"], asymptotic_rates(gains, full_power(gains, radio), radio))
    with pytest.raises(ValueError, match="baselines must be one of 'full power', 'average power', 'WMMSE'"):
        candidate_samples(gains, 0.5, expert_w, radio, baselines=("max power",))
    with pytest.raises(ValueError, match="dual names 'GNN', which is not a pool"):
        candidate_samples(gains, 0.5, expert_w, radio, dual={"GNN": dual["UGNN"]})


def test_compare_over_f_mins_and_sizes_are_compare_to_expert():
    from gsdiff.policy import compare_over_f_mins, compare_over_sizes

    torch.manual_seed(0)
    radio, expert = RadioConfig(), ExpertConfig(num_iterations=30, burn_in=10, num_samples=5)
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=20, sample_steps=3)
    )
    gains = drop_networks(2, DropConfig(num_pairs=6, density_per_km2=10.0), seed=1).gains
    levels = compare_over_f_mins({"P": policy}, gains, [0.4, 0.7], radio, expert, 3, seed=2)
    assert list(levels) == [0.4, 0.7]
    alone = compare_to_expert({"P": policy}, gains, 0.7, radio, expert, 3, seed=2)
    assert (
        levels[0.7]["P"]["p5"] == alone["P"]["p5"]
        and levels[0.7]["expert"]["mean"] == alone["expert"]["mean"]
    )
    sizes = compare_over_sizes({"P": policy}, [4, 7], (8.2, 11.9), 2, 0.5, radio, expert, 3, seed=2)
    nets = torch.cat(
        [drop_networks(2, DropConfig(num_pairs=7, density_per_km2=d), seed=2).gains for d in (8.2, 11.9)]
    )
    alone = compare_to_expert({"P": policy}, nets, 0.5, radio, expert, 3, seed=2)
    assert list(sizes) == [4, 7] and sizes[7]["P"]["mean"] == alone["P"]["mean"]
    grouped = compare_over_sizes(
        {"P": policy}, [7], (8.2, 11.9), 2, 0.5, radio, expert, 3, seed=2, by_density=True
    )
    assert list(grouped[7]) == ["all", 8.2, 11.9]
    assert grouped[7]["all"]["P"]["p5"] == sizes[7]["P"]["p5"]
    # A density's group scores that density's networks alone (the full-power baseline is deterministic).
    first = compare_to_expert({"P": policy}, nets[:2], 0.5, radio, expert, 3, seed=2)
    assert grouped[7][8.2]["full power"] == first["full power"]


def test_tail_coordination_is_interferers_when_on_over_the_worst_users():
    from gsdiff.policy import interferers_when_on, tail_coordination

    gains = drop_networks(2, DropConfig(num_pairs=6, density_per_km2=10.0), seed=1).gains
    samples = torch.rand(2, 8, 6, generator=torch.Generator().manual_seed(0)) * 0.01
    rates = torch.arange(12.0).reshape(2, 6)
    out = tail_coordination(gains, rates, {"a": samples}, 0.01, tail=0.25)
    own, cleared = interferers_when_on(gains, samples, 0.01)
    worst = rates <= torch.quantile(rates.flatten(), 0.25)  # users 0, 1, 2 of network 0
    assert int(worst.sum()) == 3
    assert out["a"] == pytest.approx((own[worst].nanmean().item(), cleared[worst].nanmean().item()))


def test_compare_over_sizes_uses_the_mean_field_above_exact_max_pairs(monkeypatch):
    import gsdiff.policy.comparison as comparison

    seen = []
    real = comparison._expert_comparison_rates

    def spy(policies, gains, f_min, radio, expert, num_samples, **options):
        seen.append((gains.shape[-1], expert.interferers, options["interferers"], options["dual"]["expert"]))
        return real(policies, gains, f_min, radio, expert, num_samples, **options)

    monkeypatch.setattr(comparison, "_expert_comparison_rates", spy)
    radio, expert = RadioConfig(), ExpertConfig(num_iterations=30, burn_in=10, num_samples=5)
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=20, sample_steps=3)
    )
    dual = {"expert": DualTimeSharingConfig(margin=0.1)}
    out = comparison.compare_over_sizes(
        {"P": policy}, [5, 9], (10.0,), 1, 0.5, radio, expert, 3, exact_max_pairs=6, interferers=3, dual=dual
    )
    assert list(out) == [5, 9] and "expert + dual time-sharing" in out[9]
    assert [s[:3] for s in seen] == [(5, None, None), (9, 3, 3)]
    assert seen[0][3].interferers is None and seen[1][3] == DualTimeSharingConfig(margin=0.1, interferers=3)
    with pytest.raises(ValueError, match="exact_max_pairs must be an integer >= 2"):
        comparison.compare_over_sizes({}, [5], (10.0,), 1, 0.5, radio, expert, 3, exact_max_pairs=1)
