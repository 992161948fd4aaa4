"""Explicit randomness: every function that draws takes a ``torch.Generator`` (or a seed)."""

from __future__ import annotations

import torch

__all__ = ["make_generator"]


def make_generator(
    generator: torch.Generator | None = None, seed: int | None = None, device: torch.device | str = "cpu"
) -> torch.Generator:
    """The given generator, or a new one on ``device`` seeded with ``seed`` (0 when both are None)."""
    if generator is not None:
        if seed is not None:
            raise ValueError("pass either generator or seed, not both")
        return generator
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    return torch.Generator(device=device).manual_seed(0 if seed is None else seed)
