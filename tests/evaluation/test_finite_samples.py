"""The finite-sample ceiling: every way of drawing K samples, scored as validation_scores scores them,
against the expert drawn the same way and against its chain in order."""

from dataclasses import replace

import pytest
import torch

from gsdiff.config import DualTimeSharingConfig, EvaluationConfig, ExpertConfig
from gsdiff.evaluation import sample_count_study
from gsdiff.evaluation.finite_samples import IMITATOR
from gsdiff.solvers import dual_time_sharing, run_expert
from gsdiff.training import validation_scores
from gsdiff.wireless import played_rates, resample


def test_sample_count_study_against_direct_computations(radio, small_policy):
    torch.manual_seed(0)
    policy = small_policy()
    gains = torch.rand(2, 5, 5, generator=torch.Generator().manual_seed(1)) * 1e-9 + torch.eye(5) * 1e-7
    expert = run_expert(gains, 0.5, radio, ExpertConfig(num_iterations=40, burn_in=10, num_samples=8), seed=2)
    evaluation = EvaluationConfig(num_slots=20, window_slots=2, repeats=3)
    curves = sample_count_study(
        gains, expert.samples_w, 0.5, policy, radio, evaluation, counts=[2, 4], name="P", seed=3
    )
    assert list(curves) == [
        IMITATOR,
        "P, gaussian noise",
        "P, sobol noise",
        "P, sobol noise, dual time-sharing",
    ]
    assert all(len(points) == 2 for points in curves.values())
    f = torch.full((2,), 0.5)

    def rates(samples, play=None):
        return played_rates(gains, samples, radio, evaluation, play=play, seed=3)

    chain = rates(expert.samples_w, "ordered")
    reference = rates(resample(expert.samples_w, 4, generator=torch.Generator().manual_seed(3)))

    def score(samples, play=None):
        like = validation_scores(rates(samples, play), f, reference, aggregate="per_network")
        strict = validation_scores(rates(samples, play), f, chain, aggregate="per_network")
        return like | {"p5_ratio_chain": strict["p5_ratio"], "mean_ratio_chain": strict["mean_ratio"]}

    imitator = resample(expert.samples_w, 4, generator=torch.Generator().manual_seed(4))
    assert curves[IMITATOR][1] == pytest.approx(score(imitator))
    sobol = policy.sample(
        gains,
        0.5,
        4,
        replace(policy.sampling, initial_noise="sobol"),
        generator=torch.Generator().manual_seed(3),
    )
    assert curves["P, sobol noise"][1] == pytest.approx(score(sobol))
    schedule = dual_time_sharing(gains, sobol, 0.5, radio, evaluation, DualTimeSharingConfig())
    assert curves["P, sobol noise, dual time-sharing"][1] == pytest.approx(score(schedule, "ordered"))
