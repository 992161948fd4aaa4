"""What profiles cost (``gsdiff.evaluation.measure_profile_cost``): a table and a figure of the estimated
hours of each stage, one bar group per profile."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from ..evaluation.amortization import AmortizationRow
from ..evaluation.costs import ProfileCost, duration
from ._layout import color
from .tables import markdown_table

__all__ = ["cost_table", "cost_figure", "amortization_table"]


def _label(cost: ProfileCost) -> str:
    return f"{cost.profile} (N = {cost.num_pairs}, {cost.device})"


def cost_table(costs: Sequence[ProfileCost]) -> str:
    """A Markdown table: every stage of every profile, its measured seconds per unit and estimated time."""
    header = ["profile", "stage", "unit", "seconds per unit", "units", "estimated time"]
    rows = [[_label(cost), *row] for cost in costs for row in cost.rows()]
    rows += [[_label(cost), "**total**", "", "", "", f"**{duration(cost.total_seconds)}**"] for cost in costs]
    return markdown_table(header, rows)


def cost_figure(costs: Sequence[ProfileCost]) -> go.Figure:
    """Estimated hours of each stage (log scale), a bar group per profile."""
    fig = go.Figure()
    stages = list(dict.fromkeys(stage.stage for cost in costs for stage in cost.stages))
    for k, name in enumerate(stages):
        hours = [next((s.total_seconds / 3600 for s in c.stages if s.stage == name), None) for c in costs]
        fig.add_trace(go.Bar(x=[_label(c) for c in costs], y=hours, name=name, marker_color=color(k)))
    fig.update_layout(barmode="group", height=420, yaxis={"type": "log", "title": "estimated hours"})
    return fig


def _ratio(numerator: float | None, denominator: float) -> str:
    return "—" if numerator is None else f"{numerator / denominator:.2f}"


def amortization_table(rows: Sequence[AmortizationRow]) -> str:
    """A Markdown table of ``gsdiff.evaluation.amortization``: a row per size and policy, the experts' and
    the policy's seconds per network, how many times faster the policy is, and its quality beside."""
    header = [
        "N",
        "exact expert (s)",
        "mean-field expert (s)",
        "policy",
        "sampling",
        "policy (s)",
        "exact ÷ policy",
        "mean field ÷ policy",
        "p5 ÷ expert",
        "mean ÷ expert",
    ]
    cells = [
        [
            row.num_pairs,
            "—" if row.exact_seconds is None else f"{row.exact_seconds:.1f}",
            f"{row.mean_field_seconds:.1f}",
            candidate.label,
            row.policy_sampling[candidate],
            f"{seconds:.1f}",
            _ratio(row.exact_seconds, seconds),
            _ratio(row.mean_field_seconds, seconds),
            f"{row.p5_ratio[candidate]:.3f} ({row.reference})",
            f"{row.mean_ratio[candidate]:.3f}",
        ]
        for row in rows
        for candidate, seconds in row.policy_seconds.items()
    ]
    return markdown_table(header, cells)
