"""Input validation shared by the library and the command line.

Every check raises ``ValueError`` naming the parameter, the value it got and what is allowed, so a bad
input never gets silently clipped or broadcast.
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "check_choice",
    "check_positive",
    "check_int_at_least",
    "check_f_min",
    "check_gains",
    "check_allocations",
    "check_networks",
    "per_network_f_min",
]


def check_choice(name: str, value: object, allowed: tuple) -> None:
    """One of the allowed values (each list of them lives in ``gsdiff.config.choices``)."""
    if isinstance(value, bool) or value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def check_positive(name: str, value: float) -> None:
    """A finite number > 0."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def check_int_at_least(name: str, value: int, minimum: int) -> None:
    """An integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def check_f_min(f_min: float | torch.Tensor) -> None:
    """Minimum-rate requirement(s) in bits/s/Hz: finite and >= 0."""
    values = torch.as_tensor(f_min, dtype=torch.float64)
    if not bool(torch.isfinite(values).all()) or bool((values < 0).any()):
        shown = f_min if values.numel() == 1 else f"array with min {values.min().item():.4g}"
        raise ValueError(f"f_min must be finite and >= 0 bits/s/Hz, got {shown}")


def check_gains(gains: torch.Tensor, name: str = "gains") -> None:
    """Large-scale gains: a float tensor [..., N, N] with N >= 2, finite and >= 0."""
    if not isinstance(gains, torch.Tensor) or not gains.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor [..., N, N], got {type(gains).__name__}")
    if gains.dim() < 2 or gains.shape[-1] != gains.shape[-2] or gains.shape[-1] < 2:
        raise ValueError(f"{name} must have shape [..., N, N] with N >= 2, got {tuple(gains.shape)}")
    if gains.numel() == 0:
        raise ValueError(f"{name} must hold at least one network, got shape {tuple(gains.shape)}")
    if not bool(torch.isfinite(gains).all()):
        raise ValueError(f"{name} must be finite, got {int((~torch.isfinite(gains)).sum())} NaN/inf entries")
    if bool((gains < 0).any()):
        raise ValueError(f"{name} must be >= 0 (powers in W), got minimum {gains.min().item():.3g}")


def check_allocations(
    power_w: torch.Tensor, num_pairs: int, max_power_w: float, name: str = "power_w"
) -> None:
    """Transmit powers in W: last dimension N, finite, within [0, max_power_w] (float tolerance 1e-6)."""
    if not isinstance(power_w, torch.Tensor) or not power_w.is_floating_point():
        raise ValueError(f"{name} must be a floating-point tensor [..., N], got {type(power_w).__name__}")
    if power_w.dim() < 1 or power_w.shape[-1] != num_pairs:
        raise ValueError(
            f"{name} must have last dimension N = {num_pairs} (the networks' pairs), got shape "
            f"{tuple(power_w.shape)}"
        )
    if power_w.numel() == 0:
        raise ValueError(f"{name} must hold at least one allocation, got shape {tuple(power_w.shape)}")
    if not bool(torch.isfinite(power_w).all()):
        raise ValueError(f"{name} must be finite, got NaN/inf entries")
    low, high = power_w.min().item(), power_w.max().item()
    if low < 0 or high > max_power_w * (1 + 1e-6):
        raise ValueError(
            f"{name} must lie in [0, P_max = {max_power_w:.4g} W], got values in [{low:.4g}, {high:.4g}] W"
        )


def check_networks(gains: torch.Tensor) -> None:
    """Gains of a batch of networks: [B, N, N], see ``check_gains``."""
    check_gains(gains)
    if gains.dim() != 3:
        raise ValueError(f"gains must have shape [B, N, N], got {tuple(gains.shape)}")


def per_network_f_min(f_min: float | torch.Tensor, gains: torch.Tensor) -> torch.Tensor:
    """f_min as one value per network [B], from a scalar or [B], in the gains' dtype and device."""
    check_f_min(f_min)
    b = gains.shape[0]
    f = torch.as_tensor(f_min, dtype=gains.dtype, device=gains.device).reshape(-1)
    if f.numel() not in (1, b):
        raise ValueError(
            f"f_min must be a scalar or have one value per network (B = {b}), got {f.numel()} values"
        )
    return f.expand(b)
