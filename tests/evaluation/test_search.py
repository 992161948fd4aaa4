"""The choices made on validation after training: sampler sweeps, a policy's sampling setting and a dual
time-sharing margin."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gsdiff.config import SamplingSetting
from gsdiff.evaluation import sampler_sweep
from gsdiff.policy import DiffusionPolicy
from gsdiff.training import validation_scores
from gsdiff.wireless import asymptotic_rates


def test_sampler_override_and_sweep(profile, tmp_path):
    torch.manual_seed(0)
    policy = DiffusionPolicy.from_profile(profile)
    gains = torch.rand(2, 5, 5) * 1e-9 + torch.eye(5) * 1e-7
    f_min = torch.tensor([0.5, 0.7])
    ddpm_setting = replace(policy.sampling, steps=4, sampler="ddpm")
    ddpm = policy.sample(gains, f_min, 3, ddpm_setting, generator=torch.Generator().manual_seed(1))
    ddim_setting = replace(policy.sampling, steps=4, sampler="ddim")
    ddim = policy.sample(gains, f_min, 3, ddim_setting, generator=torch.Generator().manual_seed(1))
    assert ddpm.shape == ddim.shape == (2, 3, 5) and not torch.equal(ddpm, ddim)
    settings = [replace(policy.sampling, steps=2), ddpm_setting]
    rows = sampler_sweep(gains, f_min, policy, num_samples=3, settings=settings, seed=1)
    assert [(r["sampler"], r["steps"]) for r in rows] == [("DDIM", 2), ("DDPM", 4)]
    assert all(r["seconds_per_network"] > 0 and r["p5"] <= r["mean"] for r in rows)
    # the policy's own setting scores the exact time-shared rates minus f_min
    (row,) = sampler_sweep(gains, f_min, policy, num_samples=3, settings=[policy.sampling], seed=1)
    samples = policy.sample(gains, f_min, 3, generator=torch.Generator().manual_seed(1))
    margins = (asymptotic_rates(gains, samples, policy.configs["radio"]) - f_min[:, None]).flatten()
    assert row["p5"] == pytest.approx(np.percentile(margins.numpy(), 5), rel=1e-5)
    assert row["mean"] == pytest.approx(margins.mean().item(), rel=1e-5)


def _small_problem():
    from gsdiff.config import (
        DenoiserConfig,
        DiffusionConfig,
        EvaluationConfig,
        ExpertConfig,
        GraphConfig,
        RadioConfig,
    )
    from gsdiff.solvers import run_expert

    torch.manual_seed(0)
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2),
        DiffusionConfig(num_train_steps=20),
        RadioConfig(),
        GraphConfig(),
        sampling=SamplingSetting(steps=3),
    )
    gains = torch.rand(3, 5, 5, generator=torch.Generator().manual_seed(1)) * 1e-9 + torch.eye(5) * 1e-7
    radio, evaluation = RadioConfig(), EvaluationConfig(num_slots=24, window_slots=3)
    expert = run_expert(gains, 0.5, radio, ExpertConfig(num_iterations=40, burn_in=10, num_samples=8), seed=2)
    return policy, gains, radio, evaluation, expert.samples_w


def test_choose_sampling_scores_every_setting_as_the_evaluator_plays_it():
    from gsdiff.evaluation import choose_sampling
    from gsdiff.policy import project_to_levels
    from gsdiff.wireless import played_rates, rate_metrics

    policy, gains, radio, evaluation, expert = _small_problem()
    expert_rates = played_rates(gains, expert, radio, evaluation)
    search = choose_sampling(
        gains,
        0.5,
        expert_rates,
        policy,
        radio,
        evaluation,
        num_samples=6,
        margins=[0.0, 0.2],
        power_levels=[None, 3],
        seed=4,
    )
    # labels name the margin, the levels and what else differs from the default setting (3 steps here)
    labels = ["margin 0", "margin 0, 3 levels", "margin 0.2", "margin 0.2, 3 levels"]
    assert list(search.rows) == [f"{label}, steps 3" for label in labels]
    f = torch.full((3,), 0.5)
    by_hand = {}
    for margin in (0.0, 0.2):
        drawn = replace(policy.sampling, margin=margin)
        x = policy.sample(gains, 0.5, 6, drawn, generator=torch.Generator().manual_seed(4))
        for levels in (None, 3):
            setting = replace(drawn, power_levels=levels)
            pool = x if levels is None else project_to_levels(x, radio.max_power_w, levels)
            rates = played_rates(gains, pool, radio, evaluation, seed=4)  # [R, B, N]: the evaluation's draws
            scores = validation_scores(rates, f, expert_rates, aggregate=evaluation.aggregate)
            by_hand[setting] = (min(scores["p5_ratio"], scores["mean_ratio"]), scores, pool)
            row = dict(search.rows[setting.label])
            assert row.pop("seconds_per_network") > 0
            assert row == pytest.approx(
                rate_metrics(rates, 0.5, aggregate=evaluation.aggregate)
                | {"balanced": by_hand[setting][0], "steps": 3}
            )
    best = max(by_hand, key=lambda s: by_hand[s][0])
    assert search.best == best and search.best_scores == pytest.approx(by_hand[best][1])
    assert torch.equal(search.best_samples_w, by_hand[best][2])


def test_choose_dual_margin_plays_the_pool_as_dual_time_sharing_does():
    from gsdiff.config import DualTimeSharingConfig
    from gsdiff.evaluation import choose_dual_margin
    from gsdiff.solvers import dual_time_sharing
    from gsdiff.wireless import asymptotic_rates, played_rates

    policy, gains, radio, evaluation, expert = _small_problem()
    expert_rates = played_rates(gains, expert, radio, evaluation)
    search = choose_dual_margin(gains, expert, 0.5, expert_rates, radio, evaluation, margins=[0.0, 0.1, 0.3])
    assert list(search.rows) == [0.0, 0.1, 0.3]
    f = torch.full((3,), 0.5)
    balanced = {}
    for margin, row in search.rows.items():
        played = dual_time_sharing(
            gains, expert, 0.5, radio, evaluation, DualTimeSharingConfig(margin=margin)
        )
        rates = asymptotic_rates(gains, played, radio)  # [B, N] the schedule, in order, exactly
        assert row["mean"] == pytest.approx(rates.mean().item(), rel=1e-5)
        scores = validation_scores(rates, f, expert_rates, aggregate=evaluation.aggregate)
        balanced[margin] = row["balanced"]
        assert row["balanced"] == pytest.approx(min(scores["p5_ratio"], scores["mean_ratio"]), rel=1e-5)
        distinct = sum(len({tuple(x.tolist()) for x in net}) for net in played) / len(played)
        assert (
            row["distinct samples"] <= evaluation.num_windows and row["distinct samples"] >= distinct - 1e-9
        )
    best = max(balanced.values())
    assert search.best.margin == max(m for m, b in balanced.items() if b == best)  # ties: the larger margin


def test_choose_sampling_tries_other_samplers_and_prefers_fewer_steps_within_the_tolerance():
    """Each (sampler, steps, spacing) is tried with every margin and projection; with a step tolerance the
    fewest steps whose p5 and mean ratios are each within it of the best setting's win (the better balanced
    score among them), without one the best balanced score."""
    from gsdiff.evaluation import choose_sampling
    from gsdiff.training.selection import validation_scores
    from gsdiff.wireless import played_rates

    policy, gains, radio, evaluation, expert = _small_problem()
    expert_rates = played_rates(gains, expert, radio, evaluation)
    common = dict(num_samples=6, margins=[0.0, 0.2], power_levels=[None], seed=4)
    solvers = [("dpmsolver++", 2, "trailing"), ("unipc", 1, "trailing")]
    args = (gains, 0.5, expert_rates, policy, radio, evaluation)
    best_only = choose_sampling(*args, **common, samplers=solvers)
    assert [row["steps"] for row in best_only.rows.values()] == [3, 3, 2, 2, 1, 1]
    assert "margin 0.2, sampler dpmsolver++, steps 2, timestep_spacing trailing" in best_only.settings
    balanced = {label: row["balanced"] for label, row in best_only.rows.items()}
    assert best_only.best == best_only.settings[max(balanced, key=balanced.get)]
    by_hand = {}  # each setting's ratios, from its own samples played as the search plays them
    for label, setting in best_only.settings.items():
        x = policy.sample(gains, 0.5, 6, setting, generator=torch.Generator().manual_seed(4))
        rates = played_rates(gains, x, radio, evaluation, seed=4)
        by_hand[label] = validation_scores(
            rates, torch.full((3,), 0.5), expert_rates, aggregate=evaluation.aggregate
        )
    top = by_hand[best_only.best.label]
    for tolerance in (0.0, 0.05, 0.2, 10.0):
        chosen = choose_sampling(*args, **common, samplers=solvers, step_tolerance=tolerance).best
        keep = [
            label
            for label, r in by_hand.items()
            if r["p5_ratio"] >= top["p5_ratio"] - tolerance
            and r["mean_ratio"] >= top["mean_ratio"] - tolerance
        ]
        fewest = min(best_only.settings[label].steps for label in keep)
        among = [label for label in keep if best_only.settings[label].steps == fewest]
        assert chosen == best_only.settings[max(among, key=balanced.get)], tolerance
    assert chosen.sampler == "unipc" and chosen.steps == 1  # with a tolerance that keeps everything
