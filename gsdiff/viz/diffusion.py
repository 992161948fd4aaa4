"""Diffusion figures: noise schedules, a signal over the diffusion steps, and samplers compared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..diffusion.loss import loss_weights
from ..diffusion.noise_schedules import NoiseSchedule
from ._layout import PALETTE, color, group_steps, line

__all__ = ["schedule_figure", "signal_steps_figure", "sampler_comparison_figure"]


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
            fig.add_trace(line(steps, curve.numpy(), name, k, col == 1), 1, col)
    fig.update_xaxes(title_text="diffusion step k")
    fig.update_layout(height=360)
    return fig


def signal_steps_figure(values: np.ndarray, labels: Sequence[str], title: str) -> go.Figure:
    """An allocation-like signal over the nodes at several steps [T, N] as bars, with a slider over steps."""
    fig = go.Figure()
    n = values.shape[1]
    for k, row in enumerate(values):
        fig.add_trace(go.Bar(x=np.arange(n), y=row, visible=k == 0, marker_color=PALETTE[0], name=labels[k]))
    steps = group_steps(list(labels), list(range(len(values))))
    lo, hi = float(values.min()), float(values.max())
    fig.update_layout(
        sliders=[{"steps": steps, "currentvalue": {"prefix": f"{title}: "}, "pad": {"t": 40}}],
        xaxis={"title": "user (tx-rx pair)"},
        yaxis={"title": "value", "range": [min(lo, -0.6), max(hi, 0.6)]},
        height=420,
        showlegend=False,
    )
    return fig


def sampler_comparison_figure(rows: Sequence[Mapping], reference_p5: float | None = None) -> go.Figure:
    """p5 (of rate - f_min) and sampling time per network against the reverse steps, a line per sampler.

    ``rows``: dicts with keys sampler, steps, p5, seconds_per_network
    (e.g. ``gsdiff.evaluation.sampler_sweep``).
    """
    fig = make_subplots(
        rows=1, cols=2, subplot_titles=("5th percentile of rate − f_min", "sampling time per network")
    )
    for k, name in enumerate(dict.fromkeys(r["sampler"] for r in rows)):
        sel = sorted((r for r in rows if r["sampler"] == name), key=lambda r: r["steps"])
        style = {"color": color(k)}
        steps = [r["steps"] for r in sel]
        fig.add_trace(
            go.Scatter(x=steps, y=[r["p5"] for r in sel], mode="lines+markers", name=name, line=style), 1, 1
        )
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=[r["seconds_per_network"] for r in sel],
                mode="lines+markers",
                name=name,
                line=style,
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
