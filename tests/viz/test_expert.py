"""Tests for gsdiff.viz.expert: the primal-dual trajectories and the policy slices."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch

from gsdiff.config import DropConfig, ExpertConfig
from gsdiff.solvers.expert import ExpertResult, run_expert
from gsdiff.viz import expert_trajectory_figure, policy_slices_figure
from gsdiff.viz._layout import PALETTE
from gsdiff.wireless import drop_networks


def _running_mean(x: np.ndarray) -> np.ndarray:
    """Mean of rows 0..t for every t, by a loop."""
    return np.stack([x[: t + 1].mean(0) for t in range(len(x))])


def _hand_result(generator) -> ExpertResult:
    t, b, n = 5, 2, 3
    rand = lambda: torch.rand(t, b, n, generator=generator, dtype=torch.float64)  # noqa: E731
    return ExpertResult(
        samples_w=torch.zeros(b, 2, n),
        duals=rand(),
        rates=rand() * 3,
        power_w=rand() * 0.01,
        iterations=torch.tensor([0, 10, 20, 30, 39]),
    )


def test_expert_trajectory_panels_by_hand(generator) -> None:
    result = _hand_result(generator)
    fig = expert_trajectory_figure(result, network=1, f_min=0.6)
    n = result.duals.shape[-1]
    assert len(fig.data) == 3 * n
    for i in range(n):
        duals, power, running = fig.data[3 * i : 3 * i + 3]
        for row, trace in enumerate((duals, power, running), start=1):
            np.testing.assert_array_equal(trace.x, [0, 10, 20, 30, 39])
            assert trace.name == f"user {i}" and trace.legendgroup == f"u{i}"
            assert trace.showlegend == (row == 1) and trace.line.color == duals.line.color
            assert trace.yaxis == ("y" if row == 1 else f"y{row}")
        np.testing.assert_allclose(duals.y, result.duals[:, 1, i].numpy())
        np.testing.assert_allclose(power.y, result.power_w[:, 1, i].numpy() * 1e3)
        np.testing.assert_allclose(running.y, _running_mean(result.rates[:, 1, i].numpy()))
    assert len({fig.data[3 * i].line.color for i in range(n)}) == n  # one colour per user
    (f_min_line,) = fig.layout.shapes
    assert f_min_line.y0 == f_min_line.y1 == 0.6 and f_min_line.yref == "y3"
    assert expert_trajectory_figure(result).layout.shapes == ()


def test_expert_trajectory_of_a_real_run(radio) -> None:
    nets = drop_networks(3, DropConfig(num_pairs=6, density_per_km2=10.0), seed=0)
    result = run_expert(
        nets.gains, 0.6, radio, ExpertConfig(num_iterations=20, burn_in=5, num_samples=3), seed=0
    )
    fig = expert_trajectory_figure(result, 2, 0.6)
    assert len(fig.data) == 3 * nets.num_pairs  # three panels per user
    np.testing.assert_allclose(fig.data[3 * 4].y, result.duals[:, 2, 4].numpy())
    np.testing.assert_allclose(fig.data[3 * 4 + 2].y, _running_mean(result.rates[:, 2, 4].double().numpy()))


@pytest.fixture
def coupled_gains() -> torch.Tensor:
    """Two networks of 3 users, direct gains 1; network 0 couples (0, 1) most, then (1, 2); network 1
    couples (0, 2) most, then (1, 2)."""
    g = torch.eye(3).repeat(2, 1, 1)
    g[0, 0, 1], g[0, 1, 0], g[0, 1, 2], g[0, 2, 1], g[0, 0, 2], g[0, 2, 0] = 0.5, 0.1, 0.2, 0.05, 0.01, 0.02
    g[1, 2, 0], g[1, 0, 2], g[1, 1, 2], g[1, 2, 1], g[1, 0, 1], g[1, 1, 0] = 0.6, 0.1, 0.01, 0.3, 0.01, 0.02
    return g


def test_policy_slices_points_and_shares_by_hand(coupled_gains) -> None:
    samples = torch.zeros(2, 4, 3)
    samples[0, :, 0] = torch.tensor([0.01, 0.01, 0.0, 0.0])  # user 0 on in half the samples
    samples[0, :, 1] = torch.tensor([0.0, 0.0, 0.01, 0.01])
    samples[0, :, 2] = torch.tensor([0.0, 0.0, 0.0, 0.005])
    fig = policy_slices_figure(samples, coupled_gains, num_networks=6, pairs_per_network=2)
    assert len(fig.data) == 2 * 2 and len(fig.layout.sliders[0].steps) == 2  # only the 2 networks there are
    first, second, third, fourth = fig.data
    # network 0, pair (0, 1): (10, 0) and (0, 10) mW, half of the samples each
    assert first.name == "users 0, 1" and first.xaxis == "x"
    np.testing.assert_allclose(np.c_[first.x, first.y], [[0.0, 10.0], [10.0, 0.0]])
    assert list(first.text) == ["50% of samples", "50% of samples"]
    np.testing.assert_allclose(first.marker.size, 6 + 40 * np.sqrt([0.5, 0.5]))
    assert first.marker.color == PALETTE[0]
    # network 0, pair (1, 2): (0, 0) twice, (10, 0) and (10, 5) once
    assert second.name == "users 1, 2" and second.xaxis == "x2" and second.marker.color == PALETTE[1]
    np.testing.assert_allclose(np.c_[second.x, second.y], [[0.0, 0.0], [10.0, 0.0], [10.0, 5.0]])
    assert list(second.text) == ["50% of samples", "25% of samples", "25% of samples"]
    # network 1 (all off): its own pairs, one point drawn every time
    assert (third.name, fourth.name) == ("users 0, 2", "users 1, 2")
    for trace in (third, fourth):
        np.testing.assert_allclose(np.c_[trace.x, trace.y], [[0.0, 0.0]])
        assert list(trace.text) == ["100% of samples"]
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["network 0", "network 1"]
    assert [list(s.args[0]["visible"]) for s in steps] == [
        [True, True, False, False],
        [False, False, True, True],
    ]
    assert [t.visible for t in fig.data] == list(steps[0].args[0]["visible"])


def test_policy_slices_shares_sum_to_one(coupled_gains, generator) -> None:
    samples = torch.randint(0, 3, (2, 7, 3), generator=generator).float() * 0.005
    fig = policy_slices_figure(samples, coupled_gains, num_networks=1, pairs_per_network=3)
    assert len(fig.data) == 3 and len(fig.layout.sliders[0].steps) == 1
    assert [t.xaxis for t in fig.data] == ["x", "x2", "x3"]  # third pair on the second row
    for trace in fig.data:
        assert abs(sum(float(s.split("%")[0]) for s in trace.text) - 100) < 1.5
        i, j = (int(u) for u in trace.name.removeprefix("users ").split(", "))
        drawn = Counter((round(a * 1e3, 1), round(b * 1e3, 1)) for a, b in samples[0][:, [i, j]].tolist())
        assert {(x, y): f"{drawn[(x, y)] / 7:.0%} of samples" for x, y in drawn} == {
            (round(x, 1), round(y, 1)): text for x, y, text in zip(trace.x, trace.y, trace.text, strict=True)
        }


def test_policy_slices_overlay_pools_by_colour(coupled_gains) -> None:
    """Several pools: the same pairs for each, one colour (and one legend entry) per pool, in order."""
    expert = torch.zeros(2, 2, 3)
    policy = torch.full((2, 3, 3), 0.01)
    fig = policy_slices_figure({"expert": expert, "UGNN": policy}, coupled_gains, 1, pairs_per_network=2)
    assert [t.name for t in fig.data] == ["expert", "expert", "UGNN", "UGNN"]
    assert [t.marker.color for t in fig.data] == [PALETTE[0], PALETTE[0], PALETTE[1], PALETTE[1]]
    assert [t.showlegend for t in fig.data] == [True, False, True, False]
    np.testing.assert_allclose(np.c_[fig.data[2].x, fig.data[2].y], [[10.0, 10.0]])
    assert list(fig.data[0].text) == ["expert: 100% of samples"]
