"""Checkpoints shipped with gsdiff: the book profile's diffusion policies, trained by ``gsdiff train``.

They live in ``gsdiff/checkpoints/`` (package data, so an installed gsdiff has them too) as
``<profile>-<kind>.pt``; each holds its defining configs, its sampling setting (chosen on validation) and
its training history. Reproduce one with

    python -m gsdiff train --profile book --kind ugnn --out gsdiff/checkpoints/book-ugnn.pt

which starts from the weights of ``book-ugnn-n20.pt`` (the first stage, also shipped:
``TrainConfig.init_from`` and ``gsdiff.config.BOOK_BASE_SETTINGS``; ``initial_policy`` resolves the name).

A distilled student of a shipped policy (``gsdiff distill``, progressive distillation: one DDIM step where
its teacher takes two, the margin then chosen on validation to keep the shipped policy's quality) ships
beside it as ``<profile>-<kind>-distilled.pt`` where it keeps that quality, p5 and mean ratios within 0.02
at N = 20 and 400 (``load_distilled``; ``benchmarks/amortization.py``). ``book-ugnn-distilled.pt`` takes 2
DDIM steps (8 -> 4 -> 2, 600 steps of distillation each, about 3 minutes each on 2 threads) and
``book-gnn-distilled.pt`` 4 (8 -> 4, under 2 minutes):

    python -m gsdiff distill --profile book --teacher gsdiff/checkpoints/book-ugnn.pt --student-steps 4 \
        --num-steps 600 --out ugnn-4.pt
    python -m gsdiff distill --profile book --teacher ugnn-4.pt --reference gsdiff/checkpoints/book-ugnn.pt \
        --student-steps 2 --num-steps 600 --out gsdiff/checkpoints/book-ugnn-distilled.pt
    python -m gsdiff distill --profile book --kind gnn --teacher gsdiff/checkpoints/book-gnn.pt \
        --student-steps 4 --num-steps 600 --out gsdiff/checkpoints/book-gnn-distilled.pt

A checkpoint loads as long as what defines its weights matches the profile (``gsdiff.policy.checkpoints``):
a profile's sampling defaults and fields added to the configs later never stop it.
"""

from __future__ import annotations

from dataclasses import replace
from importlib.resources import files
from pathlib import Path

from ..config import Profile
from .checkpoints import config_differences
from .diffusion_policy import DiffusionPolicy

__all__ = [
    "checkpoint_path",
    "shipped_checkpoint",
    "with_kind",
    "load_pretrained",
    "load_distilled",
    "initial_policy",
]


def shipped_checkpoint(name: str) -> Path:
    """Where the shipped checkpoint ``<name>.pt`` lives (whether or not it exists)."""
    return Path(str(files("gsdiff") / "checkpoints" / f"{name}.pt"))


def checkpoint_path(profile_name: str, kind: str) -> Path:
    """Where the shipped checkpoint of a profile and denoiser kind ("ugnn" or "gnn") lives."""
    return shipped_checkpoint(f"{profile_name}-{kind}")


def with_kind(profile: Profile, kind: str | None) -> Profile:
    """The profile with another denoiser kind ("ugnn" or "gnn"); None keeps the profile's."""
    return profile if kind is None else replace(profile, denoiser=replace(profile.denoiser, kind=kind))


def _load_shipped(profile: Profile, kind: str | None, suffix: str) -> DiffusionPolicy | None:
    """The shipped ``<profile>-<kind><suffix>.pt`` checked against the profile's defining configs; None if
    it does not ship."""
    expected = DiffusionPolicy.from_profile(with_kind(profile, kind))
    path = shipped_checkpoint(f"{profile.name}-{expected.configs['denoiser'].kind}{suffix}")
    return DiffusionPolicy.load(path, expected=expected) if path.exists() else None


def load_pretrained(profile: Profile, kind: str | None = None) -> DiffusionPolicy | None:
    """The shipped policy of this profile and kind (default the profile's), checked against the profile's
    defining configs, with the sampling setting stored in it; None if none ships."""
    return _load_shipped(profile, kind, "")


def load_distilled(profile: Profile, kind: str | None = None) -> DiffusionPolicy | None:
    """The shipped distilled student of this profile's policy of ``kind`` (``<profile>-<kind>-distilled.pt``,
    sampling with its stored few steps), checked as ``load_pretrained`` checks; None if none ships."""
    return _load_shipped(profile, kind, "-distilled")


def initial_policy(profile: Profile) -> DiffusionPolicy | None:
    """The policy whose weights start a training run of ``profile`` (``TrainConfig.init_from``): None for
    random weights; else the checkpoint at that path, or shipped under that name ("{kind}" replaced by the
    profile's denoiser kind). Its denoiser and diffusion configs must be the profile's (the weights mean the
    same); its graph and radio may differ: fine-tuning on other graphs is what starting from it is for."""
    name = profile.train.init_from
    if name is None:
        return None
    name = name.replace("{kind}", profile.denoiser.kind)
    path = Path(name) if name.endswith(".pt") or "/" in name else shipped_checkpoint(name)
    if not path.exists():
        raise ValueError(f"train.init_from names {name!r}, but {str(path)!r} does not exist")
    start = DiffusionPolicy.load(path)
    expected = DiffusionPolicy.from_profile(profile).configs
    sections = ("denoiser", "diffusion")  # what gives the weights their meaning
    stored, wanted = ({s: configs[s] for s in sections} for configs in (start.configs, expected))
    differing = config_differences(stored, wanted)
    if differing:
        what = f"train.init_from checkpoint {str(path)!r}"
        raise ValueError(f"{what} has another config: {'; '.join(differing)}")
    return start
