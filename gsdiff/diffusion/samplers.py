"""DDPM and DDIM samplers of the reverse process (eq. (5) of the extended paper, (6)-(7) of CAMSAP), and the
one reverse loop every caller runs.

In the diffusers protocol: ``set_timesteps(n)`` picks n of the K training steps, and every sampler has the
same ``step(eps, t, x, *, generator) -> (x_prev, x0_pred)``; what differs between samplers (DDIM's eta) is
fixed when the sampler is made. Allocations live in the diffusion space x / P_max - 1/2, so the predicted
clean sample is clipped to [-1/2, 1/2].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import NamedTuple

import torch

from ..checks import check_choice
from ..config import SAMPLER_KINDS
from .noise_schedules import NoiseSchedule

__all__ = [
    "Sampler",
    "DDPMSampler",
    "DDIMSampler",
    "make_sampler",
    "ReversePath",
    "reverse_process",
    "reverse_path",
]


class Sampler:
    """Shared parts of the samplers: a schedule, the inference timesteps and the x0 prediction."""

    def __init__(self, schedule: NoiseSchedule, clip_range: float | None = 0.5) -> None:
        self.schedule = schedule
        # alphabar_k as Python floats, read once: the step coefficients are scalars on the host whichever
        # device the schedule and the samples are on, so stepping never waits for a device-to-host copy.
        self._alphas_cumprod = schedule.alphas_cumprod.tolist()
        self.clip_range = clip_range
        self.set_timesteps(schedule.num_train_steps)

    def set_timesteps(self, num_inference_steps: int) -> None:
        """Use n of the K training steps, evenly spaced from 0 ("leading"): t = (n-1) K//n, ..., K//n, 0."""
        k = self.schedule.num_train_steps
        if isinstance(num_inference_steps, bool) or not 1 <= num_inference_steps <= k:
            raise ValueError(
                f"num_inference_steps must be an integer in [1, {k}], got {num_inference_steps!r}"
            )
        self.num_inference_steps = num_inference_steps
        self.step_ratio = k // num_inference_steps
        self.timesteps = torch.arange(num_inference_steps - 1, -1, -1) * self.step_ratio

    def alphabars(self, t: int) -> tuple[float, float]:
        """alphabar at t and at the previous inference step (1 before the first step)."""
        prev = t - self.step_ratio
        alphabar = self._alphas_cumprod
        return alphabar[t], alphabar[prev] if prev >= 0 else 1.0

    def predict_x0(self, eps: torch.Tensor, t: int, x: torch.Tensor) -> torch.Tensor:
        """x0 = (x_t - sqrt(1 - alphabar_t) eps) / sqrt(alphabar_t), clipped to the diffusion space."""
        alphabar, _ = self.alphabars(t)
        x0 = (x - math.sqrt(1 - alphabar) * eps) / math.sqrt(alphabar)
        return x0 if self.clip_range is None else x0.clamp(-self.clip_range, self.clip_range)

    def step(
        self, eps: torch.Tensor, t: int, x: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One reverse step from t to the previous inference step; returns (x_prev, x0_pred)."""
        raise NotImplementedError


class DDPMSampler(Sampler):
    """Ancestral sampling of DDPM: x_{t'} ~ q(x_{t'} | x_t, x0_pred), with the posterior variance."""

    def step(
        self, eps: torch.Tensor, t: int, x: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        alphabar, alphabar_prev = self.alphabars(t)
        beta = 1 - alphabar / alphabar_prev  # the step's effective beta (beta_t when n = K)
        x0 = self.predict_x0(eps, t, x)
        # Posterior mean of q(x_{t'} | x_t, x_0) (Ho et al., eq. (7)).
        mean = (math.sqrt(alphabar_prev) * beta / (1 - alphabar)) * x0 + (
            math.sqrt(1 - beta) * (1 - alphabar_prev) / (1 - alphabar)
        ) * x
        if t == 0:
            return mean, x0
        variance = max((1 - alphabar_prev) / (1 - alphabar) * beta, 1e-20)
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return mean + math.sqrt(variance) * noise, x0


class DDIMSampler(Sampler):
    """DDIM (Song et al.), eq. (5): deterministic for eta = 0, DDPM-like noise for eta = 1.

    Args:
        schedule: the noise schedule.
        eta: stochasticity of each step, finite and >= 0.
        clip_range: the predicted x0 is clipped to [-clip_range, clip_range] (None: not clipped).
    """

    def __init__(self, schedule: NoiseSchedule, eta: float = 0.0, clip_range: float | None = 0.5) -> None:
        if isinstance(eta, bool) or not (isinstance(eta, (int, float)) and math.isfinite(eta) and eta >= 0):
            raise ValueError(f"eta must be a finite number >= 0, got {eta!r}")
        super().__init__(schedule, clip_range)
        self.eta = float(eta)

    def step(
        self, eps: torch.Tensor, t: int, x: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One reverse step; the noise direction uses the eps implied by the clipped x0, so that the step
        stays consistent with the prediction it moves towards."""
        alphabar, alphabar_prev = self.alphabars(t)
        x0 = self.predict_x0(eps, t, x)
        eps = (x - math.sqrt(alphabar) * x0) / math.sqrt(1 - alphabar)
        sigma = self.eta * math.sqrt((1 - alphabar_prev) / (1 - alphabar) * (1 - alphabar / alphabar_prev))
        prev = math.sqrt(alphabar_prev) * x0 + math.sqrt(max(1 - alphabar_prev - sigma**2, 0.0)) * eps
        if self.eta > 0:
            prev = prev + sigma * torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return prev, x0


