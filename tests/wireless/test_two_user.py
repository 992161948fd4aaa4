import itertools

import numpy as np
import pytest
import torch

from gsdiff.config import RadioConfig
from gsdiff.wireless.two_user import (
    RateRegion,
    best_deterministic,
    best_time_sharing,
    clip_polygon,
    convex_hull,
    rate_region,
)

RADIO = RadioConfig()
P = RADIO.max_power_w


def region_of(points) -> RateRegion:
    points = np.asarray(points, dtype=np.float64)
    return RateRegion(power_w=np.zeros_like(points), rates=points)


def polygon_area(poly: np.ndarray) -> float:
    x, y = poly[:, 0], poly[:, 1]
    return 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))


def brute_force_time_sharing(points: np.ndarray, f_min: float) -> float:
    """Max of r1 + r2 over mixtures of at most three points (Caratheodory in 2-D) with r >= f_min.

    Single points and pairs exactly (the feasible mixing weights of a pair are an interval, the objective is
    linear in it); triples can only add the corner (f_min, f_min), tested by barycentric coordinates.
    """
    best = -np.inf
    for p in points:
        if (p >= f_min).all():
            best = max(best, p.sum())
    for p, q in itertools.combinations(points, 2):
        lo, hi = 0.0, 1.0  # mixture p + t (q - p), t in [lo, hi]
        for axis in (0, 1):
            d = q[axis] - p[axis]
            if abs(d) < 1e-15:
                if p[axis] < f_min:
                    lo, hi = 1.0, 0.0
            elif d > 0:
                lo = max(lo, (f_min - p[axis]) / d)
            else:
                hi = min(hi, (f_min - p[axis]) / d)
        if lo <= hi:
            best = max(best, *(p.sum() + t * (q - p).sum() for t in (lo, hi)))
    corner = np.array([f_min, f_min])
    for a, b, c in itertools.combinations(points, 3):
        m = np.column_stack([b - a, c - a])
        if abs(np.linalg.det(m)) < 1e-12:
            continue
        s, t = np.linalg.solve(m, corner - a)
        if s >= -1e-12 and t >= -1e-12 and s + t <= 1 + 1e-12:
            best = max(best, 2 * f_min)
    return best


def test_convex_hull_contains_every_point(rng):
    for _ in range(20):
        points = rng.normal(size=(30, 2))
        hull = convex_hull(points)
        assert polygon_area(hull) > 0  # counter-clockwise
        # Every vertex is one of the points.
        assert all(np.any(np.all(points == v, axis=1)) for v in hull)
        # Every point is inside or on the hull: left of (or on) every CCW edge.
        for k in range(len(hull)):
            a, b = hull[k], hull[(k + 1) % len(hull)]
            cross = (b[0] - a[0]) * (points[:, 1] - a[1]) - (b[1] - a[1]) * (points[:, 0] - a[0])
            assert (cross >= -1e-12).all()
        # Every vertex is extreme: a strict left turn at each vertex (no collinear vertex).
        for k in range(len(hull)):
            a, v, b = hull[k - 1], hull[k], hull[(k + 1) % len(hull)]
            assert (v[0] - a[0]) * (b[1] - v[1]) - (v[1] - a[1]) * (b[0] - v[0]) > 0


def test_convex_hull_hand_cases():
    square = [
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
        [0.5, 0.5],
        [0.5, 0],
        [1, 1],
    ]  # interior, edge and duplicate points
    hull = convex_hull(np.array(square, dtype=float))
    assert {tuple(v) for v in hull} == {(0, 0), (1, 0), (1, 1), (0, 1)}
    assert polygon_area(hull) == pytest.approx(1.0)
    assert len(convex_hull(np.array([[1.0, 2.0], [1.0, 2.0]]))) == 1
    line = convex_hull(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]))
    assert {tuple(v) for v in line} == {(0, 0), (2, 2)}


