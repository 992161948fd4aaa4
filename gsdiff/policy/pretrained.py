"""Checkpoints shipped with gsdiff: the book profile's diffusion policies, trained by ``gsdiff train``.

They live in ``gsdiff/checkpoints/`` (package data, so an installed gsdiff has them too) as
``<profile>-<kind>.pt``; each holds its defining configs, its sampling setting and its training history.
Reproduce one with

    python -m gsdiff train --profile book --kind ugnn --out gsdiff/checkpoints/book-ugnn.pt

A checkpoint loads as long as what defines its weights matches the profile (``gsdiff.policy.checkpoints``):
a profile's sampling defaults and fields added to the configs later never stop it.
"""

from __future__ import annotations

from dataclasses import replace
from importlib.resources import files
from pathlib import Path

from ..config import Profile
from .diffusion_policy import DiffusionPolicy

__all__ = ["checkpoint_path", "with_kind", "load_pretrained"]


def checkpoint_path(profile_name: str, kind: str) -> Path:
    """Where the shipped checkpoint of a profile and denoiser kind ("ugnn" or "gnn") lives."""
    return Path(str(files("gsdiff") / "checkpoints" / f"{profile_name}-{kind}.pt"))


def with_kind(profile: Profile, kind: str | None) -> Profile:
    """The profile with another denoiser kind ("ugnn" or "gnn"); None keeps the profile's."""
    return profile if kind is None else replace(profile, denoiser=replace(profile.denoiser, kind=kind))


def load_pretrained(profile: Profile, kind: str | None = None) -> DiffusionPolicy | None:
    """The shipped policy of this profile and kind (default the profile's), checked against the profile's
    defining configs, with the sampling setting stored in it; None if none ships."""
    expected = DiffusionPolicy.from_profile(with_kind(profile, kind))
    path = checkpoint_path(profile.name, expected.configs["denoiser"].kind)
    if not path.exists():
        return None
    return DiffusionPolicy.load(path, expected=expected)
