"""Every sampling choice of the chapters, made once on validation networks: how each policy samples
(``choose_sampling``) and the dual time-sharing margin of each pool (``choose_dual_margin``, for the
policies' pools, the expert's samples and the random-levels control).

``tune_on_validation`` runs both searches on the validation networks at the profile's f_min and writes the
choices to a content-hashed cache (``tuning-<key>.json``: the dataset, the policies' weights and the search);
``tuned_settings`` reads them back, or runs the search when nothing is cached, so that a later chapter plays
the policies exactly as the training chapter chose, without repeating the search. None of it looks at the
test split.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from ..checks import check_int_at_least
from ..config import DualTimeSharingConfig, Profile
from ..files import atomic_write
from ..solvers.baselines import random_levels
from ..wireless.metrics import rate_metrics
from ..wireless.time_sharing import played_rates
from .comparison import DUAL_SUFFIX
from .datasets import ExpertDataset, default_cache_dir
from .diffusion_policy import DiffusionPolicy, SamplingSetting
from .selection import MarginSearch, SettingSearch, choose_dual_margin, choose_sampling

__all__ = ["TuningConfig", "Tuning", "TunedSettings", "tuning_key", "tune_on_validation", "tuned_settings"]

RANDOM_LEVELS = "random levels"  # the pool of the uninformed control


@dataclass(frozen=True)
class TuningConfig:
    """What the validation search tries (the training chapter's parameters)."""

    networks_per_density: int = 32  # validation networks per density, capped at the split's size
    num_samples: int = 100  # samples per network (500 slots held 5 slots each: 100 are played)
    margins: tuple[float, ...] = (0.05, 0.1)  # bits/s/Hz: the policy conditions on f_min + margin
    try_levels: bool = True  # also try projecting samples onto the expert's power levels
    dual_margins: tuple[float, ...] = (0.1, 0.15, 0.2, 0.25, 0.3)  # bits/s/Hz: dual targets f_min + margin
    seed: int = 0  # seed of the samples and of the random-levels pool

    def __post_init__(self) -> None:
        check_int_at_least("networks_per_density", self.networks_per_density, 1)
        check_int_at_least("num_samples", self.num_samples, 1)
        for name in ("margins", "dual_margins"):
            values = getattr(self, name)
            if not values or any(not 0 <= m < 10 for m in values):
                raise ValueError(
                    f"{name} must be a non-empty list of margins in [0, 10) bits/s/Hz; got {values}"
                )


@dataclass(frozen=True)
class TunedSettings:
    """The choices alone: how each policy samples, and each pool's dual time-sharing settings."""

    sampling: dict[str, SamplingSetting]  # policy name -> its sampling setting
    dual: dict[str, DualTimeSharingConfig]  # pool name ("expert", a policy's, "random levels") -> settings

    def to_json(self) -> str:
        return json.dumps(
            {
                "sampling": {k: asdict(v) for k, v in self.sampling.items()},
                "dual": {k: asdict(v) for k, v in self.dual.items()},
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> TunedSettings:
        data = json.loads(text)
        return cls(
            {k: SamplingSetting(**v) for k, v in data["sampling"].items()},
            {k: DualTimeSharingConfig(**v) for k, v in data["dual"].items()},
        )


@dataclass(frozen=True)
class Tuning:
    """Both searches in full: every setting's validation scores, the choices, and what they were made on."""

    sampling_searches: dict[str, SettingSearch]  # policy name -> its sampling search
    margin_searches: dict[str, MarginSearch]  # pool name -> its margin search
    expert_metrics: dict[str, float]  # the expert's played rates' rate_metrics, "balanced" 1
    gains: torch.Tensor = field(repr=False)  # [B, N, N] the validation networks
    expert_samples_w: torch.Tensor = field(repr=False)  # [B, S, N] the expert's samples on them

    def sampling_rows(self) -> dict[str, dict[str, float]]:
        """ "<policy>, <setting>" -> its validation metrics, for every setting tried; then "expert"."""
        rows = {
            f"{name}, {label}": m for name, s in self.sampling_searches.items() for label, m in s.rows.items()
        }
        return rows | {"expert": self.expert_metrics}

    def dual_rows(self) -> dict[str, dict[str, float]]:
        """Each pool "<pool> + dual time-sharing, margin <m>" -> its validation metrics; then "expert"."""
        rows = {
            f"{name}{DUAL_SUFFIX}, margin {margin:g}": m
            for name, s in self.margin_searches.items()
            for margin, m in s.rows.items()
        }
        return rows | {"expert": self.expert_metrics}

    @property
    def settings(self) -> TunedSettings:
        return TunedSettings(
            {name: s.best for name, s in self.sampling_searches.items()},
            {name: s.best for name, s in self.margin_searches.items()},
        )


def _fingerprint(policy: DiffusionPolicy) -> str:
    """Hash of a policy's configs and weights."""
    digest = hashlib.sha256(json.dumps(policy.config_dict(), sort_keys=True).encode())
    for name, tensor in sorted(policy.state_dict().items()):
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def tuning_key(
    profile: Profile, dataset: ExpertDataset, policies: Mapping[str, DiffusionPolicy], config: TuningConfig
) -> str:
    """Hash of everything the choices depend on: data, f_min, evaluation, policies' weights, the search."""
    spec = {
        "dataset": dataset.key,
        "f_min": profile.f_min,
        "evaluation": asdict(profile.evaluation),
        "policies": {name: _fingerprint(p) for name, p in policies.items()},
        "tuning": asdict(config),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def _cache_path(cache_dir, key: str) -> Path:
    return Path(cache_dir or default_cache_dir()) / f"tuning-{key}.json"


def tune_on_validation(
    profile: Profile,
    dataset: ExpertDataset,
    policies: Mapping[str, DiffusionPolicy],
    config: TuningConfig = TuningConfig(),
    cache_dir: str | Path | None = None,
) -> Tuning:
    """Choose every policy's sampling setting, then every pool's dual margin, on validation networks at the
    profile's f_min (each by the balanced score); cache the choices for ``tuned_settings``."""
    radio, evaluation, f_min = profile.radio, profile.evaluation, profile.f_min
    gains, expert_w = dataset.at_f_min("validation", f_min, config.networks_per_density)
    expert_rates = played_rates(gains, expert_w, radio, evaluation)  # [B, N]
    levels = [None, profile.expert.num_levels] if config.try_levels else [None]
    searches = {
        name: choose_sampling(
            policy,
            gains,
            f_min,
            expert_rates,
            config.num_samples,
            config.margins,
            levels,
            radio,
            evaluation,
            config.seed,
        )
        for name, policy in policies.items()
    }
    pools = {name: search.best_samples_w for name, search in searches.items()} | {"expert": expert_w}
    pools[RANDOM_LEVELS] = random_levels(
        gains,
        config.num_samples,
        profile.expert.num_levels,
        radio,
        torch.Generator().manual_seed(config.seed),
    )
    margin_searches = {
        name: choose_dual_margin(gains, pool, f_min, expert_rates, config.dual_margins, radio, evaluation)
        for name, pool in pools.items()
    }
    tuning = Tuning(
        searches, margin_searches, rate_metrics(expert_rates, f_min) | {"balanced": 1.0}, gains, expert_w
    )
    path = _cache_path(cache_dir, tuning_key(profile, dataset, policies, config))
    text = tuning.settings.to_json().encode()
    atomic_write(path, lambda f: f.write(text))
    return tuning


def tuned_settings(
    profile: Profile,
    dataset: ExpertDataset,
    policies: Mapping[str, DiffusionPolicy],
    config: TuningConfig = TuningConfig(),
    cache_dir: str | Path | None = None,
) -> TunedSettings:
    """The choices ``tune_on_validation`` made for these policies and this search, from the cache, or made
    now (and cached) when nothing is cached."""
    path = _cache_path(cache_dir, tuning_key(profile, dataset, policies, config))
    if path.is_file():
        return TunedSettings.from_json(path.read_text())
    return tune_on_validation(profile, dataset, policies, config, cache_dir).settings
