"""The expert's figures: one network's primal-dual run, and 2-D slices of a stochastic policy."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from ..solvers.expert import ExpertResult
from ._layout import color, group_steps

__all__ = [
    "expert_trajectory_figure",
    "policy_slices_figure",
    "pair_slice_figure",
    "sample_strip_figure",
    "strongest_pairs",
]


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


def strongest_pairs(gains: torch.Tensor, num_pairs: int) -> list[tuple[int, int]]:
    """The pairs (i, j), i < j, of users with the strongest mutual coupling, most coupled first: the
    larger of g_ji / g_ii and g_ij / g_jj, for one network's gains [N, N]."""
    direct = torch.diagonal(gains)
    ratio = gains / direct[None, :]  # [j, i] interference-to-signal of j at i
    coupling = torch.maximum(ratio, ratio.T).triu(1)
    order = coupling.flatten().argsort(descending=True)[:num_pairs]
    n = gains.shape[-1]
    return [(int(k) // n, int(k) % n) for k in order]


def _slice_trace(x_mw: np.ndarray, i: int, j: int, pool, colour: str, visible: bool, legend: bool):
    """Joint samples (x_i, x_j) of one pool [S, N] (mW), ``pool`` its candidate or label ("" for none); a
    point's size and hover: how often it was drawn."""
    name = str(pool) if pool else ""
    points, counts = np.unique(np.round(x_mw[:, [i, j]], 3), axis=0, return_counts=True)
    share = counts / counts.sum()
    return go.Scatter(
        x=points[:, 0],
        y=points[:, 1],
        mode="markers",
        visible=visible,
        showlegend=legend,
        legendgroup=name,
        name=name or f"users {i}, {j}",
        marker={"size": 6 + 40 * np.sqrt(share), "color": colour, "opacity": 0.6},
        text=[f"{name + ': ' if name else ''}{v:.0%} of samples" for v in share],
        hovertemplate=f"x_{i} = %{{x:.1f}} mW<br>x_{j} = %{{y:.1f}} mW<br>%{{text}}",
    )


def policy_slices_figure(
    samples_w: torch.Tensor | Mapping[str, torch.Tensor],
    gains: torch.Tensor,
    num_networks: int = 6,
    pairs_per_network: int = 4,
) -> go.Figure:
    """2-D slices of a stochastic policy: joint samples (x_i, x_j) of the most strongly coupled pairs.

    One panel per pair (the ``pairs_per_network`` most coupled pairs of the network), a slider over networks.
    Samples on a grid of levels overlap, so each point's size and hover give how often it was drawn.
    ``samples_w`` is one pool [B, S, N] (one colour per pair) or several by name (e.g. the expert's and a
    policy's, drawn over each other in that order, one colour per pool).
    """
    pools = {"": samples_w} if isinstance(samples_w, torch.Tensor) else dict(samples_w)
    cols = 2
    rows = -(-pairs_per_network // cols)
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.1, vertical_spacing=0.12)
    groups: list[int] = []
    shown = min(num_networks, gains.shape[0])
    for b in range(shown):
        pairs = strongest_pairs(gains[b].double().cpu(), pairs_per_network)
        for p, (name, pool) in enumerate(pools.items()):
            x_mw = pool[b].double().cpu().numpy() * 1e3  # [S, N]
            for k, (i, j) in enumerate(pairs):
                colour = color(k) if len(pools) == 1 else color(p)
                legend = bool(name) and b == 0 and k == 0
                fig.add_trace(
                    _slice_trace(x_mw, i, j, name, colour, b == 0, legend), k // cols + 1, k % cols + 1
                )
                groups.append(b)
    for k in range(pairs_per_network):
        place = {"row": k // cols + 1, "col": k % cols + 1}
        fig.update_xaxes(title_text=f"pair {k + 1}: first user's power (mW)", range=[-0.8, 10.8], **place)
        fig.update_yaxes(title_text="second user's power (mW)", range=[-0.8, 10.8], **place)
    steps = group_steps([f"network {b}" for b in range(shown)], groups)
    fig.update_layout(sliders=[{"steps": steps, "pad": {"t": 40}}], height=330 * rows + 80)
    return fig


def pair_slice_figure(pools: Mapping[str, torch.Tensor], pair: tuple[int, int]) -> go.Figure:
    """One 2-D slice: the joint powers (x_i, x_j) of one network's pools of samples [S, N] by name (drawn over
    each other in that order), for the users ``pair`` = (i, j)."""
    i, j = pair
    fig = go.Figure()
    for p, (name, pool) in enumerate(pools.items()):
        fig.add_trace(_slice_trace(pool.double().cpu().numpy() * 1e3, i, j, name, color(p), True, True))
    fig.update_layout(
        xaxis={"title": f"user {i}'s power (mW)", "range": [-0.8, 10.8]},
        yaxis={"title": f"user {j}'s power (mW)", "range": [-0.8, 10.8]},
        height=420,
    )
    return fig


def sample_strip_figure(samples_w: torch.Tensor, max_power_w: float) -> go.Figure:
    """One network's samples [S, N] as a strip: users down, samples across, coloured by the fraction of
    P_max each user transmits with (turns show as on/off patterns along a row)."""
    fraction = (samples_w / max_power_w).double().cpu().numpy().T  # [N, S]
    fig = go.Figure(
        go.Heatmap(
            z=fraction,
            zmin=0.0,
            zmax=1.0,
            colorscale="Viridis",
            colorbar={"title": "x / P_max"},
            hovertemplate="sample %{x}, user %{y}: %{z:.0%} of P_max<extra></extra>",
        )
    )
    fig.update_layout(xaxis={"title": "sample"}, yaxis={"title": "user"}, height=360)
    return fig
