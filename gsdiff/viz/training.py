"""Training figures: loss and validation curves, and scores against the number of time-shared samples."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._layout import line

__all__ = ["training_curves_figure", "sample_count_figure"]


def training_curves_figure(histories: Mapping[str, Mapping[str, Sequence[float]]]) -> go.Figure:
    """The loss on training (solid) and validation problems (dashed), the validation p5 of (rate - f_min),
    and the validation p5 (solid) and mean (dashed) relative to the expert's, over steps, one colour per
    model."""
    fig = make_subplots(
        rows=1,
        cols=3,
        subplot_titles=("loss (eps-prediction)", "p5 of (rate − f_min)", "p5 and mean ÷ expert's"),
    )
    for k, (name, h) in enumerate(histories.items()):
        panels = (
            (1, "loss", f"{name} training", "solid"),
            (1, "val_loss", f"{name} validation", "dash"),
            (2, "val_p5_margin", name, "solid"),
            (3, "val_p5_ratio", f"{name} p5", "solid"),
            (3, "val_mean_ratio", f"{name} mean", "dash"),
        )
        for col, key, label, dash in panels:
            trace = line(h["step"], h[key], label, k, col == 1, "lines+markers", dash, group=name)
            fig.add_trace(trace, 1, col)
    fig.add_hline(y=0, line_dash="dash", row=1, col=2)
    fig.add_hline(y=1, line_dash="dot", row=1, col=3)
    fig.update_xaxes(title_text="optimizer step")
    fig.update_layout(height=400)
    return fig


def sample_count_figure(
    counts: Sequence[int], curves: Mapping[str, Sequence[Mapping[str, float]]]
) -> go.Figure:
    """The finite-sample ceiling (``gsdiff.evaluation.sample_count_study``): p5 and mean relative to the
    expert against the number K of samples, a colour per way of drawing them; solid against the expert drawn
    the same way (like for like: a perfect imitator sits at 1), dashed against the expert's chain in order
    (the perfect imitator's dashed line is the ceiling of independent play)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("p5 ÷ expert's", "mean ÷ expert's"))
    for k, (name, points) in enumerate(curves.items()):
        for col, key in ((1, "p5_ratio"), (2, "mean_ratio")):
            for suffix, dash, label in (("", "solid", name), ("_chain", "dash", f"{name}, vs the chain")):
                y = [point[key + suffix] for point in points]
                trace = line(list(counts), y, label, k, col == 1, "lines+markers", dash, group=label)
                fig.add_trace(trace, 1, col)
    fig.add_hline(y=1, line_dash="dot", row=1, col=1)
    fig.add_hline(y=1, line_dash="dot", row=1, col=2)
    fig.update_xaxes(title_text="samples K time-shared per network", type="log")
    fig.update_layout(height=440)
    return fig
