"""The two-user example: why time-sharing beats every deterministic allocation.

For two interfering pairs the set of ergodic-rate pairs reachable by deterministic allocations x in
[0, P_max]^2 is a curved, often non-convex region; time-sharing between allocations reaches its convex hull.
With minimum rates r_i >= f_min, the best deterministic sum rate is a maximum over the region, the best
stochastic one a linear program over the hull, solved exactly here as a polygon clipped by r_i >= f_min.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..checks import check_f_min, check_int_at_least
from ..config import RadioConfig
from .rates import ergodic_rates_exact

__all__ = [
    "RateRegion",
    "rate_region",
    "convex_hull",
    "clip_polygon",
    "best_deterministic",
    "best_time_sharing",
]


@dataclass(frozen=True)
class RateRegion:
    """Ergodic rates of a grid of deterministic allocations of two users."""

    power_w: np.ndarray  # [M, 2] allocations on a grid over [0, P_max]^2
    rates: np.ndarray  # [M, 2] exact Rayleigh ergodic rates, bits/s/Hz


def rate_region(gains: torch.Tensor, radio: RadioConfig, *, num_levels: int = 41) -> RateRegion:
    """Exact ergodic rates of every allocation on a ``num_levels`` x ``num_levels`` grid; gains [2, 2]."""
    check_int_at_least("num_levels", num_levels, 2)
    if tuple(gains.shape) != (2, 2):
        raise ValueError(f"gains must have shape [2, 2] for the two-user example, got {tuple(gains.shape)}")
    levels = torch.linspace(0, radio.max_power_w, num_levels, dtype=torch.float64)
    power = torch.cartesian_prod(levels, levels)  # [M, 2]
    rates = ergodic_rates_exact(gains.double(), power, radio.noise_w)
    return RateRegion(power_w=power.numpy(), rates=rates.numpy())


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Vertices [H, 2] of the convex hull of 2-D points, counter-clockwise (Andrew's monotone chain)."""
    pts = np.unique(points, axis=0)
    if len(pts) < 3:
        return pts

    def cross(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    def chain(sequence: np.ndarray) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for p in sequence:
            while len(out) >= 2 and cross(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = chain(pts), chain(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


def clip_polygon(polygon: np.ndarray, axis: int, minimum: float) -> np.ndarray:
    """The part of a convex polygon [H, 2] with coordinate ``axis`` >= ``minimum`` (Sutherland-Hodgman)."""
    out = []
    for k in range(len(polygon)):
        p, q = polygon[k], polygon[(k + 1) % len(polygon)]
        p_in, q_in = p[axis] >= minimum, q[axis] >= minimum
        if p_in:
            out.append(p)
        if p_in != q_in:  # the edge crosses the line: add the crossing point
            t = (minimum - p[axis]) / (q[axis] - p[axis])
            out.append(p + t * (q - p))
    return np.array(out).reshape(-1, 2)


def best_deterministic(region: RateRegion, f_min: float) -> tuple[float, int | None]:
    """Largest sum rate of a grid allocation meeting both minimum rates, and its index (None if none does)."""
    check_f_min(f_min)
    feasible = (region.rates >= f_min).all(axis=1)
    if not feasible.any():
        return float("nan"), None
    sums = np.where(feasible, region.rates.sum(axis=1), -np.inf)
    best = int(np.argmax(sums))
    return float(sums[best]), best


def best_time_sharing(region: RateRegion, f_min: float) -> tuple[float, np.ndarray | None]:
    """Largest sum rate of a time-sharing of grid allocations meeting both minimum ergodic rates.

    A linear objective over the hull clipped by r_1, r_2 >= f_min is maximal at a vertex of the clipped
    polygon. Returns the value and that rate pair (NaN and None when no time-sharing is feasible).
    """
    check_f_min(f_min)
    polygon = convex_hull(region.rates)
    for axis in (0, 1):
        polygon = clip_polygon(polygon, axis, f_min)
        if len(polygon) == 0:
            return float("nan"), None
    best = int(np.argmax(polygon.sum(axis=1)))
    return float(polygon[best].sum()), polygon[best]
