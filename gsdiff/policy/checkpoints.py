"""What a policy checkpoint holds, and how it survives new settings.

A checkpoint records what **defines the weights**: the denoiser, the diffusion process (noise schedule and
loss), the channel graph's features and ``radio`` (the power mapping of the diffusion space and the SNR
features); beside them, the policy's sampling setting (``SamplingSetting``: sampler, steps, eta, initial
noise, margin, power levels), which changes no weight and so is never checked. Loading compares only the
defining configs with what the caller expects, and fills every field a checkpoint lacks with its default,
so that a field added to a config later (with a default that keeps today's behaviour) or an inference
default changed in a profile never makes a shipped checkpoint refuse to load. Fields that moved or were
renamed are migrated (``MOVED``): format 2 kept the sampler in ``DiffusionConfig``, format 1 called the
initial noise ``noise``.

Layout (format 3), a dict for ``torch.save`` that ``torch.load(..., weights_only=True)`` reads::

    {"format": 3, "config": {"denoiser": ..., "diffusion": ..., "radio": ..., "graph": ...},
     "sampling": {...}, "training_pairs": N, "state_dict": ..., **extra}   # extra: history, profile, ...

``training_pairs`` (the network size the weights were trained on; it sets the default graph degree on
larger networks) came after format 3's first files: one without it takes its training profile's size.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, fields
from pathlib import Path

import torch

from ..cache import content_key
from ..config import PROFILES, DenoiserConfig, DiffusionConfig, GraphConfig, RadioConfig, SamplingSetting

__all__ = [
    "FORMAT",
    "DEFINING_CONFIGS",
    "MOVED",
    "migrate",
    "read_configs",
    "read_sampling",
    "read_training_pairs",
    "config_differences",
    "read_checkpoint",
    "weights_fingerprint",
]

FORMAT = 3  # 3: the sampling setting beside the defining configs; 2: sampler in DiffusionConfig
DEFINING_CONFIGS = {  # section -> the config class of what defines a policy's weights
    "denoiser": DenoiserConfig,
    "diffusion": DiffusionConfig,
    "radio": RadioConfig,
    "graph": GraphConfig,
}
MOVED = {  # (section, field) of an older format -> (section, field) now; "sampling" is the sampling setting
    ("diffusion", "sampler"): ("sampling", "sampler"),
    ("diffusion", "sample_steps"): ("sampling", "steps"),
    ("diffusion", "eta"): ("sampling", "eta"),
    ("diffusion", "initial_noise"): ("sampling", "initial_noise"),
    ("diffusion", "noise"): ("sampling", "initial_noise"),
}


def migrate(payload: dict, what: str) -> dict:
    """``payload`` (as stored, any format up to ``FORMAT``) in the current layout: moved fields in their
    new place, the sampling setting as its own section."""
    version = payload.get("format")
    if not isinstance(version, int) or not 1 <= version <= FORMAT:
        raise ValueError(f"{what} has format {version!r}; this gsdiff reads formats 1 to {FORMAT}")
    config = {section: dict(values) for section, values in payload["config"].items()}
    sampling = dict(payload.get("sampling", {}))
    for (section, name), (new_section, new_name) in MOVED.items():
        if name in config.get(section, {}):
            value = config[section].pop(name)
            target = sampling if new_section == "sampling" else config.setdefault(new_section, {})
            target.setdefault(new_name, value)
    return payload | {"format": FORMAT, "config": config, "sampling": sampling}


def _filled(cls, stored: dict, what: str):
    """A config of class ``cls`` from stored fields, absent ones at their defaults; unknown ones refused."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(stored) - known)
    if unknown:
        raise ValueError(
            f"{what} has {cls.__name__} fields this gsdiff does not know ({', '.join(unknown)}): it was "
            "written by a newer gsdiff"
        )
    value = {k: tuple(v) if isinstance(v, list) else v for k, v in stored.items()}
    return cls(**value)


def read_configs(payload: dict, what: str) -> dict:
    """The defining configs of a migrated payload (section -> config), absent fields at their defaults."""
    stored = payload["config"]
    missing = sorted(set(DEFINING_CONFIGS) - set(stored))
    if missing:
        raise ValueError(f"{what} lacks the config sections {', '.join(missing)}")
    return {name: _filled(cls, stored[name], what) for name, cls in DEFINING_CONFIGS.items()}


def read_sampling(payload: dict, what: str) -> SamplingSetting:
    """The sampling setting of a migrated payload, absent fields at their defaults."""
    return _filled(SamplingSetting, payload.get("sampling", {}), what)


def read_training_pairs(payload: dict) -> int | None:
    """The training size N of a migrated payload: stored, or that of the profile it names (None if
    neither)."""
    stored = payload.get("training_pairs")
    if stored is not None:
        return int(stored)
    profile = PROFILES.get(payload.get("profile"))
    return None if profile is None else profile.num_pairs


def config_differences(stored: dict, expected: dict) -> list[str]:
    """ "section.field: stored vs expected" for every defining field where two sets of configs differ."""
    return sorted(
        f"{section}.{key}: {value!r} vs expected {asdict(expected[section])[key]!r}"
        for section, config in stored.items()
        for key, value in asdict(config).items()
        if asdict(expected[section])[key] != value
    )


def read_checkpoint(path: str | Path) -> dict:
    """A checkpoint file's payload in the current layout (read with ``weights_only=True``, on the CPU)."""
    payload = torch.load(path, weights_only=True, map_location="cpu")
    if not isinstance(payload, dict) or "config" not in payload or "state_dict" not in payload:
        raise ValueError(f"checkpoint {str(path)!r} is not a gsdiff policy checkpoint")
    return migrate(payload, f"checkpoint {str(path)!r}")


def weights_fingerprint(configs: dict, sampling: SamplingSetting, state_dict: dict) -> str:
    """16 hex digits naming a policy: its defining configs, its sampling setting and its weights."""
    weights = hashlib.sha256()
    for name, tensor in sorted(state_dict.items()):
        weights.update(name.encode())
        weights.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    spec = {
        "configs": {name: asdict(c) for name, c in configs.items()},
        "sampling": asdict(sampling),
        "weights": weights.hexdigest(),
    }
    return content_key(spec)
