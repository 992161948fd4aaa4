"""Checkpoints shipped with gsdiff: the book profile's diffusion policies, trained by ``gsdiff train``.

They live in ``gsdiff/checkpoints/`` (package data, so an installed gsdiff has them too) as
``<profile>-<kind>.pt``; each holds its configs and training history. Reproduce one with

    python -m gsdiff train --profile book --out gsdiff/checkpoints/book-ugnn.pt
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, replace
from importlib.resources import files
from pathlib import Path

from ..config import Profile
from .datasets import ExpertDataset, default_cache_dir, load_or_build_dataset
from .diffusion_policy import DiffusionPolicy
from .train import train_policy

__all__ = ["checkpoint_path", "with_kind", "profile_policy", "load_pretrained", "training_key", "policy_for"]


def checkpoint_path(profile_name: str, kind: str) -> Path:
    """Where the shipped checkpoint of a profile and denoiser kind ("ugnn" or "gnn") lives."""
    return Path(str(files("gsdiff") / "checkpoints" / f"{profile_name}-{kind}.pt"))


def with_kind(profile: Profile, kind: str | None) -> Profile:
    """The profile with another denoiser kind ("ugnn" or "gnn"); None keeps the profile's."""
    return profile if kind is None else replace(profile, denoiser=replace(profile.denoiser, kind=kind))


def profile_policy(profile: Profile, kind: str | None = None) -> DiffusionPolicy:
    """An untrained policy with the profile's configs (and optionally another denoiser kind)."""
    p = with_kind(profile, kind)
    return DiffusionPolicy(p.denoiser, p.diffusion, p.radio, p.graph)


def load_pretrained(profile: Profile, kind: str | None = None) -> DiffusionPolicy | None:
    """The shipped policy of this profile and kind, checked against the profile's configs; None if none."""
    expected = profile_policy(profile, kind)
    path = checkpoint_path(profile.name, expected.configs["denoiser"].kind)
    if not path.exists():
        return None
    return DiffusionPolicy.load(path, expected=expected)


def training_key(profile: Profile, dataset: ExpertDataset) -> str:
    """Hash of what a training run depends on: the dataset, the policy's configs, TrainConfig and seed."""
    spec = {
        "dataset": dataset.key,
        "policy": profile_policy(profile).config_dict(),
        "train": asdict(profile.train),
        "seed": profile.seed,
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def policy_for(
    profile: Profile, dataset: ExpertDataset, kind: str | None = None, retrain: bool = False
) -> tuple[DiffusionPolicy, str]:
    """The shipped policy of this profile and kind or, if none ships (or ``retrain``), one trained here.

    Training resumes from (and a finished run reloads) the cache folder ``policy-<training_key>``, so
    chapters that share a policy train it once, and any change of data or config trains afresh. Returns the
    policy in eval mode, with its ``checkpoint_info`` (history, best_step), and a sentence saying where it
    came from.
    """
    policy = None if retrain else load_pretrained(profile, kind)
    if policy is not None:
        path = checkpoint_path(profile.name, policy.configs["denoiser"].kind)
        source = f"the shipped checkpoint `{path.name}`"
    else:
        kind_profile = with_kind(profile, kind)
        try:  # training needs both splits at every level; build what is missing
            dataset.require("train")
            dataset.require("validation")
        except ValueError:
            dataset = load_or_build_dataset(profile, dataset.cache_dir or None, progress=False)
        work = default_cache_dir() / f"policy-{training_key(kind_profile, dataset)}"
        result = train_policy(kind_profile, dataset, work, progress=False)
        policy = result.policy
        policy.checkpoint_info = {"history": result.history, "best_step": result.best_step}
        source = (
            f"trained by `train_policy` for this profile ({result.seconds:.0f} s of training, "
            f"cached in `{work}`)"
        )
    policy.eval()
    return policy, source
