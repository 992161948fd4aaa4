"""Unit helpers: decibels, dBm and watts."""

from __future__ import annotations

import math

import torch

__all__ = ["db_to_linear", "linear_to_db", "dbm_to_w", "w_to_dbm"]


def db_to_linear(value_db: float | torch.Tensor) -> float | torch.Tensor:
    """10^(value_db / 10): a power ratio in dB to a linear ratio."""
    if isinstance(value_db, torch.Tensor):
        return torch.pow(10.0, value_db / 10.0)
    return 10.0 ** (value_db / 10.0)


def linear_to_db(value: float | torch.Tensor) -> float | torch.Tensor:
    """10 log10(value): a linear power ratio in dB."""
    if isinstance(value, torch.Tensor):
        return 10.0 * torch.log10(value)
    return 10.0 * math.log10(value)


def dbm_to_w(power_dbm: float | torch.Tensor) -> float | torch.Tensor:
    """Power in dBm to watts: 10^((P_dBm - 30) / 10)."""
    return db_to_linear(power_dbm - 30.0)


def w_to_dbm(power_w: float | torch.Tensor) -> float | torch.Tensor:
    """Power in watts to dBm: 10 log10(P_W) + 30."""
    return linear_to_db(power_w) + 30.0
