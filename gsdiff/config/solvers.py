"""Configuration of the solvers: the primal-dual experts and dual time-sharing of a pool of samples."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import torch

from ..checks import check_choice, check_int_at_least, check_positive
from .choices import DUAL_RATE_KINDS

__all__ = [
    "EXACT_MAX_PAIRS",
    "MEAN_FIELD_INTERFERERS",
    "ExpertConfig",
    "expert_for_size",
    "GNNExpertConfig",
    "DualTimeSharingConfig",
]

EXACT_MAX_PAIRS = 50  # above, expert and scores keep each receiver's strongest interferers exact
MEAN_FIELD_INTERFERERS = 16  # ... these many, and the rest by their mean field (gsdiff.solvers.mean_field)


def _check_primal_dual(config) -> None:
    """Checks shared by both experts: the sampling window and the dual step."""
    check_int_at_least("num_iterations", config.num_iterations, 2)
    check_int_at_least("burn_in", config.burn_in, 0)
    check_int_at_least("num_samples", config.num_samples, 1)
    if config.num_iterations - config.burn_in < config.num_samples:
        raise ValueError(
            f"num_iterations - burn_in ({config.num_iterations} - {config.burn_in}) must be >= num_samples "
            f"({config.num_samples}): the samples are distinct late iterates"
        )
    _check_dual(config)


def _check_dual(config) -> None:
    """Checks of a dual step (10): its step size, margin and rate averaging."""
    check_positive("dual_step", config.dual_step)
    if not (math.isfinite(config.margin) and config.margin >= 0):
        raise ValueError(f"margin must be finite and >= 0 bits/s/Hz, got {config.margin!r}")
    if not 0 < config.rate_averaging <= 1:
        raise ValueError(f"rate_averaging must lie in (0, 1], got {config.rate_averaging!r}")


def _sample_iterations(config) -> torch.Tensor:
    """The iterations (0-based) whose iterates are kept as samples: evenly spaced after the burn-in."""
    window = config.num_iterations - config.burn_in
    return config.burn_in + (torch.arange(config.num_samples) * window) // config.num_samples


@dataclass(frozen=True)
class ExpertConfig:
    """Primal-dual iterations and sampling of the expert."""

    num_iterations: int = 1500  # primal-dual iterations per network
    burn_in: int = 500  # iterations discarded before sampling
    num_samples: int = 200  # iterates kept, evenly spaced over the last num_iterations - burn_in
    dual_step: float = 2.0  # eta on mu = N lambda, per bit/s/Hz of constraint violation
    margin: float = 0.1  # bits/s/Hz: the dual step targets f_min + margin (absorbs 500-slot noise)
    num_levels: int = 5  # power levels evenly spaced in [0, P_max] for the primal moves
    move_probability: float = 0.5  # chance that a user with an improving move proposes it (breaks ties)
    swap_moves: bool = True  # also propose "i on, its strongest interferer off" (LevelLagrangian.swap_values)
    interferers: int | None = None  # None: every interferer of every receiver exact (O(N^2) per iteration);
    # K: each receiver's K strongest exact, the rest by their mean field (gsdiff.solvers.mean_field)
    coupling_db: float | None = -20.0  # of coupled proposers (cross gain within this of a direct gain), only
    # the one with the best move moves: simultaneous moves of coupled users undo each other; None: all move
    rate_averaging: float = 0.05  # beta: the dual step sees rbar <- rbar + beta (r - rbar); 1: the iterate's
    dual_rates: str = "exact"  # "exact": ergodic rates of the iterate; "fading": one fresh fading draw
    quadrature_nodes: int = 24  # nodes of the exact-rate quadrature (24: error < 1e-3 bits/s/Hz)
    record_every: int = 10  # keep duals, rates and levels of every k-th iteration for plots
    memory_mb: float = 512.0  # networks are processed in chunks whose level tables fit this budget

    def __post_init__(self) -> None:
        _check_primal_dual(self)
        check_int_at_least("num_levels", self.num_levels, 2)
        if not 0 < self.move_probability <= 1:
            raise ValueError(f"move_probability must lie in (0, 1], got {self.move_probability!r}")
        check_choice("dual_rates", self.dual_rates, DUAL_RATE_KINDS)
        check_int_at_least("quadrature_nodes", self.quadrature_nodes, 2)
        check_int_at_least("record_every", self.record_every, 1)
        if self.interferers is not None:
            check_int_at_least("interferers", self.interferers, 1)
        check_positive("memory_mb", self.memory_mb)
        if self.coupling_db is not None and not math.isfinite(self.coupling_db):
            raise ValueError(f"coupling_db must be finite or None, got {self.coupling_db!r}")

    @property
    def sample_iterations(self) -> torch.Tensor:
        """The iterations (0-based) whose iterates are kept as samples, [num_samples]."""
        return _sample_iterations(self)

    def with_samples(self, num_samples: int) -> ExpertConfig:
        """This expert keeping ``num_samples`` iterates after its burn-in, running longer where its iterations
        after the burn-in are fewer (the samples stay distinct iterates)."""
        check_int_at_least("num_samples", num_samples, 1)
        iterations = max(self.num_iterations, self.burn_in + num_samples)
        return replace(self, num_samples=num_samples, num_iterations=iterations)


def expert_for_size(
    expert: ExpertConfig,
    num_pairs: int,
    *,
    exact_max_pairs: int | None = EXACT_MAX_PAIRS,
    interferers: int = MEAN_FIELD_INTERFERERS,
) -> ExpertConfig:
    """``expert`` with every interferer exact up to ``exact_max_pairs`` pairs (None: at every size), and with
    each receiver's ``interferers`` strongest exact and the rest by their mean field above."""
    large = exact_max_pairs is not None and num_pairs > exact_max_pairs
    return replace(expert, interferers=interferers if large else None)


