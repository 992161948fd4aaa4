"""The diffusion training loss: eps-prediction (eq. (4) of the extended paper) with optional per-step
weights omega(k) (eq. (8) of CAMSAP)."""

from __future__ import annotations

import torch

from ..checks import check_choice
from ..config import LOSS_WEIGHTINGS
from .noise_schedules import NoiseSchedule

__all__ = ["loss_weights", "ddpm_loss"]


def loss_weights(schedule: NoiseSchedule, weighting: str) -> torch.Tensor | None:
    """Per-step weights omega(k) [K] of the loss (8) of CAMSAP, normalized to mean 1; None for "none".

    - "log_snr": CAMSAP's omega(k) = log SNR(k), made nonnegative as log(1 + SNR(k)) = -log(1 - alphabar_k):
      the literal log SNR is negative at the noisy steps, where it would reward a larger error. It follows
      log SNR where the signal dominates and fades to 0 where only noise is left.
    - "v": omega(k) = 1 / alphabar_k, which makes the eps loss equal the v-prediction loss
      ||v - v_theta||^2 = ||eps - eps_theta||^2 / alphabar_k (Salimans & Ho, 2022). It stresses the noisy
      steps, where an eps error e becomes an x0 error e sqrt((1 - alphabar_k) / alphabar_k) and where the
      first few DDIM steps decide which users transmit together.
    """
    check_choice("loss_weighting", weighting, LOSS_WEIGHTINGS)
    if weighting == "none":
        return None
    if weighting == "log_snr":
        # -log(1 - alphabar) from the float64-derived sqrt(1 - alphabar), precise near k = 0
        weights = -2 * torch.log(schedule.sqrt_one_minus_alphas_cumprod.double())
    else:
        weights = 1 / schedule.sqrt_alphas_cumprod.double() ** 2
    return (weights / weights.mean()).float()


def ddpm_loss(
    eps_pred: torch.Tensor, eps: torch.Tensor, t: torch.Tensor, weights: torch.Tensor | None = None
) -> torch.Tensor:
    """The eps-prediction loss of eq. (4), E ||eps - eps_theta||^2 per sample, optionally weighted by
    ``weights[t]`` (one weight per diffusion step, e.g. a function of the log-SNR)."""
    per_sample = (eps_pred - eps).square().flatten(1).mean(1)  # [B]
    if weights is not None:
        per_sample = per_sample * weights.to(per_sample)[t]
    return per_sample.mean()
