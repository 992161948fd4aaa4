"""Tests for gsdiff.viz.diffusion: noise schedules, a signal over steps and the sampler comparison."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gsdiff.diffusion.loss import loss_weights
from gsdiff.diffusion.noise_schedules import NoiseSchedule
from gsdiff.viz import sampler_comparison_figure, schedule_figure, signal_steps_figure
from gsdiff.viz._layout import PALETTE


def test_schedule_panels_equal_the_schedules() -> None:
    k = 50
    schedules = {"linear": NoiseSchedule.linear(k), "cosine": NoiseSchedule.cosine(k)}
    fig = schedule_figure(schedules)
    assert len(fig.data) == 2 * 3
    # independent float64 references of alphabar_k
    linear = np.cumprod(1 - np.linspace(1e-4, 0.02, k))
    t = np.arange(k + 1) / k
    f = np.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
    cosine = np.cumprod(1 - np.minimum(1 - f[1:] / f[:-1], 0.999))
    for s, ((name, schedule), alphabar) in enumerate(zip(schedules.items(), (linear, cosine), strict=True)):
        signal, log_snr, weight = fig.data[3 * s : 3 * s + 3]
        for col, trace in enumerate((signal, log_snr, weight), start=1):
            np.testing.assert_array_equal(trace.x, np.arange(k))
            assert trace.name == name and trace.line.color == PALETTE[s] and trace.showlegend == (col == 1)
            assert trace.xaxis == ("x" if col == 1 else f"x{col}")
        np.testing.assert_allclose(signal.y, schedule.alphas_cumprod.double().sqrt().numpy())
        np.testing.assert_allclose(signal.y, np.sqrt(alphabar), rtol=1e-6)
        np.testing.assert_allclose(log_snr.y, np.log(alphabar / (1 - alphabar)), atol=2e-3)
        np.testing.assert_allclose(weight.y, loss_weights(schedule, "log_snr").numpy())
        omega = -np.log(1 - alphabar)
        np.testing.assert_allclose(weight.y, omega / omega.mean(), rtol=1e-4, atol=1e-6)


def test_signal_steps_bars_and_slider(rng) -> None:
    values = rng.uniform(-0.5, 0.5, (3, 5))
    labels = ["k = 50", "k = 25", "k = 0"]
    fig = signal_steps_figure(values, labels, "reverse step")
    assert len(fig.data) == 3
    for k, bars in enumerate(fig.data):
        np.testing.assert_array_equal(bars.x, np.arange(5))
        np.testing.assert_array_equal(bars.y, values[k])
        assert bars.type == "bar" and bars.name == labels[k] and bars.visible == (k == 0)
    slider = fig.layout.sliders[0]
    assert slider.currentvalue.prefix == "reverse step: "
    assert [s.label for s in slider.steps] == labels
    for k, step in enumerate(slider.steps):
        shown = [t for t, v in zip(fig.data, step.args[0]["visible"], strict=True) if v]
        assert len(shown) == 1 and np.array_equal(shown[0].y, values[k])
    assert list(fig.layout.yaxis.range) == [-0.6, 0.6]  # at least the diffusion space, with a margin


def test_signal_steps_range_grows_with_noisy_values() -> None:
    values = np.array([[-2.0, 0.1], [0.3, 1.5]])
    fig = signal_steps_figure(values, ["a", "b"], "t")
    assert list(fig.layout.yaxis.range) == [-2.0, 1.5]
    zeros = signal_steps_figure(np.zeros((3, 5)), ["a", "b", "c"], "step")
    assert len(zeros.data) == 3 and len(zeros.layout.sliders[0].steps) == 3


def test_sampler_comparison_lines_sorted_by_steps() -> None:
    rows = [
        {"sampler": "DDIM", "steps": 10, "p5": 0.1, "seconds_per_network": 0.1},
        {"sampler": "DDIM", "steps": 5, "p5": 0.0, "seconds_per_network": 0.05},
        {"sampler": "DDPM", "steps": 50, "p5": 0.2, "seconds_per_network": 0.5},
        {"sampler": "DDIM", "steps": 20, "p5": 0.15, "seconds_per_network": 0.2},
    ]
    fig = sampler_comparison_figure(rows, reference_p5=0.3)
    assert len(fig.data) == 4  # two panels per sampler
    ddim_p5, ddim_time, ddpm_p5, ddpm_time = fig.data
    assert list(ddim_p5.x) == [5, 10, 20] == list(ddim_time.x)
    assert list(ddim_p5.y) == [0.0, 0.1, 0.15] and list(ddim_time.y) == [0.05, 0.1, 0.2]
    assert list(ddpm_p5.x) == [50] and list(ddpm_p5.y) == [0.2] and list(ddpm_time.y) == [0.5]
    assert [t.name for t in fig.data] == ["DDIM", "DDIM", "DDPM", "DDPM"]
    assert [t.showlegend for t in fig.data] == [None, False, None, False]
    assert [t.xaxis for t in fig.data] == ["x", "x2", "x", "x2"]
    assert ddim_p5.line.color == ddim_time.line.color == PALETTE[0] and ddpm_p5.line.color == PALETTE[1]
    (reference,) = fig.layout.shapes
    assert reference.y0 == reference.y1 == pytest.approx(0.3) and reference.yref == "y"
    assert "expert" in [a.text for a in fig.layout.annotations]
    assert fig.layout.yaxis2.type == "log" and fig.layout.xaxis.type == "log"
    assert sampler_comparison_figure(rows).layout.shapes == ()
