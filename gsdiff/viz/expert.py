"""The expert's figures: one network's primal-dual run, and 2-D slices of a stochastic policy."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from ..solvers.expert import ExpertResult
from ._layout import color, group_steps

__all__ = ["expert_trajectory_figure", "policy_slices_figure"]


def expert_trajectory_figure(result: ExpertResult, network: int = 0, f_min: float | None = None) -> go.Figure:
    """One network's primal-dual run: multipliers, powers and running ergodic rates over iterations.

    Every user is one colour in all three panels (click a legend entry to hide it everywhere).
    """
    it = result.iterations.cpu().numpy()
    duals = result.duals[:, network].cpu().numpy()  # [T, N]
    power_mw = result.power_w[:, network].cpu().numpy() * 1e3
    rates = result.rates[:, network].double()
    running = (rates.cumsum(0) / torch.arange(1, len(rates) + 1, dtype=rates.dtype)[:, None]).cpu().numpy()
    fig = make_subplots(
        rows=3,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=("dual variables λ_i", "transmit power x_i (mW)", "running mean of ergodic rates r_i"),
    )
    colors = sample_colorscale("Turbo", list(np.linspace(0.05, 0.95, duals.shape[1])))
    for i in range(duals.shape[1]):
        style = {"color": colors[i], "width": 1}
        for row, values in enumerate((duals[:, i], power_mw[:, i], running[:, i]), start=1):
            fig.add_trace(
                go.Scatter(
                    x=it,
                    y=values,
                    mode="lines",
                    line=style,
                    name=f"user {i}",
                    legendgroup=f"u{i}",
                    showlegend=row == 1,
                ),
                row,
                1,
            )
    if f_min is not None:
        fig.add_hline(y=f_min, line_dash="dash", row=3, col=1)
    fig.update_xaxes(title_text="primal-dual iteration", row=3, col=1)
    fig.update_layout(height=820)
    return fig


def _strongest_pairs(gains: torch.Tensor, num_pairs: int) -> list[tuple[int, int]]:
    """The pairs of users with the strongest mutual coupling: max of g_ji / g_ii and g_ij / g_jj."""
    direct = torch.diagonal(gains)
    ratio = gains / direct[None, :]  # [j, i] interference-to-signal of j at i
    coupling = torch.maximum(ratio, ratio.T).triu(1)
    order = coupling.flatten().argsort(descending=True)[:num_pairs]
    n = gains.shape[-1]
    return [(int(k) // n, int(k) % n) for k in order]


def policy_slices_figure(
    samples_w: torch.Tensor, gains: torch.Tensor, num_networks: int = 6, pairs_per_network: int = 4
) -> go.Figure:
    """2-D slices of a stochastic policy: joint samples (x_i, x_j) of the most strongly coupled pairs.

    One panel per pair (the ``pairs_per_network`` most coupled pairs of the network), a slider over networks.
    Samples on a grid of levels overlap, so each point's size and hover give how often it was drawn.
    """
    cols = 2
    rows = -(-pairs_per_network // cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.1, vertical_spacing=0.12)
    groups: list[int] = []
    shown = min(num_networks, samples_w.shape[0])
    for b in range(shown):
        x_mw = samples_w[b].double().cpu().numpy() * 1e3  # [S, N]
        for k, (i, j) in enumerate(_strongest_pairs(gains[b].double().cpu(), pairs_per_network)):
            points, counts = np.unique(np.round(x_mw[:, [i, j]], 3), axis=0, return_counts=True)
            share = counts / counts.sum()
            marker = {"size": 6 + 40 * np.sqrt(share), "color": color(k), "opacity": 0.7}
            hover = f"x_{i} = %{{x:.1f}} mW<br>x_{j} = %{{y:.1f}} mW<br>%{{text}}"
            trace = go.Scatter(
                x=points[:, 0],
                y=points[:, 1],
                mode="markers",
                visible=b == 0,
                showlegend=False,
                name=f"users {i}, {j}",
                marker=marker,
                text=[f"{v:.0%} of samples" for v in share],
                hovertemplate=hover,
            )
            fig.add_trace(trace, k // cols + 1, k % cols + 1)
            groups.append(b)
    for k in range(pairs_per_network):
        place = {"row": k // cols + 1, "col": k % cols + 1}
        fig.update_xaxes(title_text=f"pair {k + 1}: first user's power (mW)", range=[-0.8, 10.8], **place)
        fig.update_yaxes(title_text="second user's power (mW)", range=[-0.8, 10.8], **place)
    steps = group_steps([f"network {b}" for b in range(shown)], groups)
    fig.update_layout(sliders=[{"steps": steps, "pad": {"t": 40}}], height=330 * rows + 80)
    return fig
