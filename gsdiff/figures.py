"""Plotly figure builders for the book. Each returns a ``plotly.graph_objects.Figure``.

Views that must stay explorable in the static HTML use plotly dropdowns and sliders (no kernel needed).
Nothing else in gsdiff imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from .channel import Networks, path_loss_db
from .config import GraphConfig, RadioConfig
from .evaluation import TimeSharingResult
from .expert import ExpertResult
from .graphs import log_snr_weight, node_conditions
from .metrics import PERCENTILES
from .schedule import NoiseSchedule, loss_weights
from .two_user import RateRegion, best_deterministic, best_time_sharing, convex_hull
from .units import linear_to_db

__all__ = [
    "network_map",
    "path_loss_figure",
    "channel_graph_figure",
    "rate_cdf_figure",
    "percentile_curves_figure",
    "rate_region_figure",
    "metrics_table",
    "expert_trajectory_figure",
    "policy_slices_figure",
    "grid_heatmap_figure",
    "schedule_figure",
    "signal_steps_figure",
    "allocation_map_figure",
    "sampler_comparison_figure",
    "ugnn_levels_figure",
    "training_curves_figure",
]

_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")


def _visibility(groups: Sequence[int], active: int) -> list[bool]:
    """Visibility mask of traces, where trace k belongs to group ``groups[k]``."""
    return [g == active for g in groups]


def _line(
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
        name=name,
        line={"color": _PALETTE[k % len(_PALETTE)], "dash": dash},
        legendgroup=group or name,
        showlegend=show_legend,
    )


def _segments(start: np.ndarray, end: np.ndarray) -> tuple[list, list]:
    """Line segments [K, 2] -> x, y lists with None breaks, so one trace draws them all."""
    xs = np.stack([start[:, 0], end[:, 0], np.full(len(start), np.nan)], 1).ravel()
    ys = np.stack([start[:, 1], end[:, 1], np.full(len(start), np.nan)], 1).ravel()
    return [None if np.isnan(v) else v for v in xs], [None if np.isnan(v) else v for v in ys]


def _network_traces(net: Networks, index: int, num_interferers: int, num_bins: int = 5) -> list[go.Scatter]:
    """Traces of one network: interference links (strongest per receiver), direct links by gain, tx and rx."""
    tx, rx = net.tx_pos_m[index].cpu().numpy(), net.rx_pos_m[index].cpu().numpy()
    gains_db = linear_to_db(net.gains[index].double()).cpu().numpy()  # [N, N] (j, i)
    n = len(tx)
    traces = []
    cross = gains_db.copy()
    np.fill_diagonal(cross, -np.inf)
    src = np.argsort(-cross, axis=0)[:num_interferers]  # [k, N] strongest transmitters j per receiver i
    dst = np.broadcast_to(np.arange(n), src.shape)
    x, y = _segments(tx[src.ravel()], rx[dst.ravel()])
    traces.append(
        go.Scatter(
            x=x,
            y=y,
            mode="lines",
            line={"color": "rgba(214,39,40,0.25)", "width": 1},
            name=f"{num_interferers} strongest interferers per rx",
            hoverinfo="skip",
        )
    )
    direct = np.diag(gains_db)
    edges = np.linspace(direct.min(), direct.max() + 1e-9, num_bins + 1)
    colors = sample_colorscale("Viridis", list(np.linspace(0, 1, num_bins)))
    for b in range(num_bins):
        sel = (direct >= edges[b]) & (direct < edges[b + 1])
        x, y = _segments(tx[sel], rx[sel])
        traces.append(
            go.Scatter(
                x=x,
                y=y,
                mode="lines",
                line={"color": colors[b], "width": 3},
                showlegend=False,
                hoverinfo="skip",
            )
        )
    mid = (tx + rx) / 2
    traces.append(
        go.Scatter(
            x=mid[:, 0],
            y=mid[:, 1],
            mode="markers",
            name="direct link gain",
            marker={
                "size": 4,
                "color": direct,
                "colorscale": "Viridis",
                "colorbar": {"title": "direct gain (dB)"},
            },
            text=[f"pair {i}: {g:.1f} dB" for i, g in enumerate(direct)],
            hoverinfo="text",
        )
    )
    traces.append(
        go.Scatter(
            x=tx[:, 0],
            y=tx[:, 1],
            mode="markers",
            name="transmitter",
            marker={"symbol": "triangle-up", "size": 8, "color": "black"},
        )
    )
    traces.append(
        go.Scatter(
            x=rx[:, 0],
            y=rx[:, 1],
            mode="markers",
            name="receiver",
            marker={"symbol": "circle-open", "size": 7, "color": "black"},
        )
    )
    return traces


def network_map(networks: Mapping[str, Networks], index: int = 0, num_interferers: int = 2) -> go.Figure:
    """Map of one network per label (e.g. per density) with a dropdown to switch between them.

    Direct links are coloured by their large-scale gain; thin red lines join each receiver to its
    ``num_interferers`` strongest interfering transmitters.
    """
    fig, groups, sides = go.Figure(), [], []
    for g, net in enumerate(networks.values()):
        for trace in _network_traces(net, index, num_interferers):
            trace.visible = g == 0
            fig.add_trace(trace)
            groups.append(g)
        sides.append(net.side_m)
    buttons = [
        {
            "label": label,
            "method": "update",
            "args": [
                {"visible": _visibility(groups, g)},
                {"xaxis.range": [0, sides[g]], "yaxis.range": [0, sides[g]]},
            ],
        }
        for g, label in enumerate(networks)
    ]
    fig.update_layout(
        updatemenus=[{"buttons": buttons, "x": 0.0, "y": 1.12, "xanchor": "left"}],
        xaxis={"title": "x (m)", "range": [0, sides[0]]},
        yaxis={"title": "y (m)", "range": [0, sides[0]], "scaleanchor": "x"},
        height=620,
        legend={"orientation": "h", "y": -0.12},
        margin={"t": 60},
    )
    return fig


def path_loss_figure(networks: Networks | None = None, shadowing_std_db: float = 7.0) -> go.Figure:
    """Dual-slope path loss with its +-1 sigma shadowing band and, optionally, the links of drawn networks."""
    d_t = torch.logspace(0, np.log10(5000), 400, dtype=torch.float64)
    d, pl = d_t.numpy(), path_loss_db(d_t).numpy()
    fig = go.Figure()
    if networks is not None:
        dist = networks.distance_m.flatten().cpu().numpy()
        loss = -linear_to_db(networks.gains.double()).flatten().cpu().numpy()
        keep = np.random.default_rng(0).permutation(len(dist))[:3000]  # a readable subsample of links
        fig.add_trace(
            go.Scatter(
                x=dist[keep],
                y=loss[keep],
                mode="markers",
                name="drawn links",
                marker={"size": 3, "color": "rgba(100,100,100,0.35)"},
            )
        )
    fig.add_trace(
        go.Scatter(
            x=np.r_[d, d[::-1]],
            y=np.r_[pl + shadowing_std_db, (pl - shadowing_std_db)[::-1]],
            fill="toself",
            fillcolor="rgba(31,119,180,0.15)",
            line={"width": 0},
            name=f"±{shadowing_std_db:g} dB shadowing (1σ)",
            hoverinfo="skip",
        )
    )
    fig.add_trace(go.Scatter(x=d, y=pl, mode="lines", name="path loss PL(d)", line={"color": _PALETTE[0]}))
    fig.add_vline(x=100, line_dash="dot", annotation_text="breakpoint 100 m")
    fig.update_layout(
        xaxis={"title": "distance (m)", "type": "log"}, yaxis={"title": "loss (dB)"}, height=450
    )
    return fig


def channel_graph_figure(
    gains: torch.Tensor, f_min: float, radio: RadioConfig | None = None, graph: GraphConfig | None = None
) -> go.Figure:
    """One network as a graph signal: the weighted adjacency (edge weights) and the node conditions u."""
    radio, graph = radio or RadioConfig(), graph or GraphConfig()
    weights = log_snr_weight(gains.double(), radio, graph).numpy()  # [N, N] (j, i)
    u = node_conditions(gains[None].double(), f_min, radio, graph)[0].numpy()  # [N, 3]
    fig = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.7, 0.3],
        horizontal_spacing=0.12,
        subplot_titles=("edge weights w_ji (rows: rx i, columns: tx j)", "node signal u_i"),
    )
    fig.add_trace(
        go.Heatmap(
            z=weights.T,
            colorscale="Viridis",
            colorbar={"x": 0.62, "title": "w"},
            hovertemplate="tx %{x} → rx %{y}: %{z:.3f}<extra></extra>",
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Heatmap(
            z=u,
            x=["direct", "interference", "f_min"],
            colorscale="Cividis",
            colorbar={"title": "u"},
            hovertemplate="pair %{y}, %{x}: %{z:.3f}<extra></extra>",
        ),
        1,
        2,
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=520)
    return fig


def rate_cdf_figure(rates: Mapping[str, torch.Tensor], f_min: float) -> go.Figure:
    """Empirical CDFs of pooled per-user ergodic rates, one curve per policy, with the f_min line."""
    fig = go.Figure()
    for k, (name, r) in enumerate(rates.items()):
        values = np.sort(r.flatten().double().cpu().numpy())
        prob = np.arange(1, len(values) + 1) / len(values)
        fig.add_trace(
            go.Scatter(x=values, y=prob, mode="lines", name=name, line={"color": _PALETTE[k % len(_PALETTE)]})
        )
    fig.add_vline(x=f_min, line_dash="dash", annotation_text=f"f_min = {f_min:g}")
    fig.update_layout(
        xaxis={"title": "ergodic rate (bits/s/Hz)"}, yaxis={"title": "fraction of users"}, height=420
    )
    return fig


def percentile_curves_figure(
    results: Mapping[str, TimeSharingResult], f_min: float, q: tuple[float, ...] = (1.0, 5.0)
) -> go.Figure:
    """Pooled percentiles and mean of the cumulative ergodic rates over time slots, one colour per policy."""
    titles = [f"{p:g}th percentile" for p in q] + ["mean"]
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, horizontal_spacing=0.06)
    for k, (name, res) in enumerate(results.items()):
        curves = torch.cat([res.percentile_curves(q), res.mean_curve()[:, None]], dim=1).cpu().numpy()
        slots = np.arange(1, len(curves) + 1)
        for c in range(curves.shape[1]):
            fig.add_trace(_line(slots, curves[:, c], name, k, c == 0), 1, c + 1)
    for c in range(len(q)):
        fig.add_hline(y=f_min, line_dash="dash", row=1, col=c + 1)
    fig.update_xaxes(title_text="time slot")
    fig.update_yaxes(title_text="bits/s/Hz", col=1)
    fig.update_layout(height=420)
    return fig


def rate_region_figure(regions: Mapping[str, RateRegion], f_min: float) -> go.Figure:
    """Two-user rate regions with a slider over cases: deterministic grid, time-sharing hull, optima."""
    fig, groups = go.Figure(), []
    for g, region in enumerate(regions.values()):
        hull = convex_hull(region.rates)
        det_value, det_index = best_deterministic(region, f_min)
        ts_value, ts_point = best_time_sharing(region, f_min)
        p = region.power_w * 1e3
        traces = [
            go.Scatter(
                x=region.rates[:, 0],
                y=region.rates[:, 1],
                mode="markers",
                name="deterministic x",
                marker={"size": 4, "color": "rgba(31,119,180,0.5)"},
                text=[f"x = ({a:.1f}, {b:.1f}) mW" for a, b in p],
                hoverinfo="text+x+y",
            ),
            go.Scatter(
                x=np.r_[hull[:, 0], hull[:1, 0]],
                y=np.r_[hull[:, 1], hull[:1, 1]],
                mode="lines",
                name="time-sharing (convex hull)",
                line={"color": _PALETTE[2]},
            ),
        ]
        if det_index is not None:
            traces.append(
                go.Scatter(
                    x=[region.rates[det_index, 0]],
                    y=[region.rates[det_index, 1]],
                    mode="markers",
                    name=f"best deterministic: {det_value:.2f}",
                    marker={"size": 13, "symbol": "square", "color": _PALETTE[1]},
                )
            )
        if ts_point is not None:
            traces.append(
                go.Scatter(
                    x=[ts_point[0]],
                    y=[ts_point[1]],
                    mode="markers",
                    name=f"best time-sharing: {ts_value:.2f}",
                    marker={"size": 15, "symbol": "star", "color": _PALETTE[2]},
                )
            )
        for trace in traces:
            trace.visible = g == 0
            fig.add_trace(trace)
            groups.append(g)
    top = max(r.rates.max() for r in regions.values()) * 1.05
    for axis in ("x", "y"):
        fig.add_shape(
            type="line",
            line={"dash": "dash", "color": "gray"},
            **(
                {"x0": f_min, "x1": f_min, "y0": 0, "y1": top}
                if axis == "x"
                else {"y0": f_min, "y1": f_min, "x0": 0, "x1": top}
            ),
        )
    steps = [
        {"label": label, "method": "update", "args": [{"visible": _visibility(groups, g)}]}
        for g, label in enumerate(regions)
    ]
    fig.update_layout(
        sliders=[
            {"steps": steps, "currentvalue": {"prefix": "cross gain / direct gain: "}, "pad": {"t": 50}}
        ],
        xaxis={"title": "ergodic rate of user 1 (bits/s/Hz)", "range": [0, top]},
        yaxis={"title": "ergodic rate of user 2 (bits/s/Hz)", "range": [0, top], "scaleanchor": "x"},
        height=640,
        legend={"x": 0.62, "y": 0.98},
    )
    return fig


def metrics_table(metrics: Mapping[str, Mapping[str, float]], keys: Sequence[str] | None = None) -> str:
    """A Markdown table of policies (rows) by metrics (columns; "–" where a row lacks one), for Markdown."""
    keys = list(keys or ["mean", *(f"p{q:g}" for q in PERCENTILES), "feasible_fraction", "jain"])
    lines = ["| policy | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    lines += [
        f"| {name} | " + " | ".join(f"{m[k]:.3f}" if k in m else "–" for k in keys) + " |"
        for name, m in metrics.items()
    ]
    return "\n".join(lines)


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
            marker = {"size": 6 + 40 * np.sqrt(share), "color": _PALETTE[k % len(_PALETTE)], "opacity": 0.7}
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
    steps = [
        {"label": f"network {b}", "method": "update", "args": [{"visible": _visibility(groups, b)}]}
        for b in range(shown)
    ]
    fig.update_layout(sliders=[{"steps": steps, "pad": {"t": 40}}], height=330 * rows + 80)
    return fig


def grid_heatmap_figure(
    values: np.ndarray, densities: Sequence[float], f_mins: Sequence[float], title: str, fmt: str = ".2f"
) -> go.Figure:
    """A (density x f_min) heatmap with the values written in the cells."""
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=[f"{f:g}" for f in f_mins],
            y=[f"{d:g}" for d in densities],
            colorscale="Viridis",
            text=[[format(v, fmt) for v in row] for row in values],
            texttemplate="%{text}",
            colorbar={"title": title},
        )
    )
    fig.update_layout(
        xaxis={"title": "f_min (bits/s/Hz)"}, yaxis={"title": "density (pairs/km²)"}, height=380
    )
    return fig


def schedule_figure(schedules: Mapping[str, NoiseSchedule]) -> go.Figure:
    """Noise schedules side by side: signal sqrt(alphabar_k), log SNR(k) and the log-SNR loss weights."""
    fig = make_subplots(
        rows=1, cols=3, subplot_titles=("signal sqrt(ᾱ_k)", "log SNR(k)", "loss weight ω(k), log_snr")
    )
    for k, (name, schedule) in enumerate(schedules.items()):
        steps = np.arange(schedule.num_train_steps)
        alphabar = schedule.alphas_cumprod.double()
        curves = (alphabar.sqrt(), torch.log(alphabar / (1 - alphabar)), loss_weights(schedule, "log_snr"))
        for col, curve in enumerate(curves, start=1):
            fig.add_trace(_line(steps, curve.numpy(), name, k, col == 1), 1, col)
    fig.update_xaxes(title_text="diffusion step k")
    fig.update_layout(height=360)
    return fig


def signal_steps_figure(values: np.ndarray, labels: Sequence[str], title: str) -> go.Figure:
    """An allocation-like signal over the nodes at several steps [T, N] as bars, with a slider over steps."""
    fig = go.Figure()
    n = values.shape[1]
    for k, row in enumerate(values):
        fig.add_trace(go.Bar(x=np.arange(n), y=row, visible=k == 0, marker_color=_PALETTE[0], name=labels[k]))
    steps = [
        {"label": label, "method": "update", "args": [{"visible": [j == k for j in range(len(values))]}]}
        for k, label in enumerate(labels)
    ]
    lo, hi = float(values.min()), float(values.max())
    fig.update_layout(
        sliders=[{"steps": steps, "currentvalue": {"prefix": f"{title}: "}, "pad": {"t": 40}}],
        xaxis={"title": "user (tx-rx pair)"},
        yaxis={"title": "value", "range": [min(lo, -0.6), max(hi, 0.6)]},
        height=420,
        showlegend=False,
    )
    return fig


def allocation_map_figure(net: Networks, index: int, values: np.ndarray, labels: Sequence[str]) -> go.Figure:
    """Diffusion-space signals [T, N] on the network map, one transmitter colour per value, slider over T.

    Colours span the diffusion space [-1/2, 1/2] (off to full power); noisy values beyond it saturate the
    colour scale, and the hover text gives the exact value and the power it maps to.
    """
    tx, rx = net.tx_pos_m[index].cpu().numpy(), net.rx_pos_m[index].cpu().numpy()
    fig = go.Figure()
    x, y = _segments(tx, rx)
    fig.add_trace(
        go.Scatter(
            x=x, y=y, mode="lines", line={"color": "gray", "width": 1}, showlegend=False, hoverinfo="skip"
        )
    )
    fig.add_trace(
        go.Scatter(
            x=rx[:, 0],
            y=rx[:, 1],
            mode="markers",
            marker={"symbol": "x", "size": 6, "color": "gray"},
            name="receivers",
            hoverinfo="skip",
        )
    )
    for k, row in enumerate(values):
        fraction = np.clip(row + 0.5, 0.0, 1.0)
        fig.add_trace(
            go.Scatter(
                x=tx[:, 0],
                y=tx[:, 1],
                mode="markers",
                visible=k == 0,
                name="transmitters",
                marker={
                    "size": 9 + 9 * fraction,
                    "color": row,
                    "cmin": -0.5,
                    "cmax": 0.5,
                    "colorscale": "Viridis",
                    "colorbar": {"title": "x (diffusion space)", "tickvals": [-0.5, 0, 0.5]},
                    "line": {"width": 1, "color": "black"},
                },
                text=[
                    f"pair {i}: x = {v:+.2f} (power {f:.0%} of P_max)"
                    for i, (v, f) in enumerate(zip(row, fraction, strict=True))
                ],
                hoverinfo="text",
            )
        )
    fixed = [True, True]
    steps = [
        {
            "label": label,
            "method": "update",
            "args": [{"visible": fixed + [j == k for j in range(len(values))]}],
        }
        for k, label in enumerate(labels)
    ]
    fig.update_layout(
        sliders=[{"steps": steps, "currentvalue": {"prefix": "step: "}, "pad": {"t": 40}}],
        xaxis={"title": "x (m)"},
        yaxis={"title": "y (m)", "scaleanchor": "x"},
        height=560,
        showlegend=False,
    )
    return fig


def sampler_comparison_figure(rows: Sequence[Mapping], reference_p5: float | None = None) -> go.Figure:
    """p5 (of rate - f_min) and sampling time per network against the reverse steps, a line per sampler.

    ``rows``: dicts with keys sampler, steps, p5, seconds_per_network (e.g. ``gsdiff.train.sampler_sweep``).
    """
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("5th percentile of rate − f_min", "sampling time per network")
    )
    for k, name in enumerate(dict.fromkeys(r["sampler"] for r in rows)):
        sel = sorted((r for r in rows if r["sampler"] == name), key=lambda r: r["steps"])
        color = {"color": _PALETTE[k % len(_PALETTE)]}
        steps = [r["steps"] for r in sel]
        fig.add_trace(
            go.Scatter(x=steps, y=[r["p5"] for r in sel], mode="lines+markers", name=name, line=color), 1, 1
        )
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=[r["seconds_per_network"] for r in sel],
                mode="lines+markers",
                name=name,
                line=color,
                showlegend=False,
            ),
            1,
            2,
        )
    if reference_p5 is not None:
        fig.add_hline(y=reference_p5, line_dash="dash", annotation_text="expert", row=1, col=1)
    fig.update_xaxes(title_text="reverse steps", type="log")
    fig.update_yaxes(title_text="bits/s/Hz", row=1, col=1)
    fig.update_yaxes(title_text="s", type="log", row=1, col=2)
    fig.update_layout(height=400)
    return fig


def sample_count_figure(
    counts: Sequence[int], curves: Mapping[str, Sequence[Mapping[str, float]]]
) -> go.Figure:
    """p5 and mean relative to a reference against the number of time-shared samples, a line per way of
    drawing them; ``curves[name][k]`` holds ``p5_ratio`` and ``mean_ratio`` at ``counts[k]``."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("p5 ÷ expert's", "mean ÷ expert's"))
    for k, (name, points) in enumerate(curves.items()):
        for col, key in ((1, "p5_ratio"), (2, "mean_ratio")):
            y = [point[key] for point in points]
            fig.add_trace(_line(list(counts), y, name, k, col == 1, "lines+markers"), 1, col)
    fig.add_hline(y=1, line_dash="dot", row=1, col=1)
    fig.add_hline(y=1, line_dash="dot", row=1, col=2)
    fig.update_xaxes(title_text="samples time-shared per network", type="log")
    fig.update_layout(height=400)
    return fig