@dataclass(frozen=True)
class GNNExpertConfig:
    """The GNN-parametrized (state-augmented) expert: x = P_max sigmoid(GNN(graph, u, mu)), all networks."""

    hidden: int = 64  # channels of the hidden TAGConv layers
    num_layers: int = 3  # TAGConv layers
    hops: int = 2  # K: each layer is a polynomial of degree K in the shift operator
    num_iterations: int = 1500  # primal-dual iterations
    burn_in: int = 500  # iterations discarded before sampling
    num_samples: int = 200  # late iterates kept, evenly spaced
    primal_steps: int = 2  # Adam steps on the GNN's weights per iteration (the approximate primal step)
    learning_rate: float = 1e-3
    dual_step: float = 2.0  # eta on mu = N lambda
    margin: float = 0.1  # bits/s/Hz: the dual step targets f_min + margin
    rate_averaging: float = 0.05  # beta of the dual step's moving average of rates
    quadrature_nodes: int = 24  # nodes of the exact-rate quadrature
    interferers: int | None = None  # None: every interferer exact; K: each receiver's K strongest exact and
    # the rest by their mean field (gsdiff.wireless.ergodic_rates_mean_field: large N)

    def __post_init__(self) -> None:
        for name in ("hidden", "num_layers", "hops", "primal_steps", "quadrature_nodes"):
            check_int_at_least(name, getattr(self, name), 1)
        _check_primal_dual(self)
        check_positive("learning_rate", self.learning_rate)
        if self.interferers is not None:
            check_int_at_least("interferers", self.interferers, 1)

    @property
    def sample_iterations(self) -> torch.Tensor:
        """The iterations (0-based) whose iterates are kept as samples, [num_samples]."""
        return _sample_iterations(self)


@dataclass(frozen=True)
class DualTimeSharingConfig:
    """Dual time-sharing of a pool of samples (``gsdiff.solvers.dual_time_sharing``): the expert's dual step
    (10), with the primal step (9) an exact maximization over the pool."""

    margin: float = 0.2  # bits/s/Hz: the dual step targets f_min + margin (the training chapter picks 0.2 on
    # validation for the book's policies and for the expert's samples)
    dual_step: float = 2.0  # eta on mu = N lambda, as ExpertConfig
    rate_averaging: float = 0.05  # beta: the dual step sees rbar <- rbar + beta (r - rbar), as ExpertConfig
    burn_in: int = 200  # dual iterations before the first played window (computation only, no slots)
    quadrature_nodes: int = 48  # nodes of the exact-rate quadrature of each pooled sample
    interferers: int | None = None  # None: exact rates of the pooled samples; K: each receiver's K strongest
    # interferers exact, the rest by their mean field (large N; gsdiff.wireless.ergodic_rates_mean_field)

    def __post_init__(self) -> None:
        _check_dual(self)
        if self.interferers is not None:
            check_int_at_least("interferers", self.interferers, 1)
        check_int_at_least("burn_in", self.burn_in, 0)
        check_int_at_least("quadrature_nodes", self.quadrature_nodes, 2)
