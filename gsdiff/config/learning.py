"""Configuration of the learned policy: the denoiser, the diffusion process and its sampler, training."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

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
    TIMESTEP_SPACINGS,
)

__all__ = [
    "DenoiserConfig",
    "DiffusionConfig",
    "DistillConfig",
    "SAMPLING_MEMORY_GB",
    "FEW_STEP_SAMPLERS",
    "SamplingSetting",
    "TrainConfig",
    "TuningConfig",
]


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
    """The diffusion process the denoiser is trained on (SETUP.md: K = 500, linear beta): what, with the
    denoiser and the graph, defines a policy's weights. How a trained policy samples: ``SamplingSetting``."""

    num_train_steps: int = 500  # K noising steps
    schedule: str = "linear"  # the noise schedule: "linear" (beta from beta_start to beta_end) or "cosine"
    beta_start: float = 1e-4
    beta_end: float = 0.02
    loss_weighting: str = "none"  # omega(k) of the loss: "none" (uniform), "log_snr" (CAMSAP, as
    # log(1 + SNR(k))) or "v" (1 / alphabar_k, the v-prediction loss); see gsdiff.diffusion.loss

    def __post_init__(self) -> None:
        check_int_at_least("num_train_steps", self.num_train_steps, 2)
        check_choice("schedule", self.schedule, NOISE_SCHEDULES)
        check_choice("loss_weighting", self.loss_weighting, LOSS_WEIGHTINGS)
        if not 0 < self.beta_start <= self.beta_end < 1:
            raise ValueError(
                f"need 0 < beta_start <= beta_end < 1, got {self.beta_start!r}, {self.beta_end!r}"
            )


SAMPLING_MEMORY_GB = (
    8.0  # default memory budget of a sampling chunk's graph operators (DiffusionPolicy.sample)
)


@dataclass(frozen=True)
class SamplingSetting:
    """How a trained policy draws allocations (``DiffusionPolicy.sample``): the reverse process and the
    conditioning and projection around it. None of it changes the weights, so a checkpoint stores the
    setting chosen for it on validation and any field can be changed when sampling."""

    sampler: str = "ddim"  # "ddim", "ddpm", or the few-step ODE solvers "dpmsolver++" and "unipc"
    # (gsdiff.diffusion.samplers)
    steps: int = 20  # inference steps: a subsequence of the K training steps
    eta: float = 0.0  # DDIM's stochasticity: 0 deterministic, 1 DDPM-like (the others take none)
    timestep_spacing: str = "leading"  # which steps: "leading" (ends at step 0) or "trailing" (starts at
    # K - 1, which few steps need; gsdiff.diffusion.inference_timesteps)
    initial_noise: str = "sobol"  # x_K of the S samples of a network: "sobol" (randomized quasi-Monte
    # Carlo: evenly spread, so time-shared averages converge faster) or "gaussian" (i.i.d.);
    # gsdiff.diffusion.initial_noise
    margin: float = 0.0  # bits/s/Hz: the denoiser is asked for f_min + margin, as the expert's dual step aims
    # above f_min
    power_levels: int | None = None  # project each power onto this many evenly spaced powers in
    # [0, P_max] (the expert's grid: ExpertConfig.num_levels); None: no projection
    top_k: int | None = None  # graphs of each receiver's k strongest interferers; None: the policy's graph

    def __post_init__(self) -> None:
        check_choice("sampler", self.sampler, SAMPLER_KINDS)
        check_choice("timestep_spacing", self.timestep_spacing, TIMESTEP_SPACINGS)
        check_int_at_least("steps", self.steps, 1)
        if isinstance(self.eta, bool) or not (
            isinstance(self.eta, (int, float)) and math.isfinite(self.eta) and self.eta >= 0
        ):
            raise ValueError(f"eta must be finite and >= 0, got {self.eta!r}")
        if self.sampler != "ddim" and self.eta:
            raise ValueError(
                f"eta applies to the DDIM sampler only; got eta = {self.eta!r} with {self.sampler!r}"
            )
        check_choice("initial_noise", self.initial_noise, INITIAL_NOISE_KINDS)
        if isinstance(self.margin, bool) or not (
            isinstance(self.margin, (int, float)) and math.isfinite(self.margin)
        ):
            raise ValueError(f"margin must be a finite number of bits/s/Hz, got {self.margin!r}")
        if self.power_levels is not None:
            check_int_at_least("power_levels", self.power_levels, 2)
        if self.top_k is not None:
            check_int_at_least("top_k", self.top_k, 1)

    @property
    def label(self) -> str:
        """e.g. "margin 0.05, 5 levels": the margin, the projection and every other field that differs from
        the default setting."""
        parts = [f"margin {self.margin:g}"]
        if self.power_levels:
            parts.append(f"{self.power_levels} levels")
        default = SamplingSetting()
        parts += [
            f"{f.name} {getattr(self, f.name)}"
            for f in fields(self)
            if f.name not in ("margin", "power_levels") and getattr(self, f.name) != getattr(default, f.name)
        ]
        return ", ".join(parts)


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
    # (gsdiff.training.selection.selection_score).
    select_by: str = "loss"
    # The denoiser's arithmetic in training steps: "float32", or "bfloat16" autocast (matrix products in
    # bf16, reductions and the loss in float32; on a GPU about twice the throughput). Validation, sampling,
    # rates and the expert always run in full precision. Effect on the loss: benchmarks/mixed_precision.py.
    precision: str = "float32"
    # The weights a run starts from (fine-tuning): None, random weights from the seed; or a checkpoint, by
    # path or by the name of one shipped in gsdiff/checkpoints ("{kind}" stands for the denoiser's kind),
    # whose denoiser and diffusion configs match the profile's (gsdiff.policy.initial_policy)
    init_from: str | None = None

    def __post_init__(self) -> None:
        check_choice("select_by", self.select_by, SELECTION_RULES)
        if self.init_from is not None and (not isinstance(self.init_from, str) or not self.init_from.strip()):
            raise ValueError(f"init_from must be None or a checkpoint path or name, got {self.init_from!r}")
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