def ugnn_levels_figure(net: Networks, index: int, masks: Sequence[torch.Tensor]) -> go.Figure:
    """Which pairs each U-GNN level keeps, on the network map: marker size and colour by the deepest level."""
    tx, rx = net.tx_pos_m[index].cpu().numpy(), net.rx_pos_m[index].cpu().numpy()
    depth = torch.stack([m.cpu() for m in masks]).sum(0).numpy() - 1  # deepest level that keeps each pair
    fig = go.Figure()
    x, y = _segments(tx, rx)
    fig.add_trace(
        go.Scatter(
            x=x, y=y, mode="lines", line={"color": "gray", "width": 1}, showlegend=False, hoverinfo="skip"
        )
    )
    colors = sample_colorscale("Plasma", list(np.linspace(0.1, 0.9, len(masks))))
    for level in range(len(masks)):
        sel = depth == level
        fig.add_trace(
            go.Scatter(
                x=rx[sel, 0],
                y=rx[sel, 1],
                mode="markers",
                name=f"kept down to level {level}",
                marker={
                    "size": 8 + 5 * level,
                    "color": colors[level],
                    "line": {"width": 1, "color": "black"},
                },
                text=[f"pair {i}" for i in np.nonzero(sel)[0]],
                hoverinfo="text",
            )
        )
    fig.update_layout(xaxis={"title": "x (m)"}, yaxis={"title": "y (m)", "scaleanchor": "x"}, height=560)
    return fig


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
            line = _line(h["step"], h[key], label, k, col == 1, "lines+markers", dash, group=name)
            fig.add_trace(line, 1, col)
    fig.add_hline(y=0, line_dash="dash", row=1, col=2)
    fig.add_hline(y=1, line_dash="dot", row=1, col=3)
    fig.update_xaxes(title_text="optimizer step")
    fig.update_layout(height=400)
    return fig
