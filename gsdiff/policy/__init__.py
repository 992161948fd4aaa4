"""The diffusion policy and everything around it: sampling allocations from a trained denoiser, the expert
dataset it imitates, training, model and sampler selection on validation, the shipped checkpoints,
comparisons against the expert on new problems, and the denoiser exported to ONNX for runtimes without
Python."""

from .comparison import (
    DUAL_SUFFIX,
    Candidate,
    candidate_rates,
    candidate_samples,
    compare_over_f_mins,
    compare_over_sizes,
    compare_to_expert,
    evaluate_candidates,
    interferers_when_on,
    tail_coordination,
)
from .costs import ProfileCost, StageCost, measure_expert_cost, measure_profile_cost
from .datasets import ExpertDataset, dataset_key, default_cache_dir, load_or_build_dataset
from .diffusion_policy import DiffusionPolicy, SamplingSetting, project_to_levels
from .distributed import Workers, current_workers, init_from_environment
from .export import (
    MAX_EXPORT_PAIRS,
    ChannelDenoiser,
    DDIMSteps,
    cached_export,
    export_denoiser,
    pairwise_top_fraction,
)
from .finite_samples import sample_count_study
from .pretrained import checkpoint_path, load_pretrained, policy_for, profile_policy, training_key, with_kind
from .selection import (
    MarginSearch,
    SettingSearch,
    choose_dual_margin,
    choose_sampling,
    sampler_sweep,
    selection_score,
    validation_problems,
    validation_scores,
)
from .train import TrainResult, train_policy, validation_loss
from .tuning import TunedSettings, Tuning, TuningConfig, tune_on_validation, tuned_settings, tuning_key

__all__ = [
    "ProfileCost",
    "StageCost",
    "measure_profile_cost",
    "measure_expert_cost",
    "Workers",
    "current_workers",
    "init_from_environment",
    "SamplingSetting",
    "DiffusionPolicy",
    "project_to_levels",
    "MAX_EXPORT_PAIRS",
    "pairwise_top_fraction",
    "ChannelDenoiser",
    "export_denoiser",
    "cached_export",
    "DDIMSteps",
    "ExpertDataset",
    "dataset_key",
    "default_cache_dir",
    "load_or_build_dataset",
    "TrainResult",
    "train_policy",
    "validation_loss",
    "validation_problems",
    "validation_scores",
    "selection_score",
    "sampler_sweep",
    "checkpoint_path",
    "with_kind",
    "profile_policy",
    "load_pretrained",
    "training_key",
    "policy_for",
    "SettingSearch",
    "choose_sampling",
    "MarginSearch",
    "choose_dual_margin",
    "sample_count_study",
    "Candidate",
    "DUAL_SUFFIX",
    "candidate_samples",
    "evaluate_candidates",
    "candidate_rates",
    "compare_to_expert",
    "compare_over_f_mins",
    "compare_over_sizes",
    "interferers_when_on",
    "tail_coordination",
    "TuningConfig",
    "Tuning",
    "TunedSettings",
    "tuning_key",
    "tune_on_validation",
    "tuned_settings",
]
