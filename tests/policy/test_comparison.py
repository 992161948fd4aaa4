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
