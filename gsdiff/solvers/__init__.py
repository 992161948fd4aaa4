"""Solvers of the power-control problem: deterministic baselines (full power, average power, WMMSE), the
primal-dual experts (direct and GNN-parametrized) whose late iterates sample a near-optimal stochastic
policy, and dual time-sharing of a pool of samples."""

from .baselines import average_power, full_power, random_levels, wmmse, wmmse_sum_rate_history
from .dual_time_sharing import dual_picks, dual_time_sharing
from .expert import ExpertResult, Recorder, dual_step, expert_bytes_per_network, make_lagrangian, run_expert
from .gnn_expert import PowerGNN, run_gnn_expert
from .level_lagrangian import LevelLagrangian, LevelState
from .mean_field import MeanFieldLagrangian, MeanFieldState

__all__ = [
    "full_power",
    "average_power",
    "random_levels",
    "wmmse",
    "wmmse_sum_rate_history",
    "dual_step",
    "LevelState",
    "LevelLagrangian",
    "MeanFieldState",
    "MeanFieldLagrangian",
    "make_lagrangian",
    "expert_bytes_per_network",
    "ExpertResult",
    "Recorder",
    "run_expert",
    "PowerGNN",
    "run_gnn_expert",
    "dual_picks",
    "dual_time_sharing",
]
