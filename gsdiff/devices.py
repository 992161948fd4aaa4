"""Where tensors live: one checked ``device`` argument for every entry point that allocates.

The library is device-agnostic by construction: every function makes its tensors on the device of its inputs
(``gains.device``) or on the ``device`` it is given, generators included, so that a caller moves the data once
and nothing crosses between host and accelerator inside a loop. ``resolve_device`` turns what a user typed
("cpu", "cuda", "cuda:1", a ``torch.device``) into a ``torch.device`` and refuses, with the reason, a device
this machine does not have: a CUDA request on a machine without CUDA is an error, never a silent CPU run.
"""

from __future__ import annotations

import torch

__all__ = ["DEVICE_TYPES", "resolve_device"]

DEVICE_TYPES = ("cpu", "cuda")  # the device types gsdiff is tested on


def resolve_device(device: torch.device | str | None = None) -> torch.device:
    """``device`` as a ``torch.device`` (None: the CPU), checked against the devices this machine has."""
    if device is None:
        return torch.device("cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device must be one of {', '.join(DEVICE_TYPES)} (cuda:INDEX for one GPU), got {device!r}"
        ) from None
    if resolved.type not in DEVICE_TYPES:
        raise ValueError(
            f"device must be one of {', '.join(DEVICE_TYPES)} (cuda:INDEX for one GPU), got {device!r}"
        )
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device {device!r} asks for CUDA, but this machine has no CUDA device")
        count = torch.cuda.device_count()
        if resolved.index is not None and resolved.index >= count:
            raise ValueError(f"device {device!r}: this machine has {count} CUDA device(s), 0 to {count - 1}")
    return resolved
