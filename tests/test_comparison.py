"""compare_to_expert: the expert, the policies and the baselines scored the same way on new problems."""

import pytest
import torch

from gsdiff.baselines import average_power, full_power
from gsdiff.channel import drop_networks
from gsdiff.comparison import compare_to_expert
from gsdiff.config import DenoiserConfig, DiffusionConfig, DropConfig, ExpertConfig, RadioConfig
from gsdiff.evaluation import asymptotic_rates
from gsdiff.expert import run_expert
from gsdiff.metrics import rate_metrics
from gsdiff.policy import DiffusionPolicy


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
    with pytest.raises(ValueError, match="num_samples"):
        compare_to_expert({}, gains, 0.5, radio, expert, num_samples=0)
