"""Every list of allowed values of a choice, in one place: configs, library functions and the command line
all check against (and offer) these tuples, through ``gsdiff.checks.check_choice``."""

from __future__ import annotations

__all__ = [
    "FADING_KINDS",
    "PLAY_MODES",
    "AGGREGATES",
    "PAIRING_RULES",
    "EDGE_WEIGHTS",
    "DUAL_RATE_KINDS",
    "DENOISER_KINDS",
    "DIRECTIONS",
    "GRAPH_LAYOUTS",
    "POOLING_KINDS",
    "NOISE_SCHEDULES",
    "SAMPLER_KINDS",
    "TIMESTEP_SPACINGS",
    "LOSS_WEIGHTINGS",
    "INITIAL_NOISE_KINDS",
    "SELECTION_RULES",
    "PRECISIONS",
    "SPLITS",
    "BASELINES",
    "CANDIDATE_KINDS",
]

FADING_KINDS = ("iid", "jakes")  # Rayleigh fading per slot: i.i.d., or AR(1) fit of Jakes' model
PLAY_MODES = ("iid", "ordered")  # how a pool of samples fills the windows (gsdiff.wireless.play)
AGGREGATES = ("per_network", "pooled")  # percentiles per network or over all users (gsdiff.wireless.metrics)
PAIRING_RULES = ("as_dropped", "strongest")  # who serves each receiver (gsdiff.wireless.channel)
EDGE_WEIGHTS = ("coupling", "log_snr")  # graph edge weights (gsdiff.graph.signals)
DUAL_RATE_KINDS = ("exact", "fading")  # the rates the expert's dual step sees
DENOISER_KINDS = ("ugnn", "gnn")  # the U-GNN, or the CAMSAP cascade of graph filters
GRAPH_LAYOUTS = ("auto", "dense", "sparse")  # how a channel graph holds S (gsdiff.graph.channel_graph)
DIRECTIONS = ("in", "both")  # shift operators of a graph filter: S, or S and S^T (gsdiff.graph.filters)
POOLING_KINDS = ("topk", "stride")  # how a U-GNN level keeps nodes
NOISE_SCHEDULES = ("linear", "cosine")  # beta_k of the forward process (gsdiff.diffusion.noise_schedules)
SAMPLER_KINDS = (
    "ddim",
    "ddpm",
    "dpmsolver++",
    "unipc",
)  # reverse-process samplers (gsdiff.diffusion.samplers)
TIMESTEP_SPACINGS = ("leading", "trailing")  # which K-step subsequence a sampler runs (diffusion.samplers)
LOSS_WEIGHTINGS = ("none", "log_snr", "v")  # omega(k) of the diffusion loss (gsdiff.diffusion.loss)
INITIAL_NOISE_KINDS = ("sobol", "gaussian")  # x_K of the reverse process (gsdiff.diffusion.initial_noise)
SELECTION_RULES = ("loss", "balanced", "p5")  # what checkpoint keeping maximizes (gsdiff.training.selection)
PRECISIONS = ("float32", "bfloat16")  # the denoiser's arithmetic in training steps (gsdiff.training.train)
SPLITS = ("train", "validation", "test")  # the expert dataset's splits, by network (gsdiff.data.datasets)
BASELINES = ("full_power", "average_power", "wmmse")  # deterministic baselines (gsdiff.solvers.baselines)
CANDIDATE_KINDS = ("expert", "chain", "policy", "dual", "baseline", "control")  # gsdiff.config.candidates
