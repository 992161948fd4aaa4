"""Tests for gsdiff.viz.rates: rate CDFs, percentile curves over slots and grid heatmaps."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gsdiff.config import EXPERT, DropConfig, EvaluationConfig, RadioConfig
from gsdiff.solvers.baselines import full_power
from gsdiff.viz import grid_heatmap_figure, percentile_curves_figure, rate_cdf_figure
from gsdiff.viz._layout import PALETTE
from gsdiff.wireless import TimeSharingResult, drop_networks, evaluate_time_sharing


def test_rate_cdf_by_hand() -> None:
    rates = {"FP": torch.tensor([[0.3, 0.1], [0.2, 0.4]]), "RP": torch.tensor([[1.0, 0.5, 0.0]])}
    fig = rate_cdf_figure(rates, 0.25)
    fp, rp = fig.data
    np.testing.assert_allclose(fp.x, [0.1, 0.2, 0.3, 0.4], rtol=1e-6)
    np.testing.assert_allclose(fp.y, [0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(rp.x, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(rp.y, [1 / 3, 2 / 3, 1.0])
    assert (fp.name, rp.name) == ("FP", "RP")
    assert (fp.line.color, rp.line.color) == PALETTE[:2]
    (f_min_line,) = fig.layout.shapes
    assert f_min_line.x0 == f_min_line.x1 == 0.25
    assert fig.layout.annotations[0].text == "f_min = 0.25"


def test_rate_cdf_of_random_rates(generator) -> None:
    r = torch.rand(4, 7, generator=generator, dtype=torch.float64)
    (trace,) = rate_cdf_figure({"x": r}, 0.5).data
    np.testing.assert_array_equal(trace.x, np.sort(r.numpy().ravel()))
    np.testing.assert_allclose(trace.y, np.arange(1, 29) / 28)


@pytest.fixture(scope="module")
def full_power_result() -> TimeSharingResult:
    nets = drop_networks(3, DropConfig(num_pairs=6, density_per_km2=10.0), seed=0)
    return evaluate_time_sharing(
        nets.gains,
        full_power(nets.gains, RadioConfig()),
        RadioConfig(),
        EvaluationConfig(num_slots=10),
        seed=0,
    )


def test_percentile_curves_equal_the_result_curves(full_power_result) -> None:
    hand = TimeSharingResult(
        cumulative_rates=torch.rand(8, 3, 2, 5, generator=torch.Generator().manual_seed(1))
    )
    results = {"FP": full_power_result, "hand": hand}
    fig = percentile_curves_figure(results, 0.6)
    assert len(fig.data) == 2 * 3  # (p1, p5, mean) per policy
    for k, (name, res) in enumerate(results.items()):
        traces = fig.data[3 * k : 3 * k + 3]
        curves = res.percentile_curves((1.0, 5.0)).numpy()
        windows = np.arange(1, len(res.window_ends) + 1)  # time-sharing slots
        for c, trace in enumerate(traces):
            np.testing.assert_array_equal(trace.x, windows)
            assert trace.name == name and trace.line.color == PALETTE[k]
            assert trace.xaxis == ("x" if c == 0 else f"x{c + 1}")
            assert trace.showlegend == (c == 0)
        np.testing.assert_allclose(traces[0].y, curves[:, 0])
        np.testing.assert_allclose(traces[1].y, curves[:, 1])
        np.testing.assert_allclose(traces[2].y, res.mean_curve().numpy())
        # per window: each realization's percentile over every user of every network, averaged
        running = res.cumulative_rates[res.window_ends].flatten(2).double().numpy()  # [W, R, B N]
        np.testing.assert_allclose(traces[0].y, np.percentile(running, 1.0, axis=2).mean(1), rtol=1e-5)
        np.testing.assert_allclose(traces[1].y, np.percentile(running, 5.0, axis=2).mean(1), rtol=1e-5)
        np.testing.assert_allclose(traces[2].y, running.mean((1, 2)), rtol=1e-5)
    assert [a.text for a in fig.layout.annotations] == ["1th percentile", "5th percentile", "mean"]
    assert [(s.y0, s.yref) for s in fig.layout.shapes] == [(0.6, "y"), (0.6, "y2")]  # not on the mean


def test_percentile_curves_other_levels() -> None:
    cum = torch.arange(12, dtype=torch.float64).reshape(3, 1, 4)  # slot t holds 4t .. 4t + 3
    fig = percentile_curves_figure({"a": TimeSharingResult(cumulative_rates=cum)}, 0.5, q=(50.0,))
    median, mean = fig.data
    np.testing.assert_allclose(median.y, [1.5, 5.5, 9.5])
    np.testing.assert_allclose(mean.y, [1.5, 5.5, 9.5])
    assert [a.text for a in fig.layout.annotations] == ["50th percentile", "mean"]


def test_grid_heatmap_values_labels_and_text() -> None:
    values = np.array([[0.1234, 0.5, 0.9], [0.0, 0.25, 1.0]])
    fig = grid_heatmap_figure(values, (8.2, 11.9), (0.4, 0.5, 0.6), "share met", fmt=".1%")
    (heat,) = fig.data
    np.testing.assert_array_equal(heat.z, values)
    assert list(heat.x) == ["0.4", "0.5", "0.6"] and list(heat.y) == ["8.2", "11.9"]
    assert [list(row) for row in heat.text] == [["12.3%", "50.0%", "90.0%"], ["0.0%", "25.0%", "100.0%"]]
    assert heat.colorbar.title.text == "share met"
    default = grid_heatmap_figure(values, (1, 2), (0.4, 0.5, 0.6), "x").data[0]
    assert default.text[0][0] == "0.12" and list(default.y) == ["1", "2"]


def test_size_transfer_figure_plots_ratios_to_the_expert() -> None:
    from gsdiff.viz import size_transfer_figure

    results = {
        100: {EXPERT: {"p5": 0.5, "mean": 2.0}, "P": {"p5": 0.4, "mean": 1.9}},
        40: {EXPERT: {"p5": 0.8, "mean": 4.0}, "P": {"p5": 0.8, "mean": 3.0}},
    }
    fig = size_transfer_figure(results)
    p5, mean = fig.data
    assert p5.name == mean.name == "P" and p5.showlegend and not mean.showlegend
    assert list(p5.x) == [40, 100] and list(p5.y) == pytest.approx([1.0, 0.8])
    assert list(mean.y) == pytest.approx([0.75, 0.95])
    assert fig.layout.xaxis.type == "log" and [s.y0 for s in fig.layout.shapes] == [1.0, 1.0]


def test_percentile_curves_horizon_truncates() -> None:
    cum = torch.arange(1.0, 11.0)[:, None, None].expand(10, 2, 3).clone()
    fig = percentile_curves_figure({"a": TimeSharingResult(cumulative_rates=cum)}, 0.5, horizon=4)
    assert all(len(trace.x) == 4 for trace in fig.data)
    np.testing.assert_allclose(fig.data[-1].y, [1.0, 2.0, 3.0, 4.0])  # the mean panel


def test_horizon_cdf_figure_reads_the_running_rates_at_each_horizon() -> None:
    from gsdiff.viz import horizon_cdf_figure

    cum = torch.tensor([[[0.4, 0.1]], [[0.2, 0.3]], [[0.5, 0.6]]])[:, None]  # [T = 3, R = 1, B = 1, N = 2]
    fig = horizon_cdf_figure({"a": TimeSharingResult(cumulative_rates=cum)}, 0.25, [1, 3])
    first, last = fig.data
    np.testing.assert_allclose(first.x, [0.1, 0.4], rtol=1e-6)
    np.testing.assert_allclose(last.x, [0.5, 0.6], rtol=1e-6)
    np.testing.assert_allclose(last.y, [0.5, 1.0])
    assert [a.text for a in fig.layout.annotations] == [
        "after 1 time-sharing slots",
        "after 3 time-sharing slots",
    ]
    with pytest.raises(ValueError, match=r"horizons must lie in \[1, 3\] time-sharing slots, got 4"):
        horizon_cdf_figure({"a": TimeSharingResult(cumulative_rates=cum)}, 0.25, [4])
    # windows of two slots: the running rates at slots 2 and 3 (the short last window)
    two = horizon_cdf_figure({"a": TimeSharingResult(cumulative_rates=cum, window_slots=2)}, 0.25, [1, 2])
    np.testing.assert_allclose(two.data[0].x, [0.2, 0.3], rtol=1e-6)


def test_tail_vs_f_min_figure_marks_unseen_levels_hollow() -> None:
    from gsdiff.viz import tail_vs_f_min_figure

    results = {
        f: {EXPERT: {"p1": f, "p5": 2 * f, "p10": 3 * f}, "P": {"p1": 1, "p5": 2, "p10": 3}}
        for f in (0.7, 0.5, 0.6)
    }
    fig = tail_vs_f_min_figure(results, trained=[0.5, 0.7])
    expert_p5 = [t for t in fig.data if t.name == "expert"][1]
    np.testing.assert_allclose(expert_p5.x, [0.5, 0.6, 0.7])
    np.testing.assert_allclose(expert_p5.y, [1.0, 1.2, 1.4])
    assert list(expert_p5.marker.symbol) == ["circle", "circle-open", "circle"]
    diagonal = [t for t in fig.data if t.name == "r = f_min"]
    assert len(diagonal) == 3 and list(diagonal[0].y) == [0.5, 0.6, 0.7]


def test_tail_vs_size_figure_menu_switches_density_groups() -> None:
    from gsdiff.viz import tail_vs_size_figure

    def m(v):
        return {"p1": v, "p5": 2 * v, "p10": 3 * v}

    results = {n: {"all": {EXPERT: m(n), "P": m(1)}, 0.5: {EXPERT: m(-n), "P": m(2)}} for n in (40, 20)}
    fig = tail_vs_size_figure(results, keys=("p1", "p5"))
    assert len(fig.data) == 2 * 2 * 2  # groups x keys x candidates
    first = fig.data[0]
    assert (
        first.name == "expert" and list(first.x) == [20, 40] and list(first.y) == [20, 40] and first.visible
    )
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["all densities", "0.5 pairs/km²"]
    assert list(buttons[1].args[0]["visible"]) == [False] * 4 + [True] * 4
    assert list(fig.data[4].y) == [-20, -40]


def test_tail_figures_draw_only_the_named_candidates() -> None:
    from gsdiff.viz import tail_vs_f_min_figure, tail_vs_size_figure

    m = {"p1": 1.0, "p5": 2.0, "p10": 3.0}
    levels = {0.5: {EXPERT: m, "P": m, "Q": m}}
    assert {t.name for t in tail_vs_f_min_figure(levels, [0.5], names=["P"]).data} == {"P", "r = f_min"}
    sizes = {20: {"all": {EXPERT: m, "P": m, "Q": m}}}
    assert {t.name for t in tail_vs_size_figure(sizes, names=[EXPERT, "Q"]).data} == {"expert", "Q"}
