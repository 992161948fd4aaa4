"""Configuration of the learned policy: the denoiser, the diffusion process and its sampler, training."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..checks import check_choice, check_int_at_least, check_positive
from .choices import (
    DENOISER_KINDS,
    DIRECTIONS,
    INITIAL_NOISE_KINDS,
    LOSS_WEIGHTINGS,
    NOISE_SCHEDULES,
    POOLING_KINDS,
    PRECISIONS,
    SAMPLER_KINDS,
    SELECTION_RULES,
)

__all__ = ["DenoiserConfig", "DiffusionConfig", "TrainConfig"]


@dataclass(frozen=True)
class DenoiserConfig:
    """The noise-prediction network eps_theta(x_k, k, graph, u): the CAMSAP GNN or the U-GNN."""

    kind: str = "ugnn"  # "ugnn" (encoder-decoder levels with skips) or "gnn" (a cascade of graph filters)
    hidden: int = 64  # channels of every block (and of the step and condition embeddings)
    hops: int = 2  # K: each graph filter is a polynomial of degree K in the shift operator S
    directions: str = "both"  # "both": filters in S (interference a node receives) and S^T (interference
    # it causes); "in": S only, as in the papers (see gsdiff.graph.filters)
    num_layers: int = 5  # "gnn": filter blocks in the cascade
    depth: int = 3  # "ugnn": levels, the finest included
    pooling: str = "topk"  # "ugnn": "topk" (learned scores, permutation-equivariant) or "stride" (every
    # pool_factor-th node by index, which depends on the node order)
    pool_factor: int = 2  # gamma: each level keeps 1 / gamma of the previous level's nodes
    hop_stride: int = 2  # level l filters with powers of S^(hop_stride^l): coarser levels reach further
    gate_heads: int = 2  # H > 0: every shift is gated by the states at both ends of each edge, in H heads of
    # hidden / H channels (our choice, see gsdiff.graph.filters); 0: linear graph filters (the papers)

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, DENOISER_KINDS)
        check_choice("directions", self.directions, DIRECTIONS)
        check_choice("pooling", self.pooling, POOLING_KINDS)
        check_int_at_least("hidden", self.hidden, 2)
        if self.hidden % 2:
            raise ValueError(f"hidden must be even (sinusoidal embedding), got {self.hidden}")
        for name in ("hops", "num_layers", "depth", "hop_stride"):
            check_int_at_least(name, getattr(self, name), 1)
        check_int_at_least("pool_factor", self.pool_factor, 2)
        check_int_at_least("gate_heads", self.gate_heads, 0)
        if self.gate_heads and self.hidden % self.gate_heads:
            raise ValueError(f"hidden ({self.hidden}) must be divisible by gate_heads ({self.gate_heads})")


@dataclass(frozen=True)
class DiffusionConfig:
    """The diffusion process and its default sampler (SETUP.md: K = 500, linear beta, DDIM)."""

    num_train_steps: int = 500  # K noising steps
    schedule: str = "linear"  # the noise schedule: "linear" (beta from beta_start to beta_end) or "cosine"
    beta_start: float = 1e-4
    beta_end: float = 0.02
    loss_weighting: str = "none"  # omega(k) of the loss: "none" (uniform), "log_snr" (CAMSAP, as
    # log(1 + SNR(k))) or "v" (1 / alphabar_k, the v-prediction loss); see gsdiff.diffusion.loss
    sampler: str = "ddim"  # "ddim" or "ddpm"
    sample_steps: int = 20  # inference steps (a subsequence of the K training steps)
    eta: float = 0.0  # DDIM stochasticity: 0 deterministic, 1 DDPM-like
    initial_noise: str = "sobol"  # x_K of the S samples of a network: "sobol" (randomized quasi-Monte
    # Carlo: evenly spread, so time-shared averages converge faster) or "gaussian" (i.i.d.);
    # gsdiff.diffusion.initial_noise

    def __post_init__(self) -> None:
        check_int_at_least("num_train_steps", self.num_train_steps, 2)
        check_choice("schedule", self.schedule, NOISE_SCHEDULES)
        check_choice("sampler", self.sampler, SAMPLER_KINDS)
        check_choice("loss_weighting", self.loss_weighting, LOSS_WEIGHTINGS)
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
        check_choice("initial_noise", self.initial_noise, INITIAL_NOISE_KINDS)


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
    # best p5 of rate - f_min. Sampled scores favour early, under-fitted, fair models
    # (gsdiff.policy.selection.selection_score).
    select_by: str = "loss"
    # The denoiser's arithmetic in training steps: "float32", or "bfloat16" autocast (matrix products in
    # bf16, reductions and the loss in float32; on a GPU about twice the throughput). Validation, sampling,
    # rates and the expert always run in full precision. Effect on the loss: benchmarks/mixed_precision.py.
    precision: str = "float32"

    def __post_init__(self) -> None:
        check_choice("select_by", self.select_by, SELECTION_RULES)
        check_choice("precision", self.precision, PRECISIONS)
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
