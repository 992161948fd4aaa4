"""Tests for gsdiff.viz.panels: each live panel builds, and setting a control from Python redraws what it
should (the figures' data change accordingly)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gsdiff.config import AVERAGE_POWER, EXPERT, FULL_POWER, WMMSE, dual_candidate, get_profile
from gsdiff.policy import DiffusionPolicy
from gsdiff.viz import strongest_pairs
from gsdiff.viz.panels import POLICY, percentile_panel, sampling_panel, slice_panel

NAME = POLICY.label  # what the panels' legends call the policy

CI = get_profile("ci")


@pytest.fixture(scope="module")
def policy():
    torch.manual_seed(0)
    return DiffusionPolicy.from_profile(
        CI
    )  # untrained: the panels' wiring, not the policy's quality, is under test


def _hlines(fig) -> list[float]:
    return [shape.y0 for shape in fig.layout.shapes if shape.y0 == shape.y1]


def test_sampling_panel_redraws_on_every_control(policy) -> None:
    panel = sampling_panel(policy, CI)
    assert set(panel.figures) == {"map", "strip", "curves"} and panel.status.value.startswith("done in")
    assert panel.progress.layout.visibility == "hidden"
    strip = panel.figures["strip"].data[0].z
    assert np.shape(strip) == (CI.num_pairs, 25)  # users x samples
    panel.controls["num_samples"].value = 10
    assert np.shape(panel.figures["strip"].data[0].z) == (CI.num_pairs, 10)
    before = np.asarray(panel.figures["strip"].data[0].z)
    panel.controls["steps"].value = 3
    assert not np.allclose(np.asarray(panel.figures["strip"].data[0].z), before)
    panel.controls["f_min"].value = 0.9
    assert _hlines(panel.figures["curves"]) == [0.9, 0.9]
    names = {trace.name for trace in panel.figures["curves"].data}
    assert names == {"expert", NAME}
    panel.controls["dual"].value = True
    assert {trace.name for trace in panel.figures["curves"].data} == {"expert", dual_candidate(POLICY).label}
    x_before = panel.figures["map"].data[-1].x
    panel.controls["network_seed"].value = 7
    assert not np.allclose(panel.figures["map"].data[-1].x, x_before)
    panel.controls["num_pairs"].value = 20  # larger than training: sampled with the training degree
    assert np.shape(panel.figures["strip"].data[0].z) == (20, 10)
    assert len(panel.figures["map"].data[-1].x) == 20


def test_slice_panel_offers_the_most_coupled_pairs_of_the_chosen_network(policy, monkeypatch) -> None:
    import gsdiff.viz.panels as panels

    runs = []
    real = panels.run_expert
    monkeypatch.setattr(panels, "run_expert", lambda g, f, *a, **k: runs.append(f) or real(g, f, *a, **k))
    gains = torch.cat([_drop(seed) for seed in (1, 2)])
    panel = slice_panel(policy, CI, gains=gains, num_pairs=3)
    pair = panel.controls["pair"]
    assert [value for _, value in pair.options] == strongest_pairs(gains[0].double(), 3)
    first = panel.figures["slice"]
    i, j = pair.value
    assert first.layout.xaxis.title.text == f"user {i}'s power (mW)"
    assert [trace.name for trace in first.data] == ["expert", NAME]
    panel.controls["network"].value = 1
    assert [value for _, value in pair.options] == strongest_pairs(gains[1].double(), 3)
    assert pair.value == pair.options[0][1]
    i, j = pair.options[1][1]
    pair.value = (i, j)
    assert panel.figures["slice"].layout.yaxis.title.text == f"user {j}'s power (mW)"
    assert runs == [CI.f_min, CI.f_min]  # once per network; a new pair of the same network is cached
    panel.controls["f_min"].value = 1.2  # the expert runs again for the new requirement
    assert runs == [CI.f_min, CI.f_min, 1.2]


def _drop(seed: int) -> torch.Tensor:
    from gsdiff.config import DropConfig
    from gsdiff.wireless import drop_networks

    return drop_networks(
        1, DropConfig(num_pairs=CI.num_pairs, density_per_km2=CI.densities_per_km2[0]), seed=seed
    ).gains


def test_percentile_panel_shows_the_chosen_candidates_horizon_and_f_min(policy) -> None:
    panel = percentile_panel(policy, CI, gains=torch.cat([_drop(1), _drop(2)]), num_samples=5)
    names = {trace.name for trace in panel.figures["curves"].data}
    shown = [EXPERT, POLICY, dual_candidate(POLICY), FULL_POWER, AVERAGE_POWER, WMMSE]
    assert names == {c.label for c in shown}
    assert all(len(trace.x) == CI.evaluation.num_windows for trace in panel.figures["curves"].data)
    panel.controls["candidates"].value = (EXPERT, WMMSE)
    assert {trace.name for trace in panel.figures["curves"].data} == {"expert", "WMMSE"}
    panel.controls["horizon"].value = 10
    assert all(len(trace.x) == 10 for trace in panel.figures["curves"].data)
    expert_p5 = panel.figures["curves"].data[1].y
    panel.controls["f_min"].value = 1.0
    assert _hlines(panel.figures["curves"]) == [1.0, 1.0]
    assert not np.allclose(panel.figures["curves"].data[1].y, expert_p5)  # the expert ran again at 1.0


@pytest.mark.parametrize("build", [sampling_panel, slice_panel, percentile_panel])
def test_panels_build_with_no_arguments(build) -> None:
    """The book profile's shipped U-GNN on networks drawn from the profile."""
    panel = build()
    assert panel.figures and panel.status.value.startswith("done in")


def test_a_profile_without_a_shipped_policy_needs_one() -> None:
    with pytest.raises(ValueError, match="policy: the ci profile ships no U-GNN checkpoint; pass a trained"):
        sampling_panel(profile=CI)
