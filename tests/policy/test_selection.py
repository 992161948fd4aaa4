"""Model and sampler selection: validation scores, the keeping rule, sampler sweeps, the choice of a
sampling setting and of a dual time-sharing margin."""

import numpy as np
import pytest
import torch

from gsdiff.policy import DiffusionPolicy, sampler_sweep, selection_score, validation_scores
from gsdiff.wireless import asymptotic_rates


def test_sampler_override_and_sweep(profile, tmp_path):
    torch.manual_seed(0)
    policy = DiffusionPolicy(profile.denoiser, profile.diffusion, profile.radio, profile.graph)
    gains = torch.rand(2, 5, 5) * 1e-9 + torch.eye(5) * 1e-7
    f_min = torch.tensor([0.5, 0.7])
    ddpm = policy.sample(gains, f_min, 3, steps=4, sampler="ddpm", generator=torch.Generator().manual_seed(1))
    ddim = policy.sample(gains, f_min, 3, steps=4, sampler="ddim", generator=torch.Generator().manual_seed(1))
    assert ddpm.shape == ddim.shape == (2, 3, 5) and not torch.equal(ddpm, ddim)
    with pytest.raises(ValueError, match="sampler must be one of 'ddim', 'ddpm'; got 'euler'"):
        policy.sample(gains, f_min, 3, sampler="euler")
    rows = sampler_sweep(policy, gains, f_min, 3, [("ddim", 2), ("ddpm", 4)], seed=1)
    assert [(r["sampler"], r["steps"]) for r in rows] == [("DDIM", 2), ("DDPM", 4)]
    assert all(r["seconds_per_network"] > 0 and r["p5"] <= r["mean"] for r in rows)
    # the configured sampler and steps score the exact time-shared rates minus f_min
    (row,) = sampler_sweep(policy, gains, f_min, 3, [("ddim", profile.diffusion.sample_steps)], seed=1)
    samples = policy.sample(gains, f_min, 3, generator=torch.Generator().manual_seed(1))
    margins = (asymptotic_rates(gains, samples, policy.configs["radio"]) - f_min[:, None]).flatten()
    assert row["p5"] == pytest.approx(np.percentile(margins.numpy(), 5), rel=1e-5)
    assert row["mean"] == pytest.approx(margins.mean().item(), rel=1e-5)


def test_validation_scores_and_selection_rule():
    # 20 users in 2 problems: policy rates 1..20, expert rates 2..40 (so every ratio is 1/2)
    policy = torch.arange(1.0, 21.0, dtype=torch.float64).reshape(2, 10)
    f_min = torch.tensor([0.5, 1.0], dtype=torch.float64)
    scores = validation_scores(policy, f_min, 2 * policy)
    margins = (policy - f_min[:, None]).flatten().numpy()
    assert scores["p5_margin"] == pytest.approx(np.percentile(margins, 5))
    assert scores["p5_ratio"] == pytest.approx(0.5) and scores["mean_ratio"] == pytest.approx(0.5)
    # the tail is pooled in multiples of f_min: problem 0 (f_min 0.5) is at 2..20 f_min, problem 1 at
    # 11..20; an expert whose users all sit at 2 f_min has p5 2
    expert = torch.stack([torch.full((10,), 1.0), torch.full((10,), 2.0)]).double()
    relative = np.percentile((policy / f_min[:, None]).flatten().numpy(), 5)
    assert validation_scores(policy, f_min, expert)["p5_ratio"] == pytest.approx(relative / 2)
    # a problem without a requirement (f_min = 0) is left out of the tail ratio, not divided by zero
    none = torch.tensor([0.0, 1.0], dtype=torch.float64)
    scores = validation_scores(policy, none, expert)
    assert scores["p5_ratio"] == pytest.approx(np.percentile(np.arange(11.0, 21.0), 5) / 2)
    assert scores["mean_ratio"] == pytest.approx(10.5 / 1.5)
    assert validation_scores(policy, torch.zeros(2, dtype=torch.float64), 2 * policy)["p5_ratio"] == 0.5
    mixed = {"loss": 0.12, "p5_margin": -0.1, "p5_ratio": 1.1, "mean_ratio": 0.9}
    assert selection_score(mixed, "loss") == -0.12  # the lowest loss is the best
    assert selection_score(mixed, "balanced") == 0.9  # the weaker side
    assert selection_score(mixed, "p5") == -0.1
    with pytest.raises(ValueError, match="select_by must be one of"):
        selection_score(mixed, "mean")


