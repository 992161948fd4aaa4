"""The transient (``gsdiff.evaluation.transient``) as a figure and a table: the running 5th percentile of
each candidate's time-shared rates, slot by slot, one panel per network size, with f_min drawn across."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..evaluation.transient import Transient
from ._layout import line
from .tables import markdown_table

__all__ = ["transient_figure", "transient_table"]


def transient_figure(transients: Sequence[Transient]) -> go.Figure:
    """Running p5 (bits/s/Hz) against the slot, a panel per ``Transient`` (its N), log-scaled slots."""
    fig = make_subplots(
        rows=1,
        cols=len(transients),
        subplot_titles=[f"N = {t.num_pairs} ({t.num_networks} networks)" for t in transients],
    )
    for col, result in enumerate(transients, start=1):
        for k, (candidate, p5) in enumerate(result.running_p5.items()):
            slots = np.arange(1, len(p5) + 1)
            fig.add_trace(line(slots, p5.numpy(), candidate.label, k, col == 1), 1, col)
        fig.add_hline(y=result.f_min, line_dash="dot", line_color="gray", row=1, col=col)
    fig.update_xaxes(title_text="time-sharing slot", type="log")
    fig.update_yaxes(title_text="running p5 (bits/s/Hz)", col=1)
    fig.update_layout(height=380, legend={"orientation": "h", "y": -0.25})
    return fig


def transient_table(transients: Sequence[Transient]) -> str:
    """A Markdown table: per size and candidate, the slots until the running p5 holds f_min, the tail's
    deficit over the horizon and the mean rate at its end."""
    rows = [
        [
            result.num_pairs,
            candidate.label,
            "never" if result.slots_to_f_min[candidate] is None else result.slots_to_f_min[candidate],
            f"{result.tail_deficit[candidate]:.1f}",
            f"{float(result.running_mean[candidate][-1]):.3f}",
        ]
        for result in transients
        for candidate in result.running_p5
    ]
    header = [
        "N",
        "played",
        "slots until p5 ≥ f_min",
        "tail deficit (bits/s/Hz × slots)",
        "mean rate at the end",
    ]
    return markdown_table(header, rows)
