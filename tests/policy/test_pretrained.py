"""The shipped checkpoints load with weights_only=True and match the current book profile's configs."""

import pytest
import torch

from gsdiff.config import get_profile
from gsdiff.policy.pretrained import checkpoint_path, load_pretrained


@pytest.mark.parametrize("kind", ["ugnn", "gnn"])
def test_shipped_book_checkpoint_matches_the_book_profile(kind):
    path = checkpoint_path("book", kind)
    assert path.exists(), (
        f"missing {path}: train it with `python -m gsdiff train --profile book --out {path}`"
    )
    payload = torch.load(path, weights_only=True)
    assert {"history", "best_step", "state_dict", "config"} <= set(payload)
    policy = load_pretrained(get_profile("book"), kind)  # raises if the book config changed since training
    assert policy is not None and policy.configs["denoiser"].kind == kind
    gains = torch.rand(2, 6, 6) * 1e-9 + torch.eye(6) * 1e-7
    out = policy.sample(gains, 0.6, 3, steps=2, generator=torch.Generator().manual_seed(0))
    assert out.shape == (2, 3, 6)


def test_no_checkpoint_for_the_ci_profile():
    assert load_pretrained(get_profile("ci")) is None


def test_policy_for_trains_once_per_config(profile, tmp_path, monkeypatch):
    from dataclasses import replace

    from gsdiff.policy.datasets import load_or_build_dataset
    from gsdiff.policy.pretrained import policy_for, training_key, with_kind

    monkeypatch.setenv("GSDIFF_CACHE", str(tmp_path))
    dataset = load_or_build_dataset(profile, progress=False)
    first, source = policy_for(profile, dataset, "gnn")
    key = training_key(with_kind(profile, "gnn"), dataset)
    assert "trained" in source and str(tmp_path / f"policy-{key}") in source
    assert not first.training and first.checkpoint_info["history"]["step"] == [4, 8, 12]
    again, _ = policy_for(profile, dataset, "gnn")  # the finished run is reloaded, not retrained
    for a, b in zip(first.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    wider = replace(profile, denoiser=replace(profile.denoiser, hidden=16))
    assert training_key(wider, dataset) != training_key(profile, dataset)


def test_policy_for_builds_the_splits_training_needs(profile, tmp_path, monkeypatch):
    from gsdiff.policy.datasets import load_or_build_dataset
    from gsdiff.policy.pretrained import policy_for

    monkeypatch.setenv("GSDIFF_CACHE", str(tmp_path))
    partial = load_or_build_dataset(profile, progress=False, splits=("test",))
    trained, source = policy_for(profile, partial, "gnn")  # no shipped ci checkpoint: trains
    full = load_or_build_dataset(profile, progress=False)
    again, _ = policy_for(profile, full, "gnn")  # the same training run, reloaded
    assert "trained" in source and len(list(tmp_path.glob("expert-*/cell-*-train.pt"))) == 2 * 2
    for a, b in zip(trained.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)