def make_sampler(kind: str, schedule: NoiseSchedule, eta: float | None = None) -> Sampler:
    """The ``kind`` sampler ("ddim" or "ddpm") of ``schedule``; ``eta`` is DDIM's (default 0) and must be
    left out for DDPM, whose step noise is fixed by the posterior."""
    check_choice("sampler", kind, SAMPLER_KINDS)
    if kind == "ddim":
        return DDIMSampler(schedule, 0.0 if eta is None else eta)
    if eta is not None:
        raise ValueError(f"eta applies to the DDIM sampler only; got eta = {eta!r} with sampler 'ddpm'")
    return DDPMSampler(schedule)


NoisePredictor = Callable[[torch.Tensor, int], torch.Tensor]  # (x_t, t) -> eps


def _reverse_steps(
    sampler: Sampler, x: torch.Tensor, predict_noise: NoisePredictor, generator: torch.Generator | None
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The reverse loop: (x_prev, x0_pred) after each of ``sampler.timesteps``, from x = x_T."""
    for t in sampler.timesteps.tolist():
        x, x0 = sampler.step(predict_noise(x, t), t, x, generator=generator)
        yield x, x0


def reverse_process(
    sampler: Sampler,
    x: torch.Tensor,
    predict_noise: NoisePredictor,
    *,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """x_0 from x_T = ``x`` by the sampler's inference steps; ``predict_noise(x_t, t)`` is the denoiser."""
    for x_prev, _ in _reverse_steps(sampler, x, predict_noise, generator):
        x = x_prev
    return x


class ReversePath(NamedTuple):
    """One run of the reverse process, step by step."""

    timesteps: list[int]  # the T inference steps, from noisiest to 0
    samples: torch.Tensor  # [T + 1, ...] x_T (the initial noise), then x after each step
    predicted_x0: torch.Tensor  # [T, ...] the clean sample predicted at each step


def reverse_path(
    sampler: Sampler,
    x: torch.Tensor,
    predict_noise: NoisePredictor,
    *,
    generator: torch.Generator | None = None,
) -> ReversePath:
    """``reverse_process`` with every intermediate sample and prediction kept."""
    xs, x0s = [x], []
    for x_prev, x0 in _reverse_steps(sampler, x, predict_noise, generator):
        xs.append(x_prev)
        x0s.append(x0)
    return ReversePath(sampler.timesteps.tolist(), torch.stack(xs), torch.stack(x0s))
