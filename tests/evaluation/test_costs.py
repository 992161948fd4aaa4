"""Cost estimates: the units of a full run counted by hand, measured seconds that are positive and finite,
the stage swap, and the checks of the arguments."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from gsdiff.evaluation import duration, measure_expert_cost, measure_profile_cost


def test_units_of_a_full_run_by_hand(profile):
    cost = measure_profile_cost(
        profile, expert_networks=2, expert_iterations=4, train_steps=1, sample_allocations=3
    )
    expert, steps, validations, test = cost.stages
    # 2 densities x 2 levels x 8 networks x 40 iterations; 12 steps; ceil(12 / 4) validations x 4 problems x 3
    assert expert.units == 2 * 2 * 8 * 40 and expert.measured_units == 2 * (4 - 2)
    assert steps.units == 12 and steps.unit == "step of 4 problems"
    assert validations.units == 3 * 4 * 3
    assert test.units == 2 * 2 * profile.num_test_networks_per_density * 6
    assert all(math.isfinite(s.seconds_per_unit) and s.seconds_per_unit >= 0 for s in cost.stages)
    assert steps.seconds_per_unit > 0 and test.seconds_per_unit > 0
    assert cost.total_seconds == pytest.approx(sum(s.seconds_per_unit * s.units for s in cost.stages))
    assert [row[0] for row in cost.rows()] == [
        "expert dataset",
        "training steps",
        "training validations",
        "test evaluation",
    ]


def test_fewer_timed_problems_scale_to_the_batch(profile):
    profile = replace(profile, train=replace(profile.train, batch_problems=8))
    cost = measure_profile_cost(profile, train_problems=2, sample_allocations=2)
    assert cost.stage("training steps").unit == "step of 8 problems"
    with pytest.raises(ValueError, match=r"train_problems must lie in \[1, batch_problems = 8\], got 9"):
        measure_profile_cost(profile, train_problems=9)


def test_a_stage_swapped_for_another_experts(profile):
    cost = measure_profile_cost(profile, sample_allocations=2)
    other = measure_expert_cost(replace(profile, expert=replace(profile.expert, interferers=2)), iterations=4)
    swapped = cost.with_stage(other, "mean field")
    assert swapped.profile == "mean field" and swapped.stage("expert dataset") is other
    assert swapped.stages[1:] == cost.stages[1:]
    with pytest.raises(ValueError, match="no stage 'nothing'"):
        cost.stage("nothing")
    with pytest.raises(ValueError, match="expert_iterations must be an integer >= 3"):
        measure_expert_cost(profile, iterations=2)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.5, "0.5 s"), (42.4, "42 s"), (210, "3.5 min"), (5 * 3600, "5.0 h"), (1745.4 * 3600, "1,745 h")],
)
def test_duration(seconds, text):
    assert duration(seconds) == text
