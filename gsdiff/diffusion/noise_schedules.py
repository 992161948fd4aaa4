"""Noise schedules: the forward process q(x_k | x_0) of eq. (3) of the extended paper ((5) of CAMSAP).

In the style of diffusers: a ``NoiseSchedule`` computed in float64 and stored in float32 with the papers'
symbols (``betas``, ``alphas``, ``alphas_cumprod``). The samplers that run it backwards are in
``gsdiff.diffusion.samplers``, the loss in ``gsdiff.diffusion.loss``.
"""

from __future__ import annotations

import copy
import math

import torch

from ..checks import check_choice, check_int_at_least
from ..config import NOISE_SCHEDULES

__all__ = ["linear_betas", "cosine_betas", "NoiseSchedule", "noise_schedule"]

_TABLES = ("betas", "alphas", "alphas_cumprod", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod")


def linear_betas(num_steps: int, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """beta_k evenly spaced from beta_start to beta_end (DDPM), float64 [K]."""
    check_int_at_least("num_steps", num_steps, 1)
    if not 0 < beta_start <= beta_end < 1:
        raise ValueError(f"need 0 < beta_start <= beta_end < 1, got {beta_start!r}, {beta_end!r}")
    return torch.linspace(beta_start, beta_end, num_steps, dtype=torch.float64)


def cosine_betas(num_steps: int, offset: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    """Cosine schedule (Nichol & Dhariwal): alphabar(t) = cos^2((t/K + s) / (1 + s) pi/2),
    beta_k = min(1 - alphabar((k+1)/K) / alphabar(k/K), max_beta); float64 [K]."""
    check_int_at_least("num_steps", num_steps, 1)
    t = torch.arange(num_steps + 1, dtype=torch.float64) / num_steps
    alphabar = torch.cos((t + offset) / (1 + offset) * math.pi / 2) ** 2
    return (1 - alphabar[1:] / alphabar[:-1]).clamp(max=max_beta)


class NoiseSchedule:
    """The forward process q(x_k | x_0) = N(sqrt(alphabar_k) x_0, (1 - alphabar_k) I), eq. (3).

    Args:
        betas: [K] noise variances per step (float64 preferred; products are taken in float64).
    """

    def __init__(self, betas: torch.Tensor) -> None:
        betas = betas.double()
        if betas.dim() != 1 or not bool(((betas > 0) & (betas < 1)).all()):
            raise ValueError("betas must be a 1-D tensor with every entry in (0, 1)")
        alphas = 1.0 - betas
        self.betas = betas.float()
        self.alphas = alphas.float()
        alphas_cumprod = torch.cumprod(alphas, 0)
        self.alphas_cumprod = alphas_cumprod.float()
        # 1 - alphabar near k = 0 loses digits in float32: keep both square roots from float64.
        self.sqrt_alphas_cumprod = alphas_cumprod.sqrt().float()
        self.sqrt_one_minus_alphas_cumprod = (1 - alphas_cumprod).sqrt().float()

    @classmethod
    def linear(cls, num_steps: int = 500, beta_start: float = 1e-4, beta_end: float = 0.02) -> NoiseSchedule:
        return cls(linear_betas(num_steps, beta_start, beta_end))

    @classmethod
    def cosine(cls, num_steps: int = 500) -> NoiseSchedule:
        return cls(cosine_betas(num_steps))

    def to(self, device: torch.device | str) -> NoiseSchedule:
        """This schedule with its tables on ``device`` (where the training loop's samples are)."""
        moved = copy.copy(self)
        for name in _TABLES:
            setattr(moved, name, getattr(self, name).to(device))
        return moved

    @property
    def num_train_steps(self) -> int:
        return len(self.betas)

    def _at(self, values: torch.Tensor, t: torch.Tensor | int, like: torch.Tensor) -> torch.Tensor:
        """values[t] shaped to broadcast against ``like`` ([B] steps against [B, ...] samples)."""
        out = values.to(like.device)[torch.as_tensor(t, device=like.device)].to(like.dtype)
        return out.reshape(out.shape + (1,) * (like.dim() - out.dim()))

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor | int) -> torch.Tensor:
        """x_k = sqrt(alphabar_k) x_0 + sqrt(1 - alphabar_k) eps, eq. (3); t is one step or one per sample."""
        signal = self._at(self.sqrt_alphas_cumprod, t, x0)
        return signal * x0 + self._at(self.sqrt_one_minus_alphas_cumprod, t, x0) * noise

    def snr(self, t: torch.Tensor | int) -> torch.Tensor:
        """Signal-to-noise ratio alphabar_k / (1 - alphabar_k)."""
        alphabar = self.alphas_cumprod[torch.as_tensor(t)].double()
        return (alphabar / (1 - alphabar)).float()


def noise_schedule(
    kind: str, num_steps: int, beta_start: float = 1e-4, beta_end: float = 0.02
) -> NoiseSchedule:
    """The ``kind`` ("linear" or "cosine") schedule of ``num_steps`` steps (``DiffusionConfig.schedule``)."""
    check_choice("schedule", kind, NOISE_SCHEDULES)
    if kind == "linear":
        return NoiseSchedule(linear_betas(num_steps, beta_start, beta_end))
    return NoiseSchedule(cosine_betas(num_steps))