# The few-step solver the sampling search tries (TuningConfig.samplers): DPM-Solver++(2M) from t = K - 1
# ("trailing") down to one step. On the book's validation networks (U-GNN, 96 networks, 100 samples) 6 of its
# steps keep the mean of the 20 DDIM steps and, with a margin of 0.05, their tail to 0.02; 4 lose 0.07-0.12 of
# the balanced score and 1-3 much more. UniPC scored as DPM-Solver++ to 0.01 at 4 and 6 steps, so the search
# leaves it out, and the in-browser sampler (gsdiff.policy.export.ReverseSteps: linear in x_t and the last
# two x0 predictions) plays every setting the search can choose.
FEW_STEP_SAMPLERS = tuple(("dpmsolver++", n, "trailing") for n in (1, 2, 3, 4, 6))


@dataclass(frozen=True)
class TuningConfig:
    """What the choice of sampling settings on validation networks tries (``gsdiff.evaluation.tuning``): part
    of the profile, so every chapter that reads the choices back asks for the same search."""

    networks_per_density: int = 24  # validation networks per density, capped at the split's size
    num_samples: int = 100  # samples per network (500 slots held 5 slots each: 100 are played)
    margins: tuple[float, ...] = (0.0, 0.05, 0.1)  # bits/s/Hz: the policy conditions on f_min + margin
    try_power_levels: bool = True  # also try projecting samples onto the expert's power levels
    dual_margins: tuple[float, ...] = (0.1, 0.15, 0.2, 0.25, 0.3)  # bits/s/Hz: dual targets f_min + margin
    seed: int = 0  # seed of the samples and of the random-levels pool
    samplers: tuple[tuple[str, int, str], ...] = FEW_STEP_SAMPLERS  # (sampler, steps, timestep_spacing)
    # tried besides the policy's own (gsdiff.diffusion.samplers)
    step_tolerance: float = 0.02  # the fewest denoiser steps whose p5 ratio and mean ratio are each
    # within this of the best setting's are kept (0: the best score, whatever it costs); 0.02 is the
    # quality a cheaper sampler must keep against the one it replaces (issue 27's bar for distillation)

    def __post_init__(self) -> None:
        samplers = tuple(tuple(entry) for entry in self.samplers)
        object.__setattr__(self, "samplers", samplers)  # lists from the command line, as tuples
        for entry in samplers:
            if len(entry) != 3:
                raise ValueError(f"samplers entries are (sampler, steps, timestep_spacing), got {entry!r}")
            check_choice("sampler", entry[0], SAMPLER_KINDS)
            check_int_at_least("steps", entry[1], 1)
            check_choice("timestep_spacing", entry[2], TIMESTEP_SPACINGS)
        if isinstance(self.step_tolerance, bool) or not 0 <= self.step_tolerance < 1:
            raise ValueError(f"step_tolerance must be in [0, 1), got {self.step_tolerance!r}")
        check_int_at_least("networks_per_density", self.networks_per_density, 1)
        check_int_at_least("num_samples", self.num_samples, 1)
        for name in ("margins", "dual_margins"):
            values = getattr(self, name)
            if not values or any(not 0 <= m < 10 for m in values):
                raise ValueError(
                    f"{name} must be a non-empty list of margins in [0, 10) bits/s/Hz; got {values}"
                )


@dataclass(frozen=True)
class DistillConfig:
    """Progressive distillation of a trained policy (``gsdiff.training.distill``): a student that takes one
    DDIM step where its teacher takes two."""

    student_steps: int = 4  # the student's DDIM steps ("trailing"); the teacher takes twice as many
    num_steps: int = 1000  # optimizer steps
    learning_rate: float = 5e-5
    batch_problems: int = 64  # (network, f_min) problems per mini-batch
    samples_per_problem: int = 4  # expert samples of each problem per mini-batch
    checkpoint_every: int = 100  # steps between resumable checkpoints (and loss records)
    seed: int = 0

    def __post_init__(self) -> None:
        for name in (
            "student_steps",
            "num_steps",
            "batch_problems",
            "samples_per_problem",
            "checkpoint_every",
        ):
            check_int_at_least(name, getattr(self, name), 1)
        check_positive("learning_rate", self.learning_rate)
        check_int_at_least("seed", self.seed, 0)
