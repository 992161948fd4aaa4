"""The diffusion space of allocations: x / P_max - 1/2 in [-1/2, 1/2] (SETUP.md, "Diffusion")."""

from __future__ import annotations

import torch

from ..checks import check_positive

__all__ = ["to_diffusion_space", "from_diffusion_space"]


def to_diffusion_space(power_w: torch.Tensor, max_power_w: float) -> torch.Tensor:
    """x / P_max - 1/2: allocations in [0, P_max] to [-1/2, 1/2]."""
    check_positive("max_power_w", max_power_w)
    return power_w / max_power_w - 0.5


def from_diffusion_space(x: torch.Tensor, max_power_w: float) -> torch.Tensor:
    """(x + 1/2) P_max, projected onto [0, P_max] (samples may leave the box)."""
    check_positive("max_power_w", max_power_w)
    return ((x + 0.5) * max_power_w).clamp(0.0, max_power_w)
