"""Checkpoints shipped with gsdiff: the book profile's diffusion policies, trained by ``gsdiff train``.

They live in ``gsdiff/checkpoints/`` (package data, so an installed gsdiff has them too) as
``<profile>-<kind>.pt``; each holds its configs and training history. Reproduce one with

    python -m gsdiff train --profile book --out gsdiff/checkpoints/book-ugnn.pt
"""

from __future__ import annotations

from dataclasses import replace
from importlib.resources import files
from pathlib import Path

from .config import Profile
from .policy import DiffusionPolicy

__all__ = ["checkpoint_path", "load_pretrained", "profile_policy"]


def checkpoint_path(profile_name: str, kind: str) -> Path:
    """Where the shipped checkpoint of a profile and denoiser kind ("ugnn" or "gnn") lives."""
    return Path(str(files("gsdiff") / "checkpoints" / f"{profile_name}-{kind}.pt"))


def profile_policy(profile: Profile, kind: str | None = None) -> DiffusionPolicy:
    """An untrained policy with the profile's configs (and optionally another denoiser kind)."""
    denoiser = profile.denoiser if kind is None else replace(profile.denoiser, kind=kind)
    return DiffusionPolicy(denoiser, profile.diffusion, profile.radio, profile.graph)


def load_pretrained(profile: Profile, kind: str | None = None) -> DiffusionPolicy | None:
    """The shipped policy of this profile and kind, checked against the profile's configs; None if none."""
    expected = profile_policy(profile, kind)
    path = checkpoint_path(profile.name, expected.configs["denoiser"].kind)
    if not path.exists():
        return None
    return DiffusionPolicy.load(path, expected=expected)
