"""Network maps and the channel graph: a drop's links, path loss, the graph signal, allocations and U-GNN
levels drawn on the map."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from ..config import GraphConfig, RadioConfig
from ..graph.signals import edge_weights, node_conditions
from ..units import linear_to_db
from ..wireless.channel import Networks, path_loss_db
from ._layout import add_grouped, color, group_steps, links_trace, map_axes, pair_links

__all__ = [
    "network_map",
    "path_loss_figure",
    "channel_graph_figure",
    "allocation_map_figure",
    "ugnn_levels_figure",
]


def _positions(net: Networks, index: int) -> tuple[np.ndarray, np.ndarray]:
    return net.tx_pos_m[index].cpu().numpy(), net.rx_pos_m[index].cpu().numpy()


def _network_traces(net: Networks, index: int, num_interferers: int, num_bins: int = 5) -> list[go.Scatter]:
    """Traces of one network: interference links (strongest per receiver), direct links by gain, tx and rx."""
    tx, rx = _positions(net, index)
    gains_db = linear_to_db(net.gains[index].double()).cpu().numpy()  # [N, N] (j, i)
    n = len(tx)
    cross = gains_db.copy()
    np.fill_diagonal(cross, -np.inf)
    src = np.argsort(-cross, axis=0)[:num_interferers]  # [k, N] strongest transmitters j per receiver i
    dst = np.broadcast_to(np.arange(n), src.shape)
    traces = [
        links_trace(
            tx[src.ravel()],
            rx[dst.ravel()],
            {"color": "rgba(214,39,40,0.25)", "width": 1},
            name=f"{num_interferers} strongest interferers per rx",
            hoverinfo="skip",
        )
    ]
    direct = np.diag(gains_db)
    edges = np.linspace(direct.min(), direct.max() + 1e-9, num_bins + 1)
    colors = sample_colorscale("Viridis", list(np.linspace(0, 1, num_bins)))
    for k in range(num_bins):
        sel = (direct >= edges[k]) & (direct < edges[k + 1])
        style = {"color": colors[k], "width": 3}
        traces.append(links_trace(tx[sel], rx[sel], style, showlegend=False, hoverinfo="skip"))
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
    for pos, name, marker in (
        (tx, "transmitter", {"symbol": "triangle-up", "size": 8, "color": "black"}),
        (rx, "receiver", {"symbol": "circle-open", "size": 7, "color": "black"}),
    ):
        traces.append(go.Scatter(x=pos[:, 0], y=pos[:, 1], mode="markers", name=name, marker=marker))
    return traces


def network_map(networks: Mapping[str, Networks], index: int = 0, num_interferers: int = 2) -> go.Figure:
    """Map of one network per label (e.g. per density) with a dropdown to switch between them.

    Direct links are coloured by their large-scale gain; thin red lines join each receiver to its
    ``num_interferers`` strongest interfering transmitters.
    """
    fig, groups = go.Figure(), []
    sides = [net.side_m for net in networks.values()]
    for g, net in enumerate(networks.values()):
        add_grouped(fig, _network_traces(net, index, num_interferers), g, groups)
    ranges = [{"xaxis.range": [0, side], "yaxis.range": [0, side]} for side in sides]
    buttons = group_steps(list(networks), groups, ranges)
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
    fig.add_trace(go.Scatter(x=d, y=pl, mode="lines", name="path loss PL(d)", line={"color": color(0)}))
    fig.add_vline(x=100, line_dash="dot", annotation_text="breakpoint 100 m")
    fig.update_layout(
        xaxis={"title": "distance (m)", "type": "log"}, yaxis={"title": "loss (dB)"}, height=450
    )
    return fig


def channel_graph_figure(
    gains: torch.Tensor, f_min: float, radio: RadioConfig, graph_config: GraphConfig
) -> go.Figure:
    """One network as a graph signal: the weighted adjacency (the edge weights that
    ``graph_config.edge_weight`` names) and the node conditions u."""
    weights = edge_weights(gains.double(), radio, graph_config).numpy()  # [N, N] (j, i)
    u = node_conditions(gains[None].double(), f_min, radio, graph_config)[0].numpy()  # [N, 3]
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


def allocation_map_figure(net: Networks, index: int, values: np.ndarray, labels: Sequence[str]) -> go.Figure:
    """Diffusion-space signals [T, N] on the network map, one transmitter colour per value, slider over T.

    Colours span the diffusion space [-1/2, 1/2] (off to full power); noisy values beyond it saturate the
    colour scale, and the hover text gives the exact value and the power it maps to.
    """
    tx, rx = _positions(net, index)
    fig, groups = go.Figure(), []
    receivers = go.Scatter(
        x=rx[:, 0],
        y=rx[:, 1],
        mode="markers",
        marker={"symbol": "x", "size": 6, "color": "gray"},
        name="receivers",
        hoverinfo="skip",
    )
    add_grouped(fig, [pair_links(tx, rx), receivers], None, groups)
    for k, row in enumerate(values):
        fraction = np.clip(row + 0.5, 0.0, 1.0)
        transmitters = go.Scatter(
            x=tx[:, 0],
            y=tx[:, 1],
            mode="markers",
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
        add_grouped(fig, [transmitters], k, groups)
    steps = group_steps(list(labels), groups)
    fig.update_layout(
        sliders=[{"steps": steps, "currentvalue": {"prefix": "step: "}, "pad": {"t": 40}}],
        showlegend=False,
        **map_axes(),
    )
    return fig


def ugnn_levels_figure(net: Networks, index: int, masks: Sequence[torch.Tensor]) -> go.Figure:
    """Which pairs each U-GNN level keeps, on the network map: marker size and colour by the deepest level."""
    tx, rx = _positions(net, index)
    depth = torch.stack([m.cpu() for m in masks]).sum(0).numpy() - 1  # deepest level that keeps each pair
    fig = go.Figure(pair_links(tx, rx))
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
    fig.update_layout(**map_axes())
    return fig
