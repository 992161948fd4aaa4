"""Pieces shared by the figure builders: the palette, a series line repeated across panels, slider and
dropdown steps that switch groups of traces, and the network map's base layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def color(k: int) -> str:
    """Series ``k``'s colour."""
    return PALETTE[k % len(PALETTE)]


def line(
    x,
    y,
    name: str,
    k: int,
    show_legend: bool,
    mode: str = "lines",
    dash: str = "solid",
    group: str | None = None,
) -> go.Scatter:
    """Series ``k``'s line in one panel of a multi-panel figure: the same colour and legend group (default
    ``name``) in every panel, listed in the legend once (``show_legend`` in the first panel only)."""
    return go.Scatter(
        x=x,
        y=y,
        mode=mode,
        name=str(name),
        line={"color": color(k), "dash": dash},
        legendgroup=str(group or name),
        showlegend=show_legend,
    )


def group_steps(
    labels: Sequence[str], groups: Sequence[int | None], layouts: Sequence[Mapping] | None = None
) -> list[dict]:
    """Slider steps (or dropdown buttons), one per label: step g shows the traces whose group is g, and the
    traces of group None always; ``layouts[g]``, if given, is applied with step g (e.g. axis ranges).

    ``groups`` lists the group of every trace of the figure, in the order they were added.
    """
    steps = []
    for g, label in enumerate(labels):
        args: list = [{"visible": [group is None or group == g for group in groups]}]
        if layouts is not None:
            args.append(dict(layouts[g]))
        steps.append({"label": label, "method": "update", "args": args})
    return steps


def add_grouped(fig: go.Figure, traces: Sequence[go.BaseTraceType], group: int | None, groups: list) -> None:
    """Add traces of one group (visible at first only for group 0 or None) and record their group."""
    for trace in traces:
        trace.visible = group is None or group == 0
        fig.add_trace(trace)
        groups.append(group)


def segments(start: np.ndarray, end: np.ndarray) -> tuple[list, list]:
    """Line segments [K, 2] -> x, y lists with None breaks, so one trace draws them all."""
    xs = np.stack([start[:, 0], end[:, 0], np.full(len(start), np.nan)], 1).ravel()
    ys = np.stack([start[:, 1], end[:, 1], np.full(len(start), np.nan)], 1).ravel()
    return [None if np.isnan(v) else v for v in xs], [None if np.isnan(v) else v for v in ys]


def links_trace(start: np.ndarray, end: np.ndarray, line_style: Mapping, **kwargs) -> go.Scatter:
    """One trace of line segments from ``start`` [K, 2] to ``end`` [K, 2] (tx-rx links of a network map)."""
    x, y = segments(start, end)
    return go.Scatter(x=x, y=y, mode="lines", line=dict(line_style), **kwargs)


def pair_links(tx: np.ndarray, rx: np.ndarray) -> go.Scatter:
    """The base layer of a network map: every transmitter joined to its receiver by a thin grey line."""
    return links_trace(tx, rx, {"color": "gray", "width": 1}, showlegend=False, hoverinfo="skip")


def map_axes(height: int = 560) -> dict:
    """Layout of a network map: metres on both axes, equal scales."""
    return {"xaxis": {"title": "x (m)"}, "yaxis": {"title": "y (m)", "scaleanchor": "x"}, "height": height}
