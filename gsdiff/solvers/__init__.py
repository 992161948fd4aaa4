"""Solvers of the power-control problem: deterministic baselines (full power, average power, WMMSE), the
primal-dual experts (direct and GNN-parametrized) whose late iterates sample a near-optimal stochastic
policy, and dual time-sharing of a pool of samples."""

from .baselines import average_power, full_power, random_levels, wmmse, wmmse_sum_rate_history
from .dual_time_sharing import dual_picks, dual_time_sharing
from .expert import ExpertResult, LevelLagrangian, LevelState, Recorder, dual_step, run_expert
from .gnn_expert import PowerGNN, run_gnn_expert

__all__ = [
    "full_power",
    "average_power",
    "random_levels",
    "wmmse",
    "wmmse_sum_rate_history",
    "dual_step",
    "LevelState",
    "LevelLagrangian",
    "ExpertResult",
    "Recorder",
    "run_expert",
    "PowerGNN",
    "run_gnn_expert",
    "dual_picks",
    "dual_time_sharing",
]
