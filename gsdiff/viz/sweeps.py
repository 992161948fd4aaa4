"""A parameter sweep's table as a figure: one recorded value against one swept parameter, a line per value
of another (``gsdiff.notebooks.run_sweep``'s rows)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ._layout import line

__all__ = ["sweep_figure"]


def sweep_figure(
    rows: Sequence[Mapping[str, object]], x: str, values: Sequence[str], by: str | None = None
) -> go.Figure:
    """One panel per recorded value in ``values`` against parameter ``x``, a line per value of parameter
    ``by`` (the mean over any other swept parameter, e.g. seeds, with its runs as markers). Failed runs and
    runs that did not record a value are left out."""
    done = [r for r in rows if r.get("status") == "ok"]
    groups = sorted({r[by] for r in done}, key=str) if by else [None]
    fig = make_subplots(rows=1, cols=len(values), subplot_titles=list(values))
    for c, value in enumerate(values):
        for k, group in enumerate(groups):
            mine = [r for r in done if (by is None or r[by] == group) and value in r]
            xs = sorted({r[x] for r in mine})
            means = [sum(r[value] for r in mine if r[x] == v) / sum(r[x] == v for r in mine) for v in xs]
            name = "all runs" if by is None else f"{by} = {group}"
            fig.add_trace(line(xs, means, name, k, c == 0, mode="lines"), 1, c + 1)
            runs = line([r[x] for r in mine], [r[value] for r in mine], name, k, False, mode="markers")
            fig.add_trace(runs, 1, c + 1)
        fig.update_xaxes(title_text=x, row=1, col=c + 1)
    fig.update_layout(height=400)
    return fig
