"""The finite-sample study: every way of drawing S samples, scored as validation_scores scores them."""

from dataclasses import replace

import torch

from gsdiff.config import (
    DualTimeSharingConfig,
    EvaluationConfig,
    ExpertConfig,
)
from gsdiff.evaluation import sample_count_study
from gsdiff.solvers import dual_time_sharing, run_expert
from gsdiff.training import validation_scores
from gsdiff.wireless import asymptotic_rates, resample


def test_sample_count_study_against_direct_computations(radio, small_policy):
    torch.manual_seed(0)
    policy = small_policy()
    gains = torch.rand(2, 5, 5, generator=torch.Generator().manual_seed(1)) * 1e-9 + torch.eye(5) * 1e-7
    expert = run_expert(gains, 0.5, radio, ExpertConfig(num_iterations=40, burn_in=10, num_samples=8), seed=2)
    evaluation = EvaluationConfig(num_slots=20, window_slots=2)
    curves = sample_count_study(
        gains, expert.samples_w, 0.5, policy, radio, evaluation, counts=[2, 4], name="P", seed=3
    )
    assert list(curves) == [
        "expert's iterates",
        "independent draws of the expert's samples",
        "P, gaussian noise",
        "P, sobol noise",
        "P, sobol noise, dual time-sharing",
    ]
    assert all(len(points) == 2 for points in curves.values())
    reference = asymptotic_rates(gains, expert.samples_w, radio)
    f = torch.full((2,), 0.5)

    def score(x):
        return validation_scores(asymptotic_rates(gains, x, radio), f, reference)

    assert curves["expert's iterates"][1] == score(expert.samples_w[:, [0, 2, 5, 7]])  # evenly spaced
    assert curves["independent draws of the expert's samples"][0] == score(
        resample(expert.samples_w, 2, generator=torch.Generator().manual_seed(3))
    )
    sobol_setting = replace(policy.sampling, initial_noise="sobol")
    sobol = policy.sample(gains, 0.5, 4, sobol_setting, generator=torch.Generator().manual_seed(3))
    assert curves["P, sobol noise"][1] == score(sobol)
    played = dual_time_sharing(gains, sobol, 0.5, radio, evaluation, DualTimeSharingConfig())
    assert curves["P, sobol noise, dual time-sharing"][1] == score(played)
