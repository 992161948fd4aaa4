"""Tests for gsdiff.viz._layout: the palette, series lines, group steps and the network map's base layer."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gsdiff.viz._layout import (
    PALETTE,
    add_grouped,
    color,
    group_steps,
    line,
    links_trace,
    map_axes,
    pair_links,
    segments,
)


def test_color_cycles_through_the_palette() -> None:
    assert [color(k) for k in range(len(PALETTE))] == list(PALETTE)
    assert color(len(PALETTE)) == PALETTE[0] and color(len(PALETTE) + 2) == PALETTE[2]


def test_line_keeps_one_colour_and_legend_group_per_series() -> None:
    trace = line([1, 2], [3.0, 4.0], "UGNN", 1, True)
    assert list(trace.x) == [1, 2] and list(trace.y) == [3.0, 4.0]
    assert trace.name == "UGNN" and trace.legendgroup == "UGNN" and trace.showlegend
    assert trace.mode == "lines" and trace.line.color == PALETTE[1] and trace.line.dash == "solid"
    other = line([1], [2], "UGNN p5", 1, False, "lines+markers", "dash", group="UGNN")
    assert other.legendgroup == "UGNN" and other.showlegend is False
    assert other.mode == "lines+markers" and other.line.dash == "dash" and other.line.color == PALETTE[1]


def test_group_steps_masks_by_hand() -> None:
    groups = [None, 0, 1, 1, None, 0]
    steps = group_steps(["a", "b"], groups)
    assert [s["label"] for s in steps] == ["a", "b"]
    assert all(s["method"] == "update" and len(s["args"]) == 1 for s in steps)
    assert steps[0]["args"][0]["visible"] == [True, True, False, False, True, True]
    assert steps[1]["args"][0]["visible"] == [True, False, True, True, True, False]


def test_group_steps_attach_one_layout_per_step() -> None:
    layouts = [{"xaxis.range": [0, 1]}, {"xaxis.range": [0, 2]}]
    steps = group_steps(["a", "b"], [0, 1, None], layouts)
    assert [s["args"][0]["visible"] for s in steps] == [[True, False, True], [False, True, True]]
    assert [s["args"][1] for s in steps] == layouts
    steps[0]["args"][1]["xaxis.range"] = None  # a copy: the caller's layouts are left alone
    assert layouts[0] == {"xaxis.range": [0, 1]}


def test_group_steps_with_only_ungrouped_traces_show_everything() -> None:
    steps = group_steps(["only"], [None, None])
    assert steps[0]["args"][0]["visible"] == [True, True]


def test_add_grouped_shows_group_zero_and_none_first_and_records_groups() -> None:
    fig, groups = go.Figure(), []
    add_grouped(fig, [go.Scatter(x=[0]), go.Scatter(x=[1])], None, groups)
    add_grouped(fig, [go.Scatter(x=[2])], 0, groups)
    add_grouped(fig, [go.Scatter(x=[3]), go.Scatter(x=[4])], 1, groups)
    assert groups == [None, None, 0, 1, 1]
    assert [t.visible for t in fig.data] == [True, True, True, False, False]
    assert [t.x[0] for t in fig.data] == [0, 1, 2, 3, 4]
    # the figure's first state is the first step's
    assert [t.visible for t in fig.data] == group_steps(["a", "b"], groups)[0]["args"][0]["visible"]


def test_segments_break_with_none() -> None:
    start = np.array([[0.0, 0.0], [1.0, 1.0]])
    end = np.array([[2.0, 0.5], [1.0, 3.0]])
    x, y = segments(start, end)
    assert x == [0.0, 2.0, None, 1.0, 1.0, None]
    assert y == [0.0, 0.5, None, 1.0, 3.0, None]
    assert segments(np.zeros((0, 2)), np.zeros((0, 2))) == ([], [])


def test_links_trace_and_pair_links_draw_the_segments() -> None:
    tx = np.array([[0.0, 0.0], [10.0, 5.0]])
    rx = np.array([[3.0, 4.0], [12.0, 5.0]])
    trace = links_trace(tx, rx, {"color": "red", "width": 2}, name="links")
    assert trace.mode == "lines" and trace.name == "links"
    assert trace.line.color == "red" and trace.line.width == 2
    assert list(trace.x) == [0.0, 3.0, None, 10.0, 12.0, None]
    assert list(trace.y) == [0.0, 4.0, None, 5.0, 5.0, None]
    base = pair_links(tx, rx)
    assert list(base.x) == list(trace.x) and list(base.y) == list(trace.y)
    assert base.line.color == "gray" and base.line.width == 1
    assert base.showlegend is False and base.hoverinfo == "skip"


def test_map_axes_equal_scales() -> None:
    axes = map_axes(300)
    assert axes["height"] == 300 and axes["yaxis"]["scaleanchor"] == "x"
    assert axes["xaxis"]["title"] == "x (m)" and axes["yaxis"]["title"] == "y (m)"
    assert map_axes()["height"] == 560
