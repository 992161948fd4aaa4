"""Noise schedules and the DDPM / DDIM samplers (eqs. (3)-(5) of the extended paper, (5)-(8) of CAMSAP).

In the style of diffusers: a ``NoiseSchedule`` computed in float64 and stored in float32 with the papers'
symbols (``betas``, ``alphas``, ``alphas_cumprod``), and samplers with ``set_timesteps(n)`` and
``step(eps, t, x) -> (x_prev, x0_pred)``. Allocations live in the diffusion space x / P_max - 1/2, so the
predicted clean sample is clipped to [-1/2, 1/2].
"""

from __future__ import annotations

import math

import torch

from .checks import check_int_at_least, check_positive

__all__ = [
    "linear_betas",
    "cosine_betas",
    "NoiseSchedule",
    "DDPMSampler",
    "DDIMSampler",
    "LOSS_WEIGHTINGS",
    "loss_weights",
    "ddpm_loss",
    "to_diffusion_space",
    "from_diffusion_space",
]


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


LOSS_WEIGHTINGS = ("none", "log_snr", "v")


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
    if weighting not in LOSS_WEIGHTINGS:
        raise ValueError(f"loss weighting must be one of {LOSS_WEIGHTINGS}, got {weighting!r}")
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


def to_diffusion_space(power_w: torch.Tensor, max_power_w: float) -> torch.Tensor:
    """x / P_max - 1/2: allocations in [0, P_max] to [-1/2, 1/2]."""
    check_positive("max_power_w", max_power_w)
    return power_w / max_power_w - 0.5


def from_diffusion_space(x: torch.Tensor, max_power_w: float) -> torch.Tensor:
    """(x + 1/2) P_max, projected onto [0, P_max] (samples may leave the box)."""
    check_positive("max_power_w", max_power_w)
    return ((x + 0.5) * max_power_w).clamp(0.0, max_power_w)


class _Sampler:
    """Shared parts of the samplers: a schedule, the inference timesteps and the x0 prediction."""

    def __init__(self, schedule: NoiseSchedule, clip_range: float | None = 0.5) -> None:
        self.schedule = schedule
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

    def _alphabars(self, t: int) -> tuple[float, float]:
        """alphabar at t and at the previous inference step (1 before the first step)."""
        prev = t - self.step_ratio
        alphabar = self.schedule.alphas_cumprod
        return float(alphabar[t]), float(alphabar[prev]) if prev >= 0 else 1.0

    def predict_x0(self, eps: torch.Tensor, t: int, x: torch.Tensor) -> torch.Tensor:
        """x0 = (x_t - sqrt(1 - alphabar_t) eps) / sqrt(alphabar_t), clipped to the diffusion space."""
        alphabar, _ = self._alphabars(t)
        x0 = (x - math.sqrt(1 - alphabar) * eps) / math.sqrt(alphabar)
        return x0 if self.clip_range is None else x0.clamp(-self.clip_range, self.clip_range)


class DDPMSampler(_Sampler):
    """Ancestral sampling of DDPM: x_{t'} ~ q(x_{t'} | x_t, x0_pred), with the posterior variance."""

    def step(
        self, eps: torch.Tensor, t: int, x: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One reverse step from t to the previous inference step; returns (x_prev, x0_pred)."""
        alphabar, alphabar_prev = self._alphabars(t)
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


class DDIMSampler(_Sampler):
    """DDIM (Song et al.), eq. (5): deterministic for eta = 0, DDPM-like noise for eta = 1."""

    def step(
        self,
        eps: torch.Tensor,
        t: int,
        x: torch.Tensor,
        eta: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One reverse step from t to the previous inference step; returns (x_prev, x0_pred).

        The noise direction uses the eps implied by the clipped x0, so that the step stays consistent with
        the prediction it moves towards.
        """
        if eta < 0:
            raise ValueError(f"eta must be >= 0, got {eta!r}")
        alphabar, alphabar_prev = self._alphabars(t)
        x0 = self.predict_x0(eps, t, x)
        eps = (x - math.sqrt(alphabar) * x0) / math.sqrt(1 - alphabar)
        sigma = eta * math.sqrt((1 - alphabar_prev) / (1 - alphabar) * (1 - alphabar / alphabar_prev))
        prev = math.sqrt(alphabar_prev) * x0 + math.sqrt(max(1 - alphabar_prev - sigma**2, 0.0)) * eps
        if eta > 0:
            prev = prev + sigma * torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return prev, x0
