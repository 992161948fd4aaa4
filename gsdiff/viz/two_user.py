"""The two-user example: rate regions of deterministic allocations and their time-sharing hull."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from ..wireless.two_user import RateRegion, best_deterministic, best_time_sharing, convex_hull
from ._layout import PALETTE, add_grouped, group_steps

__all__ = ["rate_region_figure"]


def rate_region_figure(regions: Mapping[str, RateRegion], f_min: float) -> go.Figure:
    """Two-user rate regions with a slider over cases: deterministic grid, time-sharing hull, optima."""
    fig, groups = go.Figure(), []
    for g, region in enumerate(regions.values()):
        hull = convex_hull(region.rates)
        det_value, det_index = best_deterministic(region, f_min)
        ts_value, ts_point = best_time_sharing(region, f_min)
        p = region.power_w * 1e3
        traces = [
            go.Scatter(
                x=region.rates[:, 0],
                y=region.rates[:, 1],
                mode="markers",
                name="deterministic x",
                marker={"size": 4, "color": "rgba(31,119,180,0.5)"},
                text=[f"x = ({a:.1f}, {b:.1f}) mW" for a, b in p],
                hoverinfo="text+x+y",
            ),
            go.Scatter(
                x=np.r_[hull[:, 0], hull[:1, 0]],
                y=np.r_[hull[:, 1], hull[:1, 1]],
                mode="lines",
                name="time-sharing (convex hull)",
                line={"color": PALETTE[2]},
            ),
        ]
        if det_index is not None:
            traces.append(
                go.Scatter(
                    x=[region.rates[det_index, 0]],
                    y=[region.rates[det_index, 1]],
                    mode="markers",
                    name=f"best deterministic: {det_value:.2f}",
                    marker={"size": 13, "symbol": "square", "color": PALETTE[1]},
                )
            )
        if ts_point is not None:
            traces.append(
                go.Scatter(
                    x=[ts_point[0]],
                    y=[ts_point[1]],
                    mode="markers",
                    name=f"best time-sharing: {ts_value:.2f}",
                    marker={"size": 15, "symbol": "star", "color": PALETTE[2]},
                )
            )
        add_grouped(fig, traces, g, groups)
    top = max(r.rates.max() for r in regions.values()) * 1.05
    for axis in ("x", "y"):
        fig.add_shape(
            type="line",
            line={"dash": "dash", "color": "gray"},
            **(
                {"x0": f_min, "x1": f_min, "y0": 0, "y1": top}
                if axis == "x"
                else {"y0": f_min, "y1": f_min, "x0": 0, "x1": top}
            ),
        )
    steps = group_steps(list(regions), groups)
    fig.update_layout(
        sliders=[
            {"steps": steps, "currentvalue": {"prefix": "cross gain / direct gain: "}, "pad": {"t": 50}}
        ],
        xaxis={"title": "ergodic rate of user 1 (bits/s/Hz)", "range": [0, top]},
        yaxis={"title": "ergodic rate of user 2 (bits/s/Hz)", "range": [0, top], "scaleanchor": "x"},
        height=640,
        legend={"x": 0.62, "y": 0.98},
    )
    return fig
