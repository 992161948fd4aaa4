"""Tests for gsdiff.viz.two_user: the rate-region figure's slider, hull and optima."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gsdiff.config import RadioConfig
from gsdiff.viz import rate_region_figure
from gsdiff.wireless import best_time_sharing, rate_region


@pytest.fixture(scope="module")
def regions():
    """Weak (0.01) and strong (1) cross gains; at f_min = 5 only the weak case has a deterministic optimum."""
    return {
        f"{c:g}": rate_region(torch.tensor([[1e-7, c * 1e-7], [c * 1e-7, 1e-7]]), RadioConfig(), num_levels=5)
        for c in (0.01, 1)
    }


def _cross(o, a, b) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def test_each_step_shows_exactly_its_region(regions) -> None:
    f_min = 5.0
    fig = rate_region_figure(regions, f_min)
    steps = fig.layout.sliders[0].steps
    assert [s.label for s in steps] == ["0.01", "1"]
    masks = [list(s.args[0]["visible"]) for s in steps]
    assert not any(a and b for a, b in zip(*masks, strict=True)) and all(
        a or b for a, b in zip(*masks, strict=True)
    )
    assert [t.visible for t in fig.data] == masks[0]
    for step, region in zip(steps, regions.values(), strict=True):
        shown = [t for t, v in zip(fig.data, step.args[0]["visible"], strict=True) if v]
        by_name = {t.name.split(":")[0]: t for t in shown}
        # the deterministic grid
        grid = by_name["deterministic x"]
        np.testing.assert_array_equal(grid.x, region.rates[:, 0])
        np.testing.assert_array_equal(grid.y, region.rates[:, 1])
        assert grid.text[-1] == "x = (10.0, 10.0) mW"
        # the hull: a closed convex polygon through grid points that contains the whole grid
        hull = by_name["time-sharing (convex hull)"]
        poly = np.c_[hull.x, hull.y]
        assert np.array_equal(poly[0], poly[-1])
        vertices = poly[:-1]
        assert all(np.isclose(region.rates, v).all(1).any() for v in vertices)
        for k in range(len(vertices)):
            a, b = vertices[k], vertices[(k + 1) % len(vertices)]
            assert all(_cross(a, b, p) >= -1e-9 for p in region.rates)  # counter-clockwise, grid inside
        # the optima, by hand
        feasible = (region.rates >= f_min).all(1)
        if feasible.any():
            best = np.argmax(np.where(feasible, region.rates.sum(1), -np.inf))
            square = by_name["best deterministic"]
            assert (square.x[0], square.y[0]) == tuple(region.rates[best])
            assert square.name == f"best deterministic: {region.rates[best].sum():.2f}"
        else:
            assert "best deterministic" not in by_name
        value, point = best_time_sharing(region, f_min)
        star = by_name["best time-sharing"]
        np.testing.assert_allclose([star.x[0], star.y[0]], point)
        assert star.name == f"best time-sharing: {value:.2f}" and star.marker.symbol == "star"
        assert min(star.x[0], star.y[0]) >= f_min - 1e-9
    assert [len(m) - sum(m) for m in masks] == [3, 4]  # the strong case has no deterministic optimum


def test_limits_and_axes(regions) -> None:
    f_min = 0.6
    fig = rate_region_figure(regions, f_min)
    top = max(r.rates.max() for r in regions.values()) * 1.05
    vertical, horizontal = fig.layout.shapes
    assert (vertical.x0, vertical.x1, vertical.y0, vertical.y1) == (f_min, f_min, 0, top)
    assert (horizontal.y0, horizontal.y1, horizontal.x0, horizontal.x1) == (f_min, f_min, 0, top)
    assert list(fig.layout.xaxis.range) == [0, top] == list(fig.layout.yaxis.range)
    assert fig.layout.yaxis.scaleanchor == "x"


def test_no_optima_where_f_min_is_out_of_reach(regions) -> None:
    fig = rate_region_figure(regions, 7.0)  # 2 x 7 exceeds every sum rate of the two regions
    assert [t.name for t in fig.data] == ["deterministic x", "time-sharing (convex hull)"] * 2
    assert [list(s.args[0]["visible"]) for s in fig.layout.sliders[0].steps] == [
        [True, True, False, False],
        [False, False, True, True],
    ]
