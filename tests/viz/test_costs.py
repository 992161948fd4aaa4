"""Tests for gsdiff.viz.costs: the table's rows and totals and the figure's bars, from hand-made costs."""

from __future__ import annotations

from gsdiff.evaluation import ProfileCost, StageCost
from gsdiff.viz import cost_figure, cost_table

COSTS = [
    ProfileCost(
        "a",
        "cpu",
        20,
        (StageCost("expert dataset", "it", 2.0, 4, 3600), StageCost("training steps", "step", 1.0, 2, 1800)),
    ),
    ProfileCost("b", "cpu", 400, (StageCost("expert dataset", "it", 10.0, 4, 36000),)),
]


def test_cost_table_rows_and_totals():
    lines = cost_table(COSTS).splitlines()
    assert lines[0] == "| profile | stage | unit | seconds per unit | units | estimated time |"
    assert lines[2] == "| a (N = 20, cpu) | expert dataset | it | 2 | 3,600 | 2.0 h |"
    assert lines[3] == "| a (N = 20, cpu) | training steps | step | 1 | 1,800 | 30.0 min |"
    assert lines[-2:] == [
        "| a (N = 20, cpu) | **total** |  |  |  | **2.5 h** |",
        "| b (N = 400, cpu) | **total** |  |  |  | **100 h** |",
    ]


def test_cost_figure_bars_are_hours():
    fig = cost_figure(COSTS)
    bars = {trace.name: list(trace.y) for trace in fig.data}
    assert bars == {"expert dataset": [2.0, 100.0], "training steps": [0.5, None]}
    assert fig.layout.yaxis.type == "log"
