"""Frozen, validated configuration dataclasses and the named profiles ``ci``, ``book`` and ``paper``.

Values follow ``shared/papers/SETUP.md`` (the papers' setup); choices that are ours say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from .checks import check_f_min, check_int_at_least, check_positive
from .units import dbm_to_w

__all__ = [
    "DENSITIES_PER_KM2",
    "RadioConfig",
    "DropConfig",
    "EvaluationConfig",
    "GraphConfig",
    "ExpertConfig",
    "GNNExpertConfig",
    "DualSchedulingConfig",
    "DenoiserConfig",
    "DiffusionConfig",
    "TrainConfig",
    "Profile",
    "PROFILES",
    "get_profile",
]

# Pair densities (pairs per km^2) of the extended paper; for N = 400 the square sides are 7800..5800 m.
DENSITIES_PER_KM2: tuple[float, ...] = (6.6, 8.2, 10.1, 11.9)


@dataclass(frozen=True)
class RadioConfig:
    """Transmit power budget and receiver noise."""

    max_power_dbm: float = 10.0  # P_max = 10 mW per transmitter
    bandwidth_hz: float = 20e6  # W = 20 MHz
    noise_psd_dbm_per_hz: float = -174.0  # N0; noise power W*N0 is about -101 dBm

    def __post_init__(self) -> None:
        check_positive("bandwidth_hz", self.bandwidth_hz)
        if not math.isfinite(self.max_power_dbm) or not math.isfinite(self.noise_psd_dbm_per_hz):
            raise ValueError(
                f"max_power_dbm and noise_psd_dbm_per_hz must be finite, got "
                f"{self.max_power_dbm!r}, {self.noise_psd_dbm_per_hz!r}"
            )

    @property
    def max_power_w(self) -> float:
        return dbm_to_w(self.max_power_dbm)

    @property
    def noise_w(self) -> float:
        """Noise power W * N0 in watts."""
        return dbm_to_w(self.noise_psd_dbm_per_hz) * self.bandwidth_hz


@dataclass(frozen=True)
class DropConfig:
    """Random geometric drop of N tx-rx pairs in a square of side sqrt(N / density)."""

    num_pairs: int = 100  # N tx-rx pairs (graph nodes)
    density_per_km2: float = 10.1  # pairs per km^2; fixes the square's side
    min_tx_distance_m: float = 50.0  # transmitters are at least this far apart
    min_link_distance_m: float = 20.0  # rx-to-own-tx distance d ~ sqrt(U(d_min^2, d_max^2))
    max_link_distance_m: float = 100.0
    shadowing_std_db: float = 7.0  # log-normal shadowing, drawn per tx-rx link

    def __post_init__(self) -> None:
        check_int_at_least("num_pairs", self.num_pairs, 2)
        check_positive("density_per_km2", self.density_per_km2)
        check_positive("min_link_distance_m", self.min_link_distance_m)
        check_positive("max_link_distance_m", self.max_link_distance_m)
        if self.min_tx_distance_m < 0 or not math.isfinite(self.min_tx_distance_m):
            raise ValueError(f"min_tx_distance_m must be finite and >= 0, got {self.min_tx_distance_m!r}")
        if self.max_link_distance_m < self.min_link_distance_m:
            raise ValueError(
                f"max_link_distance_m ({self.max_link_distance_m}) must be >= min_link_distance_m "
                f"({self.min_link_distance_m})"
            )
        if self.shadowing_std_db < 0 or not math.isfinite(self.shadowing_std_db):
            raise ValueError(f"shadowing_std_db must be finite and >= 0, got {self.shadowing_std_db!r}")
        # Disks of radius d/2 around each transmitter must fit: refuse drops that cannot be packed.
        packing = self.num_pairs * math.pi * (self.min_tx_distance_m / 2) ** 2 / self.side_m**2
        if packing > 0.35:
            raise ValueError(
                f"density_per_km2 = {self.density_per_km2} is too high for min_tx_distance_m = "
                f"{self.min_tx_distance_m}: the exclusion disks would cover {packing:.0%} of the square "
                f"(at most 35% is allowed)"
            )

    @property
    def side_m(self) -> float:
        """Side R of the square, so that N / R^2 is the density."""
        return math.sqrt(self.num_pairs / self.density_per_km2) * 1000.0


@dataclass(frozen=True)
class EvaluationConfig:
    """Time-sharing evaluation over fading slots (the papers: 500 slots, sample changed every 5)."""

    num_slots: int = 500  # T fading slots of 10 ms
    window_slots: int = 5  # a policy sample is held for this many consecutive slots
    fading: str = "iid"  # "iid" Rayleigh per slot, or "jakes": AR(1) with rho = J0(2 pi f_D T_slot)
    doppler_hz: float = 8.0  # f_D = v f_c / c = 1 m/s * 2.4 GHz / c (only for "jakes")
    slot_s: float = 0.01  # slot duration T_slot

    def __post_init__(self) -> None:
        check_int_at_least("num_slots", self.num_slots, 1)
        check_int_at_least("window_slots", self.window_slots, 1)
        if self.fading not in ("iid", "jakes"):
            raise ValueError(f"fading must be 'iid' or 'jakes', got {self.fading!r}")
        check_positive("doppler_hz", self.doppler_hz)
        check_positive("slot_s", self.slot_s)

    @property
    def num_windows(self) -> int:
        """Windows of ``window_slots`` slots in ``num_slots`` (the last one may be shorter)."""
        return -(-self.num_slots // self.window_slots)


@dataclass(frozen=True)
class GraphConfig:
    """How a network becomes a graph signal (our choice of normalization, documented in gsdiff.graphs)."""

    top_k: int | None = None  # keep each receiver's k strongest interferers; None keeps all N - 1
    snr_scale_db: float = 60.0  # log-SNR weight = log10(1 + P_max g / noise) / (snr_scale_db / 10)
    edge_weight: str = "coupling"  # "coupling": log10(1 + 10 g_ji / g_ii), interference relative to the
    # receiver's own direct link (our measured choice); "log_snr": the papers' log-SNR (see gsdiff.graphs)

    def __post_init__(self) -> None:
        if self.edge_weight not in ("log_snr", "coupling"):
            raise ValueError(f"edge_weight must be 'log_snr' or 'coupling', got {self.edge_weight!r}")
        if self.top_k is not None:
            check_int_at_least("top_k", self.top_k, 1)
        check_positive("snr_scale_db", self.snr_scale_db)


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
        if self.dual_rates not in ("exact", "fading"):
            raise ValueError(f"dual_rates must be 'exact' or 'fading', got {self.dual_rates!r}")
        check_int_at_least("quadrature_nodes", self.quadrature_nodes, 2)
        check_int_at_least("record_every", self.record_every, 1)
        check_positive("memory_mb", self.memory_mb)
        if self.coupling_db is not None and not math.isfinite(self.coupling_db):
            raise ValueError(f"coupling_db must be finite or None, got {self.coupling_db!r}")

    @property
    def sample_iterations(self) -> torch.Tensor:
        """The iterations (0-based) whose iterates are kept as samples, [num_samples]."""
        return _sample_iterations(self)


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

    def __post_init__(self) -> None:
        for name in ("hidden", "num_layers", "hops", "primal_steps", "quadrature_nodes"):
            check_int_at_least(name, getattr(self, name), 1)
        _check_primal_dual(self)
        check_positive("learning_rate", self.learning_rate)

    @property
    def sample_iterations(self) -> torch.Tensor:
        """The iterations (0-based) whose iterates are kept as samples, [num_samples]."""
        return _sample_iterations(self)


@dataclass(frozen=True)
class DualSchedulingConfig:
    """Dual time-sharing of a pool of samples (``gsdiff.dual_scheduling``): the expert's dual step (10), with
    the primal step (9) an exact maximization over the pool."""

    margin: float = 0.2  # bits/s/Hz: the dual step targets f_min + margin (the training chapter picks 0.2 on
    # validation for the book's policies and for the expert's samples)
    dual_step: float = 2.0  # eta on mu = N lambda, as ExpertConfig
    rate_averaging: float = 0.05  # beta: the dual step sees rbar <- rbar + beta (r - rbar), as ExpertConfig
    burn_in: int = 200  # dual iterations before the first played window (computation only, no slots)
    quadrature_nodes: int = 48  # nodes of the exact-rate quadrature of each pooled sample

    def __post_init__(self) -> None:
        _check_dual(self)
        check_int_at_least("burn_in", self.burn_in, 0)
        check_int_at_least("quadrature_nodes", self.quadrature_nodes, 2)


@dataclass(frozen=True)
class DenoiserConfig:
    """The noise-prediction network eps_theta(x_k, k, graph, u): the CAMSAP GNN or the U-GNN."""

    kind: str = "ugnn"  # "ugnn" (encoder-decoder levels with skips) or "gnn" (a cascade of graph filters)
    hidden: int = 64  # channels of every block (and of the step and condition embeddings)
    hops: int = 2  # K: each graph filter is a polynomial of degree K in the shift operator S
    directions: str = "both"  # "both": filters in S (interference a node receives) and S^T (interference
    # it causes); "in": S only, as in the papers (see gsdiff.graph_filter)
    num_layers: int = 5  # "gnn": filter blocks in the cascade
    depth: int = 3  # "ugnn": levels, the finest included
    pooling: str = "topk"  # "ugnn": "topk" (learned scores, permutation-equivariant) or "stride" (every
    # pool_factor-th node by index, which depends on the node order)
    pool_factor: int = 2  # gamma: each level keeps 1 / gamma of the previous level's nodes
    hop_stride: int = 2  # level l filters with powers of S^(hop_stride^l): coarser levels reach further
    gate_heads: int = 2  # H > 0: every shift is gated by the states at both ends of each edge, in H heads of
    # hidden / H channels (our choice, see gsdiff.graph_filter); 0: linear graph filters (the papers)

    def __post_init__(self) -> None:
        if self.kind not in ("gnn", "ugnn"):
            raise ValueError(f"kind must be 'gnn' or 'ugnn', got {self.kind!r}")
        if self.directions not in ("in", "both"):
            raise ValueError(f"directions must be 'in' or 'both', got {self.directions!r}")
        if self.pooling not in ("topk", "stride"):
            raise ValueError(f"pooling must be 'topk' or 'stride', got {self.pooling!r}")
        check_int_at_least("hidden", self.hidden, 2)
        if self.hidden % 2:
            raise ValueError(f"hidden must be even (sinusoidal embedding), got {self.hidden}")
        for name in ("hops", "num_layers", "depth", "hop_stride"):
            check_int_at_least(name, getattr(self, name), 1)
        check_int_at_least("pool_factor", self.pool_factor, 2)
        if not (isinstance(self.gate_heads, int) and self.gate_heads >= 0):
            raise ValueError(f"gate_heads must be an integer >= 0, got {self.gate_heads!r}")
        if self.gate_heads and self.hidden % self.gate_heads:
            raise ValueError(f"hidden ({self.hidden}) must be divisible by gate_heads ({self.gate_heads})")


NOISE_KINDS = ("sobol", "gaussian")  # initial noise of the reverse process (gsdiff.noise.initial_noise)


@dataclass(frozen=True)
class DiffusionConfig:
    """The diffusion process and its default sampler (SETUP.md: K = 500, linear beta, DDIM)."""

    num_train_steps: int = 500  # K noising steps
    schedule: str = "linear"  # "linear" (beta from beta_start to beta_end) or "cosine"
    beta_start: float = 1e-4
    beta_end: float = 0.02
    loss_weighting: str = "none"  # omega(k) of the loss: "none" (uniform), "log_snr" (CAMSAP, as
    # log(1 + SNR(k))) or "v" (1 / alphabar_k, the v-prediction loss); see gsdiff.schedule.loss_weights
    sampler: str = "ddim"  # "ddim" or "ddpm"
    sample_steps: int = 20  # inference steps (a subsequence of the K training steps)
    eta: float = 0.0  # DDIM stochasticity: 0 deterministic, 1 DDPM-like
    noise: str = "sobol"  # initial noise of the S samples of a network: "sobol" (randomized quasi-Monte
    # Carlo: evenly spread, so time-shared averages converge faster) or "gaussian" (i.i.d.); gsdiff.noise

    def __post_init__(self) -> None:
        check_int_at_least("num_train_steps", self.num_train_steps, 2)
        if self.schedule not in ("linear", "cosine"):
            raise ValueError(f"schedule must be 'linear' or 'cosine', got {self.schedule!r}")
        if self.sampler not in ("ddim", "ddpm"):
            raise ValueError(f"sampler must be 'ddim' or 'ddpm', got {self.sampler!r}")
        if self.loss_weighting not in ("none", "log_snr", "v"):
            raise ValueError(f"loss_weighting must be 'none', 'log_snr' or 'v', got {self.loss_weighting!r}")
        if not 0 < self.beta_start <= self.beta_end < 1:
            raise ValueError(
                f"need 0 < beta_start <= beta_end < 1, got {self.beta_start!r}, {self.beta_end!r}"
            )
        if not 1 <= self.sample_steps <= self.num_train_steps:
            raise ValueError(
                f"sample_steps must lie in [1, {self.num_train_steps}], got {self.sample_steps!r}"
            )
        if not (math.isfinite(self.eta) and self.eta >= 0):
            raise ValueError(f"eta must be finite and >= 0, got {self.eta!r}")
        if self.noise not in NOISE_KINDS:
            raise ValueError(f"noise must be one of {NOISE_KINDS}, got {self.noise!r}")


SELECTION_RULES = ("loss", "balanced", "p5")  # what best-checkpoint keeping maximizes (train.selection_score)


@dataclass(frozen=True)
class TrainConfig:
    """Training of the diffusion policy on the expert dataset."""

    num_steps: int = 3000  # optimizer steps
    batch_problems: int = 64  # (network, f_min) problems per mini-batch
    samples_per_problem: int = 4  # expert samples of each problem per mini-batch
    learning_rate: float = 1e-3  # AdamW peak rate, cosine decay to 0
    weight_decay: float = 1e-4
    eval_every: int = 250  # steps between validations (and best-checkpoint updates)
    eval_problems: int = 64  # validation problems per evaluation (at every f_min, spread over densities)
    eval_samples: int = 32  # policy samples per validation problem
    checkpoint_every: int = 100  # steps between resumable checkpoints
    ema_decay: float = 0.0  # > 0: validate and keep an exponential moving average of the weights
    # Which checkpoint is kept: "loss" the lowest held-out diffusion loss (the fit itself); "balanced" the
    # best min(p5, mean) of sampled allocations relative to the expert on the validation problems; "p5" the
    # best p5 of rate - f_min. Sampled scores favour early, under-fitted, fair models (train.selection_score).
    select_by: str = "loss"

    def __post_init__(self) -> None:
        if self.select_by not in SELECTION_RULES:
            raise ValueError(f"select_by must be one of {SELECTION_RULES}, got {self.select_by!r}")
        if not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must lie in [0, 1), got {self.ema_decay!r}")
        for name in (
            "num_steps",
            "batch_problems",
            "samples_per_problem",
            "eval_every",
            "eval_problems",
            "eval_samples",
            "checkpoint_every",
        ):
            check_int_at_least(name, getattr(self, name), 1)
        check_positive("learning_rate", self.learning_rate)
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ValueError(f"weight_decay must be finite and >= 0, got {self.weight_decay!r}")


@dataclass(frozen=True)
class Profile:
    """A named size of every experiment: ``ci`` (tiny), ``book`` (default, a 2-core CPU), ``paper`` (GPU)."""

    name: str
    num_pairs: int  # N pairs per network
    densities_per_km2: tuple[float, ...] = DENSITIES_PER_KM2
    f_min: float = 0.6  # the reference minimum ergodic rate, bits/s/Hz
    f_mins: tuple[float, ...] = (0.4, 0.5, 0.6, 0.7, 0.8)  # QoS levels of the expert dataset grid
    num_networks_per_density: int = 128  # expert dataset networks per density, split 5:1:2 by network
    num_test_networks_per_density: int = 16  # networks per density for the baseline comparisons
    seed: int = 0  # one seed per profile; every experiment derives its generators from it
    radio: RadioConfig = field(default_factory=RadioConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    graph: GraphConfig = field(default_factory=GraphConfig)
    expert: ExpertConfig = field(default_factory=ExpertConfig)
    gnn_expert: GNNExpertConfig = field(default_factory=GNNExpertConfig)
    denoiser: DenoiserConfig = field(default_factory=DenoiserConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        check_int_at_least("num_pairs", self.num_pairs, 2)
        check_int_at_least("num_test_networks_per_density", self.num_test_networks_per_density, 1)
        check_int_at_least("num_networks_per_density", self.num_networks_per_density, 8)
        check_f_min(self.f_min)
        if not self.f_mins:
            raise ValueError("f_mins must name at least one QoS level")
        check_f_min(torch.tensor(self.f_mins))
        if not self.densities_per_km2:
            raise ValueError("densities_per_km2 must name at least one density")
        for density in self.densities_per_km2:
            self.drop(density)  # validates each density against the packing limit

    def drop(self, density_per_km2: float) -> DropConfig:
        """The drop configuration of this profile at one density."""
        return DropConfig(num_pairs=self.num_pairs, density_per_km2=density_per_km2)


# Sizes measured on a 2-core CPU: the book's expert grid (4 densities x 5 f_min x 128 networks of 20 pairs,
# 1500 iterations) took 314 s; the expert's cost per network-iteration grows about as N^2.3
# (0.1 ms at N = 20, 1.0 ms at N = 50, 6 ms at N = 100: `python benchmarks/expert_throughput.py`).
PROFILES: dict[str, Profile] = {
    "ci": Profile(
        name="ci",
        num_pairs=10,
        f_mins=(0.6,),
        num_networks_per_density=8,
        num_test_networks_per_density=4,
        evaluation=EvaluationConfig(num_slots=100, window_slots=5),
        expert=ExpertConfig(num_iterations=300, burn_in=100, num_samples=50),
        gnn_expert=GNNExpertConfig(hidden=16, num_iterations=300, burn_in=100, num_samples=50),
        denoiser=DenoiserConfig(hidden=16, depth=2),
        diffusion=DiffusionConfig(num_train_steps=100, sample_steps=10),
        train=TrainConfig(
            num_steps=60,
            batch_problems=8,
            eval_every=30,
            eval_problems=8,
            eval_samples=8,
            checkpoint_every=20,
        ),
    ),
    # 12000 steps: the validation mean relative to the expert still rose at 6000 (0.90x at 750 steps, 0.97x at
    # 6000, 20 DDIM steps); the moving average steadies the noisy tail between validations.
    "book": Profile(
        name="book",
        num_pairs=20,
        num_test_networks_per_density=16,
        train=TrainConfig(num_steps=12000, eval_every=500, ema_decay=0.999),
    ),
    "paper": Profile(
        name="paper",
        num_pairs=400,
        num_networks_per_density=256,
        num_test_networks_per_density=64,
        graph=GraphConfig(top_k=10),
        expert=ExpertConfig(num_iterations=3000, burn_in=1000),
    ),
}


def get_profile(name: str) -> Profile:
    """The profile called ``name`` (one of ``ci``, ``book``, ``paper``)."""
    if name not in PROFILES:
        raise ValueError(f"profile must be one of {sorted(PROFILES)}, got {name!r}")
    return PROFILES[name]
