"""Policies against the expert on problems they never trained on: what each candidate plays
(``candidate_samples``, ``expert_and_candidates``), scored the same way (``evaluate_candidates``,
``candidate_rates``, ``compare_to_expert`` and its sweeps over f_min and network size), how the tail is
coordinated, the choice of sampling settings on validation (``tune_on_validation``, read back by
``tuned_settings``), the finite-sample study, the measured cost of a profile's stages, and the papers'
claims checked on a run (``paper_claims``)."""

from .amortization import AmortizationRow, amortization
from .candidates import CandidateSamples, candidate_samples, expert_and_candidates
from .claims import Claim, paper_claims
from .comparison import (
    EXACT_MAX_PAIRS,
    MEAN_FIELD_INTERFERERS,
    SizeRun,
    candidate_rates,
    compare_over_f_mins,
    compare_over_sizes,
    compare_to_expert,
    evaluate_candidates,
    expert_for_size,
    score_sizes,
    size_runs,
)
from .coordination import interferers_when_on, tail_coordination
from .costs import ProfileCost, StageCost, duration, measure_expert_cost, measure_profile_cost
from .experts import compare_experts
from .finite_samples import IMITATOR, sample_count_study
from .pairing import pairing_study
from .search import MarginSearch, SettingSearch, choose_dual_margin, choose_sampling, sampler_sweep
from .size_changes import SIZE_CHANGES, kept_interference_share, size_changes
from .transient import Transient, online_expert_config, running_rates, transient
from .tuning import (
    StudentMargin,
    TunedSettings,
    Tuning,
    choose_policy_sampling,
    choose_student_margin,
    tune_on_validation,
    tuned_settings,
    tuning_key,
)

__all__ = [
    "AmortizationRow",
    "amortization",
    "Transient",
    "online_expert_config",
    "running_rates",
    "transient",
    "CandidateSamples",
    "candidate_samples",
    "expert_and_candidates",
    "EXACT_MAX_PAIRS",
    "MEAN_FIELD_INTERFERERS",
    "expert_for_size",
    "evaluate_candidates",
    "candidate_rates",
    "compare_to_expert",
    "compare_over_f_mins",
    "compare_over_sizes",
    "SizeRun",
    "size_runs",
    "score_sizes",
    "SIZE_CHANGES",
    "kept_interference_share",
    "size_changes",
    "compare_experts",
    "pairing_study",
    "interferers_when_on",
    "tail_coordination",
    "sampler_sweep",
    "SettingSearch",
    "choose_sampling",
    "MarginSearch",
    "choose_dual_margin",
    "Tuning",
    "TunedSettings",
    "tuning_key",
    "choose_policy_sampling",
    "StudentMargin",
    "choose_student_margin",
    "tune_on_validation",
    "tuned_settings",
    "IMITATOR",
    "sample_count_study",
    "StageCost",
    "ProfileCost",
    "duration",
    "measure_expert_cost",
    "measure_profile_cost",
    "Claim",
    "paper_claims",
]
