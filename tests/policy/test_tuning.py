"""The sampling choices made once on validation and cached: the same as the searches run by hand, read
back by a later chapter without searching again, keyed by the policies' weights and the search."""

from __future__ import annotations

import dataclasses

import pytest
import torch

import gsdiff.policy.tuning as tuning_module
from gsdiff.config import DualTimeSharingConfig
from gsdiff.policy import (
    DiffusionPolicy,
    SamplingSetting,
    TunedSettings,
    TuningConfig,
    choose_dual_margin,
    choose_sampling,
    load_or_build_dataset,
    tune_on_validation,
    tuned_settings,
    tuning_key,
)
from gsdiff.solvers import random_levels
from gsdiff.wireless import played_rates


@pytest.fixture
def setup(profile, tmp_path):
    profile = dataclasses.replace(profile, f_min=0.5)
    dataset = load_or_build_dataset(profile, tmp_path / "cache", progress=False)
    torch.manual_seed(0)
    policies = {"P": DiffusionPolicy(profile.denoiser, profile.diffusion, profile.radio, profile.graph)}
    search = TuningConfig(networks_per_density=2, num_samples=4, margins=(0.0, 0.1), dual_margins=(0.1, 0.3))
    return profile, dataset, policies, search, tmp_path / "cache"


def test_tuning_is_the_two_searches_on_validation(setup):
    profile, dataset, policies, search, cache = setup
    tuned = tune_on_validation(profile, dataset, policies, search, cache)
    gains, expert_w = dataset.at_f_min("validation", 0.5, 2)
    radio, evaluation = profile.radio, profile.evaluation
    expert_rates = played_rates(gains, expert_w, radio, evaluation)
    levels = [None, profile.expert.num_levels]
    by_hand = choose_sampling(
        policies["P"], gains, 0.5, expert_rates, 4, (0.0, 0.1), levels, radio, evaluation, 0
    )
    assert tuned.settings.sampling == {"P": by_hand.best}
    for label, row in by_hand.rows.items():
        assert tuned.sampling_searches["P"].rows[label] == pytest.approx(row)
    control = random_levels(gains, 4, profile.expert.num_levels, radio, torch.Generator().manual_seed(0))
    for name, pool in {"P": by_hand.best_samples_w, "expert": expert_w, "random levels": control}.items():
        margins = choose_dual_margin(gains, pool, 0.5, expert_rates, (0.1, 0.3), radio, evaluation)
        assert tuned.settings.dual[name] == margins.best
    assert list(tuned.sampling_rows()) == [*(f"P, {label}" for label in by_hand.rows), "expert"]
    assert "P + dual time-sharing, margin 0.3" in tuned.dual_rows()


def test_tuned_settings_reads_the_cache_and_keys_by_weights(setup, monkeypatch):
    profile, dataset, policies, search, cache = setup
    made = tune_on_validation(profile, dataset, policies, search, cache).settings
    key = tuning_key(profile, dataset, policies, search)
    assert (cache / f"tuning-{key}.json").is_file()

    def no_search(*args, **kwargs):
        raise AssertionError("searched again although the choices are cached")

    monkeypatch.setattr(tuning_module, "tune_on_validation", no_search)
    assert tuned_settings(profile, dataset, policies, search, cache) == made
    with torch.no_grad():
        next(policies["P"].parameters()).add_(1.0)
    assert tuning_key(profile, dataset, policies, search) != key
    assert tuning_key(profile, dataset, policies, dataclasses.replace(search, seed=1)) != key


def test_tuned_settings_round_trip_and_config_checks():
    settings = TunedSettings(
        {"P": SamplingSetting(margin=0.1, levels=5, top_k=19)}, {"expert": DualTimeSharingConfig(margin=0.25)}
    )
    assert TunedSettings.from_json(settings.to_json()) == settings
    with pytest.raises(ValueError, match="networks_per_density must be an integer >= 1"):
        TuningConfig(networks_per_density=0)
    with pytest.raises(ValueError, match=r"dual_margins must be a non-empty list of margins in \[0, 10\)"):
        TuningConfig(dual_margins=(-0.1,))
