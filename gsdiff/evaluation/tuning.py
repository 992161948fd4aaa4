"""Every sampling choice of the chapters, made once on validation networks: how each policy samples
(``choose_sampling``) and the dual time-sharing margin of each pool (``choose_dual_margin``, for the
policies' pools, the expert's samples and the random-levels control).

``tune_on_validation`` runs both searches (the profile's ``TuningConfig``) on the validation networks at the
profile's f_min and writes the choices to a content-hashed cache (``tuning-<key>.json``: the dataset, the
policies' fingerprints and the search); ``tuned_settings`` reads them back, or runs the search when nothing is
cached, so that a later chapter plays the policies exactly as the training chapter chose, without repeating
the search. None of it looks at the test split.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..cache import content_key, default_cache_dir
from ..config import (
    EXPERT,
    RANDOM_LEVELS,
    Candidate,
    DualTimeSharingConfig,
    Profile,
    SamplingSetting,
    dual_candidate,
)
from ..data import ExpertDataset
from ..files import atomic_write
from ..policy import DiffusionPolicy
from ..solvers.baselines import random_levels
from ..wireless.metrics import rate_metrics
from ..wireless.play import resample
from ..wireless.time_sharing import played_rates
from .search import MarginSearch, SettingSearch, choose_dual_margin, choose_sampling

__all__ = [
    "Tuning",
    "TunedSettings",
    "tuning_key",
    "choose_policy_sampling",
    "StudentMargin",
    "choose_student_margin",
    "tune_on_validation",
    "tuned_settings",
]

_FORMAT = 3  # of the cached choices (2: keyed by candidates; 3: against the like-for-like expert)


def _candidate(data: dict) -> Candidate:
    pool = data.get("pool")
    return Candidate(**(data | {"pool": None if pool is None else _candidate(pool)}))


@dataclass(frozen=True)
class TunedSettings:
    """The choices alone: how each policy samples, and each pool's dual time-sharing settings."""

    sampling: dict[Candidate, SamplingSetting]  # policy -> its sampling setting
    dual: dict[Candidate, DualTimeSharingConfig]  # pool (the expert, a policy, random levels) -> settings

    def to_json(self) -> str:
        return json.dumps(
            {
                "sampling": [[asdict(c), asdict(s)] for c, s in self.sampling.items()],
                "dual": [[asdict(c), asdict(s)] for c, s in self.dual.items()],
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> TunedSettings:
        data = json.loads(text)
        return cls(
            {_candidate(c): SamplingSetting(**s) for c, s in data["sampling"]},
            {_candidate(c): DualTimeSharingConfig(**s) for c, s in data["dual"]},
        )


@dataclass(frozen=True)
class Tuning:
    """Both searches in full: every setting's validation scores, the choices, and what they were made on."""

    sampling_searches: dict[Candidate, SettingSearch]  # policy -> its sampling search
    margin_searches: dict[Candidate, MarginSearch]  # pool -> its margin search
    expert_metrics: dict[str, float]  # the like-for-like expert's rate_metrics, "balanced" 1
    gains: torch.Tensor = field(repr=False)  # [B, N, N] the validation networks
    expert_samples_w: torch.Tensor = field(repr=False)  # [B, K, N] the expert's samples, drawn as a policy

    def sampling_rows(self) -> dict[str, dict[str, float]]:
        """ "<policy>, <setting>" -> its validation metrics, for every setting tried; then "expert"."""
        rows = {
            f"{c.label}, {label}": m for c, s in self.sampling_searches.items() for label, m in s.rows.items()
        }
        return rows | {EXPERT.label: self.expert_metrics}

    def dual_rows(self) -> dict[str, dict[str, float]]:
        """Each pool "<pool> + dual time-sharing, margin <m>" -> its validation metrics; then "expert"."""
        rows = {
            f"{dual_candidate(c).label}, margin {margin:g}": m
            for c, s in self.margin_searches.items()
            for margin, m in s.rows.items()
        }
        return rows | {EXPERT.label: self.expert_metrics}

    @property
    def settings(self) -> TunedSettings:
        return TunedSettings(
            {c: s.best for c, s in self.sampling_searches.items()},
            {c: s.best for c, s in self.margin_searches.items()},
        )


def tuning_key(
    dataset: ExpertDataset, policies: Mapping[Candidate, DiffusionPolicy], profile: Profile
) -> str:
    """Hash of everything the choices depend on: data, f_min, evaluation, policies, the search."""
    spec = {
        "format": _FORMAT,
        "dataset": dataset.key,
        "f_min": profile.f_min,
        "evaluation": asdict(profile.evaluation),
        "policies": {c.name: p.fingerprint() for c, p in policies.items()},
        "tuning": asdict(profile.tuning),
    }
    return content_key(spec)


def _cache_path(cache_dir, key: str) -> Path:
    return Path(cache_dir or default_cache_dir()) / f"tuning-{key}.json"


def _validation_reference(dataset: ExpertDataset, profile: Profile):
    """The validation networks at the profile's f_min, the expert's samples drawn as a policy draws its own
    (the like-for-like reference) and their played rates [R, B, N], and its chain's rates played in order
    (the stricter reference)."""
    radio, evaluation, config = profile.radio, profile.evaluation, profile.tuning
    gains, chain = dataset.at_f_min("validation", profile.f_min, config.networks_per_density)
    expert_w = resample(chain, config.num_samples, generator=torch.Generator().manual_seed(config.seed))
    expert_rates = played_rates(gains, expert_w, radio, evaluation, seed=config.seed)  # [R, B, N]
    chain_rates = played_rates(gains, chain, radio, evaluation, play="ordered")
    return gains, expert_w, expert_rates, chain_rates


def _search(policy, profile: Profile, gains, expert_rates, chain_rates) -> SettingSearch:
    config, base = profile.tuning, profile.sampling
    return choose_sampling(
        gains,
        profile.f_min,
        expert_rates,
        policy,
        profile.radio,
        profile.evaluation,
        num_samples=config.num_samples,
        margins=config.margins,
        power_levels=[None, profile.expert.num_levels] if config.try_power_levels else [None],
        seed=config.seed,
        chain_rates=chain_rates,
        # the profile's own sampler always competes: a policy's stored choice is not the only start
        samplers=((base.sampler, base.steps, base.timestep_spacing), *config.samplers),
        step_tolerance=config.step_tolerance,
    )


def choose_policy_sampling(
    dataset: ExpertDataset, policy: DiffusionPolicy, profile: Profile
) -> SettingSearch:
    """The sampling search ``tune_on_validation`` runs for one policy (the profile's ``TuningConfig``, the
    validation networks at its f_min): what a shipped checkpoint stores as its own setting, so that
    ``gsdiff sample`` and the chapters play it as chosen."""
    gains, _, expert_rates, chain_rates = _validation_reference(dataset, profile)
    return _search(policy, profile, gains, expert_rates, chain_rates)


@dataclass(frozen=True)
class StudentMargin:
    """A distilled student's margin chosen to keep its reference's quality on validation networks."""

    setting: SamplingSetting  # the student's own sampler and steps, at the chosen margin
    reference_scores: dict[str, float]  # the reference policy's validation scores, at its own setting
    scores: dict[str, dict[str, float]]  # margin label -> the student's validation scores there
    shortfall: float  # the chosen margin's larger drop below the reference, of the p5 and mean ratios
    keeps_quality: bool  # shortfall <= the profile's step_tolerance (the bar the sampler choice uses)


def choose_student_margin(
    dataset: ExpertDataset, student: DiffusionPolicy, reference: DiffusionPolicy, profile: Profile
) -> StudentMargin:
    """The margin (of ``profile.tuning.margins``) at which a distilled student, sampled with its own few
    steps, stays closest to the quality of ``reference`` (its teacher, or the policy the chain of teachers
    started from) on the validation networks at the profile's f_min: the smallest larger drop of its p5 and
    mean ratios below the reference's (each against the expert drawn alike; the first margin on ties).

    A student's x0 is a few steps' estimate, and the margin (the denoiser asked for f_min + margin) moves
    its tail against its mean: on the book's networks the U-GNN's 2-step student lost 0.07 of p5 at
    margin 0 and kept it at 0.1, for 0.01 of its mean. Its teacher's margin was chosen for many steps."""
    gains, _, expert_rates, chain_rates = _validation_reference(dataset, profile)
    config = profile.tuning

    def scores(policy: DiffusionPolicy, margins) -> SettingSearch:
        return choose_sampling(
            gains,
            profile.f_min,
            expert_rates,
            policy,
            profile.radio,
            profile.evaluation,
            num_samples=config.num_samples,
            margins=margins,
            power_levels=[policy.sampling.power_levels],
            seed=config.seed,
            chain_rates=chain_rates,
        )

    reference_scores = scores(reference, [reference.sampling.margin]).best_scores
    search = scores(student, config.margins)

    def shortfall(label: str) -> float:
        row = search.scores[label]
        return max(reference_scores[key] - row[key] for key in ("p5_ratio", "mean_ratio"))

    best = min(search.settings, key=shortfall)  # settings in the margins' order: the first on ties
    return StudentMargin(
        setting=search.settings[best],
        reference_scores=reference_scores,
        scores=search.scores,
        shortfall=shortfall(best),
        keeps_quality=shortfall(best) <= config.step_tolerance,
    )


def tune_on_validation(
    dataset: ExpertDataset,
    policies: Mapping[Candidate, DiffusionPolicy],
    profile: Profile,
    *,
    cache_dir: str | Path | None = None,
) -> Tuning:
    """Choose every policy's sampling setting, then every pool's dual margin, on validation networks at the
    profile's f_min (each by the balanced score, as ``profile.tuning`` says); cache the choices for
    ``tuned_settings``."""
    radio, evaluation, f_min, config = profile.radio, profile.evaluation, profile.f_min, profile.tuning
    gains, expert_w, expert_rates, chain_rates = _validation_reference(dataset, profile)
    searches = {c: _search(p, profile, gains, expert_rates, chain_rates) for c, p in policies.items()}
    pools = {c: search.best_samples_w for c, search in searches.items()} | {EXPERT: expert_w}
    generator = torch.Generator().manual_seed(config.seed)
    pools[RANDOM_LEVELS] = random_levels(
        gains, config.num_samples, profile.expert.num_levels, radio, generator=generator
    )
    margin_searches = {
        c: choose_dual_margin(
            gains, pool, f_min, expert_rates, radio, evaluation, margins=config.dual_margins
        )
        for c, pool in pools.items()
    }
    expert_metrics = rate_metrics(expert_rates, f_min, aggregate=evaluation.aggregate) | {"balanced": 1.0}
    tuning = Tuning(searches, margin_searches, expert_metrics, gains, expert_w)
    path = _cache_path(cache_dir, tuning_key(dataset, policies, profile))
    text = tuning.settings.to_json().encode()
    atomic_write(path, lambda f: f.write(text))
    return tuning


def tuned_settings(
    dataset: ExpertDataset,
    policies: Mapping[Candidate, DiffusionPolicy],
    profile: Profile,
    *,
    cache_dir: str | Path | None = None,
) -> TunedSettings:
    """The choices ``tune_on_validation`` made for these policies and the profile's search, from the cache, or
    made now (and cached) when nothing is cached."""
    path = _cache_path(cache_dir, tuning_key(dataset, policies, profile))
    if path.is_file():
        return TunedSettings.from_json(path.read_text())
    return tune_on_validation(dataset, policies, profile, cache_dir=cache_dir).settings
