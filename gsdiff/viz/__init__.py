"""Presentation: plotly figure builders by topic, Markdown tables and reports (the papers' claims among them),
offline-safe display, and a page that samples a policy in the browser with no kernel. The ipywidgets panels
live in ``gsdiff.viz.widgets`` (the two-user example) and ``gsdiff.viz.panels`` (the policy sampled live),
imported on their own since they need ipywidgets. Nothing else in gsdiff imports this package."""

from .browser_sampler import (
    SamplerControls,
    browser_sampler_html,
    sampler_bundle,
    sampler_figures,
    show_browser_sampler,
    write_browser_sampler,
)
from .claims import claims_table
from .costs import amortization_table, cost_figure, cost_table
from .diffusion import sampler_comparison_figure, schedule_figure, signal_steps_figure
from .display import in_book, show, show_widget
from .expert import (
    expert_trajectory_figure,
    pair_slice_figure,
    policy_slices_figure,
    sample_strip_figure,
    strongest_pairs,
)
from .network import (
    allocation_map_figure,
    channel_graph_figure,
    network_map,
    path_loss_figure,
    ugnn_levels_figure,
)
from .rates import (
    grid_heatmap_figure,
    horizon_cdf_figure,
    percentile_curves_figure,
    rate_cdf_figure,
    size_transfer_figure,
    tail_vs_f_min_figure,
    tail_vs_size_figure,
)
from .reports import coordination_table, policy_reports, target_report, training_caption
from .sweeps import sweep_figure
from .tables import (
    markdown_table,
    metrics_table,
    p5_mean_table,
    ratio_lines,
    records_table,
    settling_table,
    size_changes_table,
    verdicts,
)
from .training import sample_count_figure, training_curves_figure
from .transient import transient_figure, transient_table
from .two_user import rate_region_figure

__all__ = [
    "amortization_table",
    "transient_figure",
    "transient_table",
    "SamplerControls",
    "sampler_figures",
    "sampler_bundle",
    "write_browser_sampler",
    "browser_sampler_html",
    "show_browser_sampler",
    "claims_table",
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
    "horizon_cdf_figure",
    "tail_vs_f_min_figure",
    "tail_vs_size_figure",
    "strongest_pairs",
    "pair_slice_figure",
    "sample_strip_figure",
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
    "ratio_lines",
    "settling_table",
    "size_changes_table",
    "records_table",
    "verdicts",
    "target_report",
    "policy_reports",
    "coordination_table",
    "training_caption",
    "in_book",
    "show",
    "show_widget",
]