def test_clip_polygon_hand_cases():
    square = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    right = clip_polygon(square, 0, 0.25)
    assert {tuple(v) for v in right} == {(0.25, 0.0), (1.0, 0.0), (1.0, 1.0), (0.25, 1.0)}
    assert polygon_area(right) == pytest.approx(0.75)
    top = clip_polygon(square, 1, 0.5)
    assert polygon_area(top) == pytest.approx(0.5)
    assert len(clip_polygon(square, 0, 2.0)) == 0
    assert polygon_area(clip_polygon(square, 1, -1.0)) == pytest.approx(1.0)
    triangle = np.array([[2.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    clipped = clip_polygon(clip_polygon(triangle, 0, 0.6), 1, 0.6)
    # The triangle x, y >= 0.6, x + y <= 2 has legs 0.8: area 0.32.
    assert polygon_area(clipped) == pytest.approx(0.32)
    assert {tuple(np.round(v, 12)) for v in clipped} == {(0.6, 0.6), (1.4, 0.6), (0.6, 1.4)}


def test_hand_worked_time_sharing_beats_deterministic():
    region = region_of([[2.0, 0.0], [0.0, 2.0], [0.5, 0.5]])
    value, index = best_deterministic(region, 0.6)
    assert np.isnan(value) and index is None
    value, point = best_time_sharing(region, 0.6)
    assert value == pytest.approx(2.0)
    assert point.sum() == pytest.approx(2.0) and (point >= 0.6 - 1e-12).all()
    # Lower requirement: (0.5, 0.5) becomes feasible, deterministic sum 1.0 < 2.0.
    assert best_deterministic(region, 0.5) == (1.0, 2)
    assert best_time_sharing(region, 0.5)[0] == pytest.approx(2.0)
    # Above what any mixture reaches: infeasible.
    assert np.isnan(best_time_sharing(region, 1.1)[0]) and best_time_sharing(region, 1.1)[1] is None


@pytest.mark.parametrize("trial", range(25))
def test_time_sharing_matches_brute_force(trial):
    rng = np.random.default_rng(1000 + trial)
    points = rng.uniform(0, 3, size=(rng.integers(3, 8), 2))
    if trial % 5 == 0:
        points[:2] = [[3.0, 0.0], [0.0, 3.0]]  # a non-convex, L-shaped set
    f_min = float(rng.uniform(0, 2))
    expected = brute_force_time_sharing(points, f_min)
    value, point = best_time_sharing(region_of(points), f_min)
    if expected == -np.inf:
        assert np.isnan(value)
    else:
        assert value == pytest.approx(expected, abs=1e-9)
        assert (point >= f_min - 1e-9).all()
        det, _ = best_deterministic(region_of(points), f_min)
        assert np.isnan(det) or value >= det - 1e-12


@pytest.fixture
def two_user_gains():
    # Strong cross links: interference-limited, so the region is non-convex.
    return torch.tensor([[1e-8, 5e-9], [4e-9, 1e-8]], dtype=torch.float64)


def test_rate_region_grid(two_user_gains, single_user_rate):
    region = rate_region(two_user_gains, RADIO, num_levels=11)
    assert region.power_w.shape == region.rates.shape == (121, 2)
    levels = np.linspace(0, P, 11)
    np.testing.assert_allclose(region.power_w, [[a, b] for a in levels for b in levels])
    np.testing.assert_allclose(region.rates[0], [0.0, 0.0])
    # (P, 0): user 0 alone, no interference -> closed form; user 1 silent.
    k = int(np.flatnonzero((region.power_w[:, 0] == P) & (region.power_w[:, 1] == 0))[0])
    assert region.rates[k, 0] == pytest.approx(single_user_rate(P * 1e-8 / RADIO.noise_w), rel=1e-6)
    assert region.rates[k, 1] == 0.0


def test_time_sharing_beats_deterministic_on_a_region(two_user_gains):
    region = rate_region(two_user_gains, RADIO, num_levels=21)
    for f_min in (0.0, 0.5, 1.0, 2.0):
        det, index = best_deterministic(region, f_min)
        ts, point = best_time_sharing(region, f_min)
        if index is not None:
            assert ts >= det - 1e-12
            assert det == pytest.approx(region.rates[index].sum())
            feasible = (region.rates >= f_min).all(axis=1)
            assert det == pytest.approx(region.rates[feasible].sum(axis=1).max())
    # Interference-limited: time-sharing the two single-user points strictly beats every grid point.
    assert best_time_sharing(region, 1.0)[0] > best_deterministic(region, 1.0)[0] + 0.1


def test_two_user_errors(two_user_gains):
    with pytest.raises(
        ValueError, match=r"gains must have shape \[2, 2\] for the two-user example, got \(3, 3\)"
    ):
        rate_region(torch.ones(3, 3, dtype=torch.float64), RADIO)
    with pytest.raises(ValueError, match=r"num_levels must be an integer >= 2, got 1"):
        rate_region(two_user_gains, RADIO, num_levels=1)
    with pytest.raises(ValueError, match=r"f_min must be finite and >= 0 bits/s/Hz, got -1"):
        best_time_sharing(region_of([[1.0, 1.0]]), -1)
    with pytest.raises(ValueError, match=r"f_min must be finite and >= 0"):
        best_deterministic(region_of([[1.0, 1.0]]), float("nan"))
