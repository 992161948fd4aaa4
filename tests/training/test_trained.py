"""A profile's policy shipped or trained here: trained once per configuration, cached by content, with the
splits training needs built on the way."""

from dataclasses import replace

import torch

from gsdiff.data import load_or_build_dataset
from gsdiff.policy import with_kind
from gsdiff.training import policy_for, training_key


def test_policy_for_trains_once_per_config(profile, tmp_path, monkeypatch):
    monkeypatch.setenv("GSDIFF_CACHE", str(tmp_path))
    dataset = load_or_build_dataset(profile, progress=False)
    first, source = policy_for(dataset, profile, "gnn")
    key = training_key(dataset, with_kind(profile, "gnn"))
    assert "trained" in source and str(tmp_path / f"policy-{key}") in source
    assert not first.training and first.checkpoint_info["history"]["step"] == [4, 8, 12]
    again, _ = policy_for(dataset, profile, "gnn")  # the finished run is reloaded, not retrained
    for a, b in zip(first.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    wider = replace(profile, denoiser=replace(profile.denoiser, hidden=16))
    assert training_key(dataset, wider) != training_key(dataset, profile)


def test_policy_for_builds_the_splits_training_needs(profile, tmp_path, monkeypatch):
    monkeypatch.setenv("GSDIFF_CACHE", str(tmp_path))
    partial = load_or_build_dataset(profile, progress=False, splits=("test",))
    trained, source = policy_for(partial, profile, "gnn")  # no shipped ci checkpoint: trains
    full = load_or_build_dataset(profile, progress=False)
    again, _ = policy_for(full, profile, "gnn")  # the same training run, reloaded
    assert "trained" in source and len(list(tmp_path.glob("expert-*/cell-*-train.pt"))) == 2 * 2
    for a, b in zip(trained.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)
