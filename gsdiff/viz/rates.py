"""Rate figures: distributions of users' ergodic rates, percentile curves over fading slots, and heatmaps
over the dataset grid."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..config import EXPERT, Candidate
from ..wireless.time_sharing import TimeSharingResult
from ._layout import color, group_steps, line

__all__ = [
    "rate_cdf_figure",
    "horizon_cdf_figure",
    "percentile_curves_figure",
    "grid_heatmap_figure",
    "size_transfer_figure",
    "tail_vs_f_min_figure",
    "tail_vs_size_figure",
]


def rate_cdf_figure(rates: Mapping[str, torch.Tensor], f_min: float) -> go.Figure:
    """Empirical CDFs of pooled per-user ergodic rates, one curve per policy, with the f_min line."""
    fig = go.Figure()
    for k, (name, r) in enumerate(rates.items()):
        values = np.sort(r.flatten().double().cpu().numpy())
        prob = np.arange(1, len(values) + 1) / len(values)
        fig.add_trace(go.Scatter(x=values, y=prob, mode="lines", name=str(name), line={"color": color(k)}))
    fig.add_vline(x=f_min, line_dash="dash", annotation_text=f"f_min = {f_min:g}")
    fig.update_layout(
        xaxis={"title": "ergodic rate (bits/s/Hz)"}, yaxis={"title": "fraction of users"}, height=420
    )
    return fig


def horizon_cdf_figure(
    results: Mapping[object, TimeSharingResult], f_min: float, horizons: Sequence[int]
) -> go.Figure:
    """The users' running ergodic rates after each of ``horizons`` time-sharing slots (windows), as empirical
    CDFs over every user and realization (one panel per horizon, one colour per candidate), with the f_min
    line: how the distribution tightens as samples take turns."""
    titles = [f"after {h} time-sharing slots" for h in horizons]
    fig = make_subplots(rows=1, cols=len(horizons), subplot_titles=titles, shared_yaxes=True)
    for c, h in enumerate(horizons):
        for k, (name, res) in enumerate(results.items()):
            ends = res.window_ends
            if not 1 <= h <= len(ends):
                raise ValueError(f"horizons must lie in [1, {len(ends)}] time-sharing slots, got {h}")
            values = np.sort(res.cumulative_rates[ends[h - 1]].flatten().double().cpu().numpy())
            prob = np.arange(1, len(values) + 1) / len(values)
            fig.add_trace(line(values, prob, name, k, c == 0), 1, c + 1)
        fig.add_vline(x=f_min, line_dash="dash", row=1, col=c + 1)
    fig.update_xaxes(title_text="running ergodic rate (bits/s/Hz)")
    fig.update_yaxes(title_text="fraction of users", col=1)
    fig.update_layout(height=420)
    return fig


def percentile_curves_figure(
    results: Mapping[object, TimeSharingResult],
    f_min: float,
    q: tuple[float, ...] = (1.0, 5.0),
    horizon: int | None = None,
) -> go.Figure:
    """Percentiles (over every user of every network, averaged over realizations: the papers' Fig. 2) and
    mean of the running ergodic rates over time-sharing slots (the first ``horizon``, default all), one colour
    per candidate, with the f_min line in the percentile panels."""
    titles = [f"{p:g}th percentile" for p in q] + ["mean"]
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=0.06)
    for k, (name, res) in enumerate(results.items()):
        curves = torch.cat([res.percentile_curves(q), res.mean_curve()[:, None]], dim=1).cpu().numpy()
        curves = curves[:horizon]
        windows = np.arange(1, len(curves) + 1)
        for c in range(curves.shape[1]):
            fig.add_trace(line(windows, curves[:, c], name, k, c == 0), 1, c + 1)
    for c in range(len(q)):
        fig.add_hline(y=f_min, line_dash="dash", row=1, col=c + 1)
    fig.update_xaxes(title_text="time-sharing slot (a window of fading slots)")
    fig.update_yaxes(title_text="bits/s/Hz", col=1)
    fig.update_layout(height=420)
    return fig


def grid_heatmap_figure(
    values: np.ndarray, densities: Sequence[float], f_mins: Sequence[float], title: str, fmt: str = ".2f"
) -> go.Figure:
    """A (density x f_min) heatmap with the values written in the cells."""
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=[f"{f:g}" for f in f_mins],
            y=[f"{d:g}" for d in densities],
            colorscale="Viridis",
            text=[[format(v, fmt) for v in row] for row in values],
            texttemplate="%{text}",
            colorbar={"title": title},
        )
    )
    fig.update_layout(
        xaxis={"title": "f_min (bits/s/Hz)"}, yaxis={"title": "density (pairs/km²)"}, height=380
    )
    return fig


def size_transfer_figure(
    results: Mapping[int, Mapping[Candidate, Mapping[str, float]]], reference: Candidate = EXPERT
) -> go.Figure:
    """The papers' Fig. 4 as ratios: each candidate's pooled p5 and mean rate over network size N, divided by
    the ``reference``'s on the same networks (``results[N][name]`` holds ``rate_metrics``); a dotted line at
    1. Candidates are the names of the first size's results, the reference left out."""
    sizes = sorted(results)
    names = [name for name in results[sizes[0]] if name != reference]
    fig = make_subplots(rows=1, cols=2, subplot_titles=["5th percentile ÷ expert", "mean ÷ expert"])
    for k, name in enumerate(names):
        for c, key in enumerate(("p5", "mean")):
            ratios = [results[n][name][key] / results[n][reference][key] for n in sizes]
            fig.add_trace(line(sizes, ratios, name, k, c == 0, mode="lines+markers"), 1, c + 1)
    for c in (1, 2):
        fig.add_hline(y=1.0, line_dash="dot", row=1, col=c)
    fig.update_xaxes(title_text="pairs N", type="log", tickvals=sizes)
    fig.update_layout(height=420)
    return fig


def tail_vs_f_min_figure(
    results: Mapping[float, Mapping[str, Mapping[str, float]]],
    trained: Sequence[float],
    keys: Sequence[str] = ("p1", "p5", "p10"),
    names: Sequence[str] | None = None,
) -> go.Figure:
    """The extended paper's Fig. 3: tail percentiles against the requirement f_min, one panel per key of
    ``rate_metrics``, one colour per candidate (``names``, default all of ``results[f_min]``); markers
    filled at the ``trained`` levels and hollow at levels the policies never saw; the dotted diagonal is
    r = f_min."""
    levels = sorted(results)
    names = list(names or results[levels[0]])
    seen = [any(abs(f - t) < 1e-9 for t in trained) for f in levels]
    fig = make_subplots(rows=1, cols=len(keys), subplot_titles=[f"{k} (bits/s/Hz)" for k in keys])
    for c, key in enumerate(keys):
        for k, name in enumerate(names):
            trace = line(
                levels, [results[f][name][key] for f in levels], name, k, c == 0, mode="lines+markers"
            )
            trace.marker = {
                "symbol": ["circle" if s else "circle-open" for s in seen],
                "size": 9,
                "line": {"width": 2, "color": color(k)},
            }
            fig.add_trace(trace, 1, c + 1)
        fig.add_trace(
            go.Scatter(
                x=levels,
                y=levels,
                mode="lines",
                line={"dash": "dot", "color": "gray"},
                showlegend=c == 0,
                name="r = f_min",
                legendgroup="f_min",
            ),
            1,
            c + 1,
        )
    fig.update_xaxes(title_text="f_min (bits/s/Hz): filled trained, hollow unseen")
    fig.update_layout(height=420)
    return fig


def tail_vs_size_figure(
    results: Mapping[int, Mapping[object, Mapping[str, Mapping[str, float]]]],
    keys: Sequence[str] = ("p1", "p5", "p10"),
    group_label=lambda group: "all densities" if group == "all" else f"{group:g} pairs/km²",
    names: Sequence[str] | None = None,
) -> go.Figure:
    """The extended paper's Fig. 4: tail percentiles against the network size N for a policy trained at one
    size, one panel per key, one colour per candidate (``names``, default all), and a menu over the groups
    of networks (``results[N][group][name]``, as ``compare_over_sizes(..., by_density=True)`` returns:
    pooled, then each density)."""
    sizes = sorted(results)
    group_keys = list(results[sizes[0]])
    names = list(names or results[sizes[0]][group_keys[0]])
    fig = make_subplots(rows=1, cols=len(keys), subplot_titles=[f"{k} (bits/s/Hz)" for k in keys])
    groups: list[int] = []
    for g, group in enumerate(group_keys):
        for c, key in enumerate(keys):
            for k, name in enumerate(names):
                values = [results[n][group][name][key] for n in sizes]
                trace = line(sizes, values, name, k, c == 0, mode="lines+markers")
                trace.visible = g == 0
                fig.add_trace(trace, 1, c + 1)
                groups.append(g)
    steps = group_steps([group_label(group) for group in group_keys], groups)
    fig.update_xaxes(title_text="pairs N", type="log", tickvals=sizes)
    fig.update_layout(updatemenus=[{"buttons": steps, "x": 0, "y": 1.22, "xanchor": "left"}], height=440)
    return fig
