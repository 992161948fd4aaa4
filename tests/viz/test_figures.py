"""Figure builders: each returns a plotly Figure whose controls switch between consistent trace groups."""

import plotly.graph_objects as go
import torch

from gsdiff.config import DropConfig, EvaluationConfig, ExpertConfig, RadioConfig
from gsdiff.solvers.baselines import full_power
from gsdiff.solvers.expert import run_expert
from gsdiff.viz import (
    channel_graph_figure,
    expert_trajectory_figure,
    grid_heatmap_figure,
    metrics_table,
    network_map,
    path_loss_figure,
    percentile_curves_figure,
    policy_slices_figure,
    rate_cdf_figure,
    rate_region_figure,
)
from gsdiff.wireless.channel import drop_networks
from gsdiff.wireless.time_sharing import evaluate_time_sharing
from gsdiff.wireless.two_user import rate_region


def _nets(n=6, b=3, density=10.0):
    return drop_networks(b, DropConfig(num_pairs=n, density_per_km2=density), seed=0)


def test_network_map_dropdown_shows_one_network_at_a_time():
    fig = network_map({"a": _nets(density=6.6), "b": _nets(density=11.9)})
    masks = [b.args[0]["visible"] for b in fig.layout.updatemenus[0].buttons]
    assert len(masks) == 2 and all(len(m) == len(fig.data) for m in masks)
    assert not any(a and b for a, b in zip(*masks, strict=True))  # disjoint groups
    assert [t.visible for t in fig.data] == masks[0]


def test_policy_slices_slider_and_point_shares():
    nets = _nets(n=5, b=2)
    samples = torch.zeros(2, 4, 5)
    samples[:, :2, 0] = 0.01  # user 0 on in half the samples
    fig = policy_slices_figure(samples, nets.gains, num_networks=2, pairs_per_network=2)
    steps = fig.layout.sliders[0].steps
    assert len(steps) == 2 and len(fig.data) == 4
    shares = [t.text for t in fig.data]
    assert all(abs(sum(float(s.split("%")[0]) for s in text) - 100) < 1.5 for text in shares)


def test_rate_region_slider_and_other_builders():
    radio = RadioConfig()
    regions = {
        f"{c}": rate_region(torch.tensor([[1e-7, c * 1e-7], [c * 1e-7, 1e-7]]), radio, 5) for c in (0.1, 1)
    }
    fig = rate_region_figure(regions, 0.6)
    assert len(fig.layout.sliders[0].steps) == 2
    nets = _nets()
    res = evaluate_time_sharing(
        nets.gains, full_power(nets.gains), radio, EvaluationConfig(num_slots=10), seed=0
    )
    figures = [
        path_loss_figure(nets),
        channel_graph_figure(nets.gains[0], 0.6),
        rate_cdf_figure({"FP": res.ergodic_rates}, 0.6),
        percentile_curves_figure({"FP": res}, 0.6),
        grid_heatmap_figure(torch.rand(2, 3).numpy(), (1, 2), (0.4, 0.5, 0.6), "x"),
    ]
    expert = run_expert(nets.gains, 0.6, radio, ExpertConfig(num_iterations=20, burn_in=5, num_samples=3))
    figures.append(expert_trajectory_figure(expert, 0, 0.6))
    assert all(isinstance(f, go.Figure) and len(f.data) > 0 for f in figures)
    assert len(figures[-1].data) == 3 * nets.num_pairs  # three panels per user
    table = metrics_table({"FP": res.metrics(0.6)})
    assert table.splitlines()[0].startswith("| policy | mean") and "| FP |" in table


def test_diffusion_figures():
    import numpy as np

    from gsdiff.viz import (
        sample_count_figure,
        signal_steps_figure,
        training_curves_figure,
        ugnn_levels_figure,
    )

    fig = signal_steps_figure(np.zeros((3, 5)), ["a", "b", "c"], "step")
    assert len(fig.data) == 3 and len(fig.layout.sliders[0].steps) == 3
    nets = _nets(n=6, b=1)
    masks = [torch.ones(6, dtype=torch.bool), torch.tensor([1, 0, 1, 0, 1, 0], dtype=torch.bool)]
    fig = ugnn_levels_figure(nets, 0, masks)
    assert [len(t.x) for t in fig.data[1:]] == [3, 3]  # three pairs stop at level 0, three reach level 1
    history = {
        "step": [1, 2],
        "loss": [1.0, 0.5],
        "val_loss": [1.1, 0.6],
        "val_p5_margin": [-0.2, 0.1],
        "val_p5_ratio": [0.7, 0.9],
        "val_mean_ratio": [0.95, 0.97],
        "seconds": [1.0, 2.0],
    }
    fig = training_curves_figure({"UGNN": history, "GNN": history})
    assert len(fig.data) == 10 and [t.showlegend for t in fig.data[:5]] == [True, True, False, False, False]
    points = [{"p5_ratio": 0.6, "mean_ratio": 1.0}, {"p5_ratio": 0.9, "mean_ratio": 0.99}]
    fig = sample_count_figure([32, 100], {"i.i.d.": points, "sobol": points})
    assert len(fig.data) == 4 and list(fig.data[0].y) == [0.6, 0.9] and list(fig.data[1].y) == [1.0, 0.99]


def test_diffusion_chapter_figures():
    import numpy as np

    from gsdiff.diffusion.noise_schedules import NoiseSchedule
    from gsdiff.viz import allocation_map_figure, sampler_comparison_figure, schedule_figure

    nets = _nets(n=6, b=1)
    fig = allocation_map_figure(nets, 0, np.linspace(-1, 1, 18).reshape(3, 6), ["noise", "a", "b"])
    assert len(fig.data) == 2 + 3 and len(fig.layout.sliders[0].steps) == 3
    assert fig.data[2].visible and not fig.data[3].visible  # one step at a time
    assert fig.layout.sliders[0].steps[1].args[0]["visible"] == [True, True, False, True, False]
    rows = [
        {"sampler": "DDIM", "steps": 10, "p5": 0.1, "seconds_per_network": 0.1},
        {"sampler": "DDIM", "steps": 5, "p5": 0.0, "seconds_per_network": 0.05},
        {"sampler": "DDPM", "steps": 50, "p5": 0.2, "seconds_per_network": 0.5},
    ]
    fig = sampler_comparison_figure(rows, reference_p5=0.3)
    assert list(fig.data[0].x) == [5, 10] and len(fig.data) == 4  # sorted by steps; two panels per sampler
    fig = schedule_figure({"linear": NoiseSchedule.linear(50), "cosine": NoiseSchedule.cosine(50)})
    assert len(fig.data) == 6 and len(fig.data[0].x) == 50
    table = metrics_table({"a": {"p5": 0.5}, "b": {"p5": 0.25, "mean": 1.0}}, ["p5", "mean"])
    assert "| a | 0.500 | – |" in table and "| b | 0.250 | 1.000 |" in table
