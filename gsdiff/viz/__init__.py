"""Presentation: plotly figure builders by topic, Markdown tables and offline-safe display; ipywidgets panels
live in ``gsdiff.viz.widgets`` (imported on its own, since it needs ipywidgets). Nothing else in gsdiff
imports this package."""

from .costs import cost_figure, cost_table
from .diffusion import sampler_comparison_figure, schedule_figure, signal_steps_figure
from .display import in_book, show, show_widget
from .expert import expert_trajectory_figure, policy_slices_figure
from .network import (
    allocation_map_figure,
    channel_graph_figure,
    network_map,
    path_loss_figure,
    ugnn_levels_figure,
)
from .rates import grid_heatmap_figure, percentile_curves_figure, rate_cdf_figure, size_transfer_figure
from .reports import policy_reports, target_report, training_caption, validation_and_test
from .sweeps import sweep_figure
from .tables import markdown_table, metrics_table, p5_mean_table, verdicts
from .training import sample_count_figure, training_curves_figure
from .two_user import rate_region_figure

__all__ = [
    "cost_figure",
    "cost_table",
    "network_map",
    "path_loss_figure",
    "channel_graph_figure",
    "allocation_map_figure",
    "ugnn_levels_figure",
    "rate_cdf_figure",
    "percentile_curves_figure",
    "size_transfer_figure",
    "grid_heatmap_figure",
    "rate_region_figure",
    "expert_trajectory_figure",
    "policy_slices_figure",
    "schedule_figure",
    "signal_steps_figure",
    "sampler_comparison_figure",
    "training_curves_figure",
    "sample_count_figure",
    "sweep_figure",
    "markdown_table",
    "metrics_table",
    "p5_mean_table",
    "verdicts",
    "target_report",
    "policy_reports",
    "validation_and_test",
    "training_caption",
    "in_book",
    "show",
    "show_widget",
]
