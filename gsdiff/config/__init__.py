"""Frozen, validated configuration dataclasses, the named profiles ``ci``, ``book`` and ``paper``, the
quality targets, every list of allowed values (``choices``) and the registry of candidates
(``candidates``).

Values follow ``SETUP.md`` (the papers' setup); choices that are ours say so.
"""

from .candidates import (
    AVERAGE_POWER,
    BASELINE_CANDIDATES,
    DENOISER_LABELS,
    EXPERT,
    FULL_POWER,
    RANDOM_LEVELS,
    WMMSE,
    Candidate,
    baseline_candidate,
    dual_candidate,
    policy_candidate,
)
from .choices import (
    BASELINES,
    CANDIDATE_KINDS,
    DENOISER_KINDS,
    DIRECTIONS,
    DUAL_RATE_KINDS,
    EDGE_WEIGHTS,
    FADING_KINDS,
    INITIAL_NOISE_KINDS,
    LOSS_WEIGHTINGS,
    NOISE_SCHEDULES,
    POOLING_KINDS,
    PRECISIONS,
    SAMPLER_KINDS,
    SELECTION_RULES,
    SPLITS,
)
from .learning import DenoiserConfig, DiffusionConfig, SamplingSetting, TrainConfig, TuningConfig
from .profiles import PROFILES, Profile, get_profile, override_profile
from .solvers import DualTimeSharingConfig, ExpertConfig, GNNExpertConfig
from .targets import PAPER_RESULTS, ExpertTargets, PaperResults, PolicyTargets
from .wireless import DENSITIES_PER_KM2, DropConfig, EvaluationConfig, GraphConfig, RadioConfig

__all__ = [
    "DENSITIES_PER_KM2",
    "RadioConfig",
    "DropConfig",
    "EvaluationConfig",
    "GraphConfig",
    "ExpertConfig",
    "GNNExpertConfig",
    "DualTimeSharingConfig",
    "DenoiserConfig",
    "DiffusionConfig",
    "SamplingSetting",
    "TrainConfig",
    "TuningConfig",
    "Candidate",
    "EXPERT",
    "FULL_POWER",
    "AVERAGE_POWER",
    "WMMSE",
    "RANDOM_LEVELS",
    "BASELINE_CANDIDATES",
    "DENOISER_LABELS",
    "baseline_candidate",
    "policy_candidate",
    "dual_candidate",
    "Profile",
    "PROFILES",
    "get_profile",
    "override_profile",
    "ExpertTargets",
    "PolicyTargets",
    "PaperResults",
    "PAPER_RESULTS",
    "FADING_KINDS",
    "EDGE_WEIGHTS",
    "DUAL_RATE_KINDS",
    "DENOISER_KINDS",
    "DIRECTIONS",
    "POOLING_KINDS",
    "NOISE_SCHEDULES",
    "SAMPLER_KINDS",
    "LOSS_WEIGHTINGS",
    "INITIAL_NOISE_KINDS",
    "SELECTION_RULES",
    "PRECISIONS",
    "SPLITS",
    "BASELINES",
    "CANDIDATE_KINDS",
]