def _small_problem():
    from gsdiff.config import DenoiserConfig, DiffusionConfig, EvaluationConfig, ExpertConfig, RadioConfig
    from gsdiff.solvers import run_expert

    torch.manual_seed(0)
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=20, sample_steps=3)
    )
    gains = torch.rand(3, 5, 5, generator=torch.Generator().manual_seed(1)) * 1e-9 + torch.eye(5) * 1e-7
    radio, evaluation = RadioConfig(), EvaluationConfig(num_slots=24, window_slots=3)
    expert = run_expert(gains, 0.5, radio, ExpertConfig(num_iterations=40, burn_in=10, num_samples=8), seed=2)
    return policy, gains, radio, evaluation, expert.samples_w


def test_choose_sampling_scores_every_setting_as_the_evaluator_plays_it():
    from gsdiff.policy import SamplingSetting, choose_sampling, project_to_levels
    from gsdiff.wireless import played_rates, rate_metrics

    policy, gains, radio, evaluation, expert = _small_problem()
    expert_rates = played_rates(gains, expert, radio, evaluation)
    search = choose_sampling(
        policy, gains, 0.5, expert_rates, 6, [0.0, 0.2], [None, 3], radio, evaluation, seed=4
    )
    assert list(search.rows) == ["margin 0", "margin 0, 3 levels", "margin 0.2", "margin 0.2, 3 levels"]
    f = torch.full((3,), 0.5)
    by_hand = {}
    for margin in (0.0, 0.2):
        x = policy.sample(gains, 0.5, 6, generator=torch.Generator().manual_seed(4), margin=margin)
        for levels in (None, 3):
            setting = SamplingSetting(margin=margin, levels=levels)
            pool = x if levels is None else project_to_levels(x, radio.max_power_w, levels)
            rates = played_rates(gains, pool, radio, evaluation)
            scores = validation_scores(rates, f, expert_rates)
            by_hand[setting] = (min(scores["p5_ratio"], scores["mean_ratio"]), scores, pool)
            assert search.rows[setting.label] == pytest.approx(
                rate_metrics(rates, 0.5) | {"balanced": by_hand[setting][0]}
            )
    best = max(by_hand, key=lambda s: by_hand[s][0])
    assert search.best == best and search.best_scores == pytest.approx(by_hand[best][1])
    assert torch.equal(search.best_samples_w, by_hand[best][2])


def test_choose_dual_margin_plays_the_pool_as_dual_time_sharing_does():
    from gsdiff.config import DualTimeSharingConfig
    from gsdiff.policy import choose_dual_margin
    from gsdiff.solvers import dual_time_sharing
    from gsdiff.wireless import asymptotic_rates, played_rates

    policy, gains, radio, evaluation, expert = _small_problem()
    expert_rates = played_rates(gains, expert, radio, evaluation)
    search = choose_dual_margin(gains, expert, 0.5, expert_rates, [0.0, 0.1, 0.3], radio, evaluation)
    assert list(search.rows) == [0.0, 0.1, 0.3]
    f = torch.full((3,), 0.5)
    balanced = {}
    for margin, row in search.rows.items():
        played = dual_time_sharing(
            gains, expert, 0.5, radio, evaluation, DualTimeSharingConfig(margin=margin)
        )
        rates = asymptotic_rates(gains, played, radio)  # [B, N] the played samples, exactly
        assert row["mean"] == pytest.approx(rates.mean().item(), rel=1e-5)
        scores = validation_scores(rates, f, expert_rates)
        balanced[margin] = row["balanced"]
        assert row["balanced"] == pytest.approx(min(scores["p5_ratio"], scores["mean_ratio"]), rel=1e-5)
        distinct = sum(len({tuple(x.tolist()) for x in net}) for net in played) / len(played)
        assert (
            row["distinct samples"] <= evaluation.num_windows and row["distinct samples"] >= distinct - 1e-9
        )
    best = max(balanced.values())
    assert search.best.margin == max(m for m, b in balanced.items() if b == best)  # ties: the larger margin
