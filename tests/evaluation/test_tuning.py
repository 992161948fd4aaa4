"""The sampling choices made once on validation and cached: the same as the searches run by hand, read
back by a later chapter without searching again, keyed by the policies' weights and the search."""

from __future__ import annotations

import dataclasses

import pytest
import torch

import gsdiff.evaluation.tuning as tuning_module
from gsdiff.config import (
    EXPERT,
    RANDOM_LEVELS,
    DualTimeSharingConfig,
    SamplingSetting,
    TuningConfig,
    dual_candidate,
    policy_candidate,
)
from gsdiff.data import load_or_build_dataset
from gsdiff.evaluation import (
    TunedSettings,
    choose_dual_margin,
    choose_sampling,
    choose_student_margin,
    tune_on_validation,
    tuned_settings,
    tuning_key,
)
from gsdiff.policy import DiffusionPolicy
from gsdiff.solvers import random_levels
from gsdiff.wireless import played_rates, resample

POLICY = policy_candidate("ugnn")


@pytest.fixture
def setup(profile, tmp_path):
    search = TuningConfig(networks_per_density=2, num_samples=4, margins=(0.0, 0.1), dual_margins=(0.1, 0.3))
    profile = dataclasses.replace(profile, f_min=0.5, tuning=search)
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    torch.manual_seed(0)
    policies = {POLICY: DiffusionPolicy.from_profile(profile)}
    return profile, dataset, policies, tmp_path / "cache"


def test_tuning_is_the_two_searches_on_validation(setup):
    profile, dataset, policies, cache = setup
    tuned = tune_on_validation(dataset, policies, profile, cache_dir=cache)
    gains, chain = dataset.at_f_min("validation", 0.5, 2)
    radio, evaluation = profile.radio, profile.evaluation
    # the reference: the expert drawn as the policies draw (4 i.i.d. draws), played alike
    expert_w = resample(chain, 4, generator=torch.Generator().manual_seed(0))
    assert torch.equal(tuned.expert_samples_w, expert_w)
    expert_rates = played_rates(gains, expert_w, radio, evaluation, seed=0)
    levels = [None, profile.expert.num_levels]
    by_hand = choose_sampling(
        gains,
        0.5,
        expert_rates,
        policies[POLICY],
        radio,
        evaluation,
        num_samples=4,
        margins=(0.0, 0.1),
        power_levels=levels,
        seed=0,
        chain_rates=played_rates(gains, chain, radio, evaluation, play="ordered"),  # the stricter reference
        # the profile's sampler and the few-step solvers of the default search
        samplers=(("ddim", profile.sampling.steps, "leading"), *profile.tuning.samplers),
        step_tolerance=profile.tuning.step_tolerance,
    )
    assert tuned.settings.sampling == {POLICY: by_hand.best}
    for label, row in by_hand.rows.items():
        timed = "seconds_per_network"  # wall-clock: measured anew
        assert {k: v for k, v in tuned.sampling_searches[POLICY].rows[label].items() if k != timed} == (
            pytest.approx({k: v for k, v in row.items() if k != timed})
        )
    control = random_levels(
        gains, 4, profile.expert.num_levels, radio, generator=torch.Generator().manual_seed(0)
    )
    for pool, samples in {POLICY: by_hand.best_samples_w, EXPERT: expert_w, RANDOM_LEVELS: control}.items():
        margins = choose_dual_margin(gains, samples, 0.5, expert_rates, radio, evaluation, margins=(0.1, 0.3))
        assert tuned.settings.dual[pool] == margins.best
    assert list(tuned.sampling_rows()) == [*(f"U-GNN, {label}" for label in by_hand.rows), "expert"]
    assert f"{dual_candidate(POLICY).label}, margin 0.3" in tuned.dual_rows()


def test_tuned_settings_reads_the_cache_and_keys_by_weights(setup, monkeypatch):
    profile, dataset, policies, cache = setup
    made = tune_on_validation(dataset, policies, profile, cache_dir=cache).settings
    key = tuning_key(dataset, policies, profile)
    assert (cache / f"tuning-{key}.json").is_file()

    def no_search(*args, **kwargs):
        raise AssertionError("searched again although the choices are cached")

    monkeypatch.setattr(tuning_module, "tune_on_validation", no_search)
    assert tuned_settings(dataset, policies, profile, cache_dir=cache) == made
    with torch.no_grad():
        next(policies[POLICY].parameters()).add_(1.0)
    assert tuning_key(dataset, policies, profile) != key
    searched_otherwise = dataclasses.replace(profile, tuning=dataclasses.replace(profile.tuning, seed=1))
    assert tuning_key(dataset, policies, searched_otherwise) != key


def test_a_students_margin_keeps_its_references_quality_best(setup):
    """Each margin's p5 and mean ratios are the search's on the same validation draws; the one kept has the
    smallest larger drop below the reference's ratios, and a student that is its reference keeps it."""
    profile, dataset, policies, _ = setup
    reference = policies[POLICY]
    torch.manual_seed(1)
    student = DiffusionPolicy.from_profile(profile)
    student.sampling = dataclasses.replace(student.sampling, steps=2, timestep_spacing="trailing")
    choice = choose_student_margin(dataset, student, reference, profile)
    gains, chain = dataset.at_f_min("validation", 0.5, 2)
    expert_w = resample(chain, 4, generator=torch.Generator().manual_seed(0))
    expert_rates = played_rates(gains, expert_w, profile.radio, profile.evaluation, seed=0)

    def by_hand(policy, margins):
        return choose_sampling(
            gains,
            0.5,
            expert_rates,
            policy,
            profile.radio,
            profile.evaluation,
            num_samples=4,
            margins=margins,
            power_levels=[policy.sampling.power_levels],
            seed=0,
        )

    assert choice.reference_scores == by_hand(reference, [reference.sampling.margin]).best_scores
    drops = {}
    for margin in (0.0, 0.1):
        scores = by_hand(student, [margin]).best_scores
        drops[margin] = max(choice.reference_scores[k] - scores[k] for k in ("p5_ratio", "mean_ratio"))
    kept = min(drops, key=drops.get)
    assert choice.setting == dataclasses.replace(student.sampling, margin=kept)
    assert choice.shortfall == pytest.approx(drops[kept])
    assert choice.keeps_quality == (drops[kept] <= profile.tuning.step_tolerance)
    itself = choose_student_margin(dataset, reference, reference, profile)
    assert itself.shortfall <= 0 and itself.keeps_quality


def test_tuned_settings_round_trip_and_config_checks():
    settings = TunedSettings(
        {POLICY: SamplingSetting(margin=0.1, power_levels=5, top_k=19)},
        {EXPERT: DualTimeSharingConfig(margin=0.25), dual_candidate(EXPERT): DualTimeSharingConfig()},
    )
    assert TunedSettings.from_json(settings.to_json()) == settings
    with pytest.raises(ValueError, match="networks_per_density must be an integer >= 1"):
        TuningConfig(networks_per_density=0)
    with pytest.raises(ValueError, match=r"dual_margins must be a non-empty list of margins in \[0, 10\)"):
        TuningConfig(dual_margins=(-0.1,))
