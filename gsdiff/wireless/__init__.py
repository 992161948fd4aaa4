"""The wireless model, in plain torch: network drops and path loss, Rayleigh fading, instantaneous and exact
ergodic rates, time-sharing evaluation over fading slots, pooled metrics, and the two-user example."""

from .channel import BREAKPOINT_M, MIN_DISTANCE_M, Networks, drop_at_densities, drop_networks, path_loss_db
from .fading import RayleighFading, jakes_correlation
from .metrics import PERCENTILES, bootstrap_ratios, jain_fairness, percentiles, rate_metrics, varying_share
from .play import as_samples, play_order, play_picks, played_samples, resample, take_samples
from .rates import (
    ergodic_rates_exact,
    ergodic_rates_mean_field,
    instantaneous_rates,
    rate_quadrature,
    received_powers,
    sinr,
)
from .time_sharing import (
    Settling,
    TimeSharingResult,
    asymptotic_rates,
    evaluate_time_sharing,
    evaluation_picks,
    played_rates,
    sample_rates,
    settling_slots,
)
from .two_user import (
    RateRegion,
    best_deterministic,
    best_time_sharing,
    clip_polygon,
    convex_hull,
    rate_region,
)

__all__ = [
    "BREAKPOINT_M",
    "MIN_DISTANCE_M",
    "path_loss_db",
    "Networks",
    "drop_networks",
    "drop_at_densities",
    "jakes_correlation",
    "RayleighFading",
    "received_powers",
    "sinr",
    "instantaneous_rates",
    "ergodic_rates_exact",
    "ergodic_rates_mean_field",
    "rate_quadrature",
    "TimeSharingResult",
    "as_samples",
    "play_order",
    "play_picks",
    "evaluation_picks",
    "played_samples",
    "played_rates",
    "take_samples",
    "resample",
    "evaluate_time_sharing",
    "sample_rates",
    "asymptotic_rates",
    "Settling",
    "settling_slots",
    "varying_share",
    "PERCENTILES",
    "percentiles",
    "jain_fairness",
    "rate_metrics",
    "bootstrap_ratios",
    "RateRegion",
    "rate_region",
    "convex_hull",
    "clip_polygon",
    "best_deterministic",
    "best_time_sharing",
]
