"""Tests for gsdiff.viz.training: training curves and scores against the number of samples."""

from __future__ import annotations

from gsdiff.viz import sample_count_figure, training_curves_figure
from gsdiff.viz._layout import PALETTE

HISTORY = {
    "step": [1, 2],
    "loss": [1.0, 0.5],
    "val_loss": [1.1, 0.6],
    "val_p5_margin": [-0.2, 0.1],
    "val_p5_ratio": [0.7, 0.9],
    "val_mean_ratio": [0.95, 0.97],
    "seconds": [1.0, 2.0],
}


def test_training_curves_panels_by_hand() -> None:
    other = {key: [v * 2 for v in values] for key, values in HISTORY.items()}
    fig = training_curves_figure({"UGNN": HISTORY, "GNN": other})
    assert len(fig.data) == 2 * 5
    panels = (  # (key, label suffix, dash, subplot)
        ("loss", " training", "solid", "x"),
        ("val_loss", " validation", "dash", "x"),
        ("val_p5_margin", "", "solid", "x2"),
        ("val_p5_ratio", " p5", "solid", "x3"),
        ("val_mean_ratio", " mean", "dash", "x3"),
    )
    for k, (model, h) in enumerate((("UGNN", HISTORY), ("GNN", other))):
        for trace, (key, suffix, dash, axis) in zip(fig.data[5 * k : 5 * k + 5], panels, strict=True):
            assert list(trace.x) == h["step"] and list(trace.y) == h[key]
            assert trace.name == model + suffix and trace.legendgroup == model
            assert trace.line.dash == dash and trace.line.color == PALETTE[k] and trace.xaxis == axis
            assert trace.mode == "lines+markers"
        assert [t.showlegend for t in fig.data[5 * k : 5 * k + 5]] == [True, True, False, False, False]
    assert [(s.y0, s.yref) for s in fig.layout.shapes] == [(0, "y2"), (1, "y3")]


def test_sample_count_lines_by_hand() -> None:
    """Solid lines against the expert drawn alike, dashed against its chain; one colour per way."""
    iid = [
        {"p5_ratio": 0.6, "mean_ratio": 1.0, "p5_ratio_chain": 0.5, "mean_ratio_chain": 0.97},
        {"p5_ratio": 0.9, "mean_ratio": 0.99, "p5_ratio_chain": 0.8, "mean_ratio_chain": 0.98},
    ]
    sobol = [{key: value + 0.01 for key, value in point.items()} for point in iid]
    fig = sample_count_figure((32, 100), {"i.i.d.": iid, "sobol": sobol})
    assert len(fig.data) == 8  # 2 ways x 2 panels x 2 references
    first = fig.data[:4]  # i.i.d.: p5 like for like, p5 vs chain, mean like for like, mean vs chain
    assert [t.name for t in first] == ["i.i.d.", "i.i.d., vs the chain"] * 2
    assert [list(t.y) for t in first] == [[0.6, 0.9], [0.5, 0.8], [1.0, 0.99], [0.97, 0.98]]
    assert [t.line.dash for t in first] == ["solid", "dash"] * 2
    assert [t.xaxis for t in first] == ["x", "x", "x2", "x2"]
    assert [t.line.color for t in fig.data] == [PALETTE[0]] * 4 + [PALETTE[1]] * 4
    assert [t.showlegend for t in first] == [True, True, False, False]
    assert [(s.y0, s.yref) for s in fig.layout.shapes] == [(1, "y"), (1, "y2")]
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis2.type == "log"
