"""Samplers of the reverse process (eq. (5) of the extended paper, (6)-(7) of CAMSAP): DDPM, DDIM and two
few-step solvers of the probability-flow ODE, DPM-Solver++ (2M) and UniPC (bh2, order 2); and the one
reverse loop every caller runs.

In the diffusers protocol: ``set_timesteps(n)`` picks n of the K training steps, and every sampler has the
same ``step(eps, t, x, *, generator) -> (x_prev, x0_pred)``; what differs between samplers (DDIM's eta) is
fixed when the sampler is made. Allocations live in the diffusion space x / P_max - 1/2, so the predicted
clean sample is clipped to [-1/2, 1/2] (``clip_range``; diffusers' multistep solvers do not clip, so their
parity tests turn it off).

The multistep solvers work in the half-log-SNR lambda_t = log(alpha_t / sigma_t), alpha_t = sqrt(alphabar_t),
sigma_t = sqrt(1 - alphabar_t), on the data prediction x0(x_t): from t to the next inference step s, with
h = lambda_s - lambda_t,

* DPM-Solver++(2M) (Lu et al. 2022, Alg. 2, midpoint form): x_s = (sigma_s / sigma_t) x_t
  - alpha_s (e^{-h} - 1) (D0 + D1 / 2), D0 = x0_t, D1 = (x0_t - x0_u) h / (lambda_t - lambda_u), u the step
  before t; first order (DDIM) on the first step and on the last, which ends at sigma = 0.
* UniPC (Zhao et al. 2023, bh2): the same predictor with D1 weighted by 1/2 and B(h) = e^{-h} - 1, and a
  corrector that, once the denoiser has been evaluated at the predicted x_s, redoes the step with the new
  x0_s among the points (coefficients from the linear system R rho = b of their Thm 3). The corrector needs
  no extra denoiser pass: it runs at the start of the next ``step``, on the x it is handed.

They are stateful (the previous predictions): the state starts afresh at ``set_timesteps`` and at the start
of every reverse loop (``reset``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import NamedTuple

import torch

from ..checks import check_choice
from ..config import SAMPLER_KINDS, TIMESTEP_SPACINGS
from .noise_schedules import NoiseSchedule

__all__ = [
    "Sampler",
    "DDPMSampler",
    "DDIMSampler",
    "DPMSolverSampler",
    "UniPCSampler",
    "LinearStep",
    "inference_timesteps",
    "make_sampler",
    "ReversePath",
    "reverse_process",
    "reverse_path",
]


def inference_timesteps(num_train_steps: int, num_inference_steps: int, spacing: str) -> list[int]:
    """n of the K training steps, noisiest first (the "leading" and "trailing" spacings of diffusers; Lin et
    al. 2024, Table 2): "leading" t = (n-1) K//n, ..., K//n, 0 ends at the clean end but starts below K - 1,
    which few steps feel (n = 2 starts at K/2, where x_t is far from noise); "trailing" t = round(K - i K/n)
    - 1, i = 0..n-1, starts at K - 1."""
    k = num_train_steps
    if isinstance(num_inference_steps, bool) or not 1 <= num_inference_steps <= k:
        raise ValueError(f"num_inference_steps must be an integer in [1, {k}], got {num_inference_steps!r}")
    check_choice("timestep_spacing", spacing, TIMESTEP_SPACINGS)
    if spacing == "leading":
        return [i * (k // num_inference_steps) for i in range(num_inference_steps - 1, -1, -1)]
    ratio = k / num_inference_steps
    return [int(round(k - i * ratio)) - 1 for i in range(num_inference_steps)]


class LinearStep(NamedTuple):
    """One reverse step as x' = x_scale x_t + x0_scale x0_t + previous_x0_scale x0_u + noise_scale z: linear
    in the sample, the x0 predicted at this step and the one predicted at the step before (u), z ~ N(0, I).
    DDPM, DDIM and DPM-Solver++(2M) all take this form, so a runtime with no schedule maths can run them from
    these numbers (``gsdiff.policy.export.ReverseSteps``)."""

    x_scale: float
    x0_scale: float
    previous_x0_scale: float
    noise_scale: float


class Sampler:
    """Shared parts of the samplers: a schedule, the inference timesteps, the x0 prediction and the step
    ``LinearStep.coefficients`` describe.

    Args:
        schedule: the noise schedule.
        clip_range: the predicted x0 is clipped to [-clip_range, clip_range] (None: not clipped).
        timestep_spacing: "leading" or "trailing" (``inference_timesteps``).
    """

    def __init__(
        self, schedule: NoiseSchedule, clip_range: float | None = 0.5, timestep_spacing: str = "leading"
    ) -> None:
        check_choice("timestep_spacing", timestep_spacing, TIMESTEP_SPACINGS)
        self.schedule = schedule
        # alphabar_k as Python floats, read once: the step coefficients are scalars on the host whichever
        # device the schedule and the samples are on, so stepping never waits for a device-to-host copy.
        self._alphas_cumprod = schedule.alphas_cumprod.tolist()
        self.clip_range = clip_range
        self.timestep_spacing = timestep_spacing
        self.set_timesteps(schedule.num_train_steps)

    def set_timesteps(self, num_inference_steps: int) -> None:
        """Use n of the K training steps (``inference_timesteps`` with this sampler's spacing)."""
        steps = inference_timesteps(self.schedule.num_train_steps, num_inference_steps, self.timestep_spacing)
        self.num_inference_steps = num_inference_steps
        self.timesteps = torch.tensor(steps)
        # each step's target: the next inference step, and -1 (alphabar = 1, the clean end) after the last
        self._previous = dict(zip(steps, steps[1:] + [-1], strict=True))
        self._earlier = dict(zip(steps[1:], steps, strict=False))  # the step before each but the first
        self.reset()

    def reset(self) -> None:
        """Forget what earlier steps left (the last x0 prediction); a new reverse process starts."""
        self._last_x0: torch.Tensor | None = None

    def alphabars(self, t: int) -> tuple[float, float]:
        """alphabar at t and at the next inference step (1 after the last)."""
        prev = self._previous[t]
        alphabar = self._alphas_cumprod
        return alphabar[t], alphabar[prev] if prev >= 0 else 1.0

    def predict_x0(self, eps: torch.Tensor, t: int, x: torch.Tensor) -> torch.Tensor:
        """x0 = (x_t - sqrt(1 - alphabar_t) eps) / sqrt(alphabar_t), clipped to the diffusion space."""
        alphabar, _ = self.alphabars(t)
        x0 = (x - math.sqrt(1 - alphabar) * eps) / math.sqrt(alphabar)
        return x0 if self.clip_range is None else x0.clamp(-self.clip_range, self.clip_range)

    def coefficients(self, t: int) -> LinearStep:
        """The step from t as a ``LinearStep`` (each sampler's formula)."""
        raise NotImplementedError

    def step(
        self, eps: torch.Tensor, t: int, x: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """One reverse step from t to the next inference step; returns (x_prev, x0_pred)."""
        x0 = self.predict_x0(eps, t, x)
        c = self.coefficients(t)
        prev = c.x_scale * x + c.x0_scale * x0
        if c.previous_x0_scale:
            prev = prev + c.previous_x0_scale * self._last_x0
        if c.noise_scale:
            noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
            prev = prev + c.noise_scale * noise
        self._last_x0 = x0
        return prev, x0


class DDPMSampler(Sampler):
    """Ancestral sampling of DDPM: x_{t'} ~ q(x_{t'} | x_t, x0_pred), with the posterior variance."""

    def coefficients(self, t: int) -> LinearStep:
        alphabar, alphabar_prev = self.alphabars(t)
        beta = 1 - alphabar / alphabar_prev  # the step's effective beta (beta_t when n = K)
        # Posterior mean and variance of q(x_{t'} | x_t, x_0) (Ho et al., eqs. (6)-(7)); none after the last.
        variance = (1 - alphabar_prev) / (1 - alphabar) * beta
        return LinearStep(
            math.sqrt(1 - beta) * (1 - alphabar_prev) / (1 - alphabar),
            math.sqrt(alphabar_prev) * beta / (1 - alphabar),
            0.0,
            math.sqrt(max(variance, 1e-20)) if alphabar_prev < 1 else 0.0,
        )


class DDIMSampler(Sampler):
    """DDIM (Song et al.), eq. (5): deterministic for eta = 0, DDPM-like noise for eta = 1.

    Args:
        schedule: the noise schedule.
        eta: stochasticity of each step, finite and >= 0.
        clip_range, timestep_spacing: as for every ``Sampler``.
    """

    def __init__(
        self,
        schedule: NoiseSchedule,
        eta: float = 0.0,
        clip_range: float | None = 0.5,
        timestep_spacing: str = "leading",
    ) -> None:
        if isinstance(eta, bool) or not (isinstance(eta, (int, float)) and math.isfinite(eta) and eta >= 0):
            raise ValueError(f"eta must be a finite number >= 0, got {eta!r}")
        super().__init__(schedule, clip_range, timestep_spacing)
        self.eta = float(eta)

    def coefficients(self, t: int) -> LinearStep:
        """x' = sqrt(a') x0 + sqrt(1 - a' - sigma^2) eps' + sigma z, eps' = (x - sqrt(a) x0) / sqrt(1 - a) the
        eps implied by the clipped x0 (so the step stays consistent with the prediction it moves to)."""
        alphabar, alphabar_prev = self.alphabars(t)
        sigma = self.eta * math.sqrt((1 - alphabar_prev) / (1 - alphabar) * (1 - alphabar / alphabar_prev))
        direction = math.sqrt(max(1 - alphabar_prev - sigma**2, 0.0)) / math.sqrt(1 - alphabar)
        return LinearStep(direction, math.sqrt(alphabar_prev) - direction * math.sqrt(alphabar), 0.0, sigma)


def _alpha_sigma_lambda(alphabar: float) -> tuple[float, float, float]:
    """alpha = sqrt(alphabar), sigma = sqrt(1 - alphabar), lambda = log(alpha / sigma) (inf at sigma = 0)."""
    alpha, sigma = math.sqrt(alphabar), math.sqrt(1 - alphabar)
    return alpha, sigma, math.inf if sigma == 0 else math.log(alpha / sigma)


class DPMSolverSampler(Sampler):
    """DPM-Solver++(2M), data prediction, midpoint form (the module docstring): 2nd order from the second step
    on, 1st order (DDIM's step) on the first and the last, as diffusers' ``DPMSolverMultistepScheduler``
    (solver_order 2, lower_order_final, final sigma 0). Deterministic: the generator is not used."""

    def coefficients(self, t: int) -> LinearStep:
        """x_s = (sigma_s / sigma_t) x_t - alpha_s (e^{-h} - 1) (D0 + D1 / 2), D0 = x0_t and
        D1 = (x0_t - x0_u) h / h_0, h_0 = lambda_t - lambda_u."""
        alphabar, alphabar_prev = self.alphabars(t)
        _, sigma_t, lambda_t = _alpha_sigma_lambda(alphabar)
        alpha_s, sigma_s, lambda_s = _alpha_sigma_lambda(alphabar_prev)
        phi = -alpha_s * math.expm1(lambda_t - lambda_s)  # -alpha_s (e^{-h} - 1)
        if t not in self._earlier or alphabar_prev == 1.0:
            return LinearStep(sigma_s / sigma_t, phi, 0.0, 0.0)
        lambda_u = _alpha_sigma_lambda(self._alphas_cumprod[self._earlier[t]])[2]
        half_ratio = 0.5 * (lambda_s - lambda_t) / (lambda_t - lambda_u)  # D1 / 2 = half_ratio (x0_t - x0_u)
        return LinearStep(sigma_s / sigma_t, phi * (1 + half_ratio), -phi * half_ratio, 0.0)


class UniPCSampler(Sampler):
    """UniPC with B(h) = e^{-h} - 1 ("bh2"), order 2, on the data prediction (the module docstring), as
    diffusers' ``UniPCMultistepScheduler`` (solver_order 2, predict_x0, lower_order_final, final sigma 0):
    each ``step`` first corrects the x it is handed (the previous step's prediction) with the x0 just
    predicted there, then predicts. Deterministic: the generator is not used."""

    def reset(self) -> None:
        super().reset()
        self._x0s: list[torch.Tensor] = []  # the last step's x0 prediction (empty before the first)
        self._lambdas: list[float] = []  # its lambda_t
        # the last predictor's start: (x_t, t, x0_t, the older points it used as (x0_k, lambda_k))
        self._last: tuple | None = None

    def coefficients(self, t: int) -> LinearStep:
        raise ValueError(
            "UniPC's corrector is not a LinearStep (it redoes the previous step with the new x0): sample "
            "it with step(), or choose 'ddim', 'ddpm' or 'dpmsolver++'"
        )

    def _update(
        self, x: torch.Tensor, t: int, alphabar_to: float, x0: torch.Tensor, points: list, rhos: list[float]
    ) -> torch.Tensor:
        """From x_t to alphabar_to: the first-order step minus alpha_to B(h) sum_k rho_k D_k, with
        D_k = (x0_k - x0_t) / r_k, r_k = (lambda_k - lambda_t) / h, for ``points`` (x0_k, lambda_k)."""
        _, sigma_t, lambda_t = _alpha_sigma_lambda(self._alphas_cumprod[t])
        alpha_to, sigma_to, lambda_to = _alpha_sigma_lambda(alphabar_to)
        h = lambda_to - lambda_t
        b_h = math.expm1(-h)  # B(h) of bh2, also h phi_1(h) of the data prediction
        out = (sigma_to / sigma_t) * x - (alpha_to * b_h) * x0
        for rho, (x0_k, lambda_k) in zip(rhos, points, strict=True):
            out = out - (alpha_to * b_h * rho * h / (lambda_k - lambda_t)) * (x0_k - x0)
        return out

    @staticmethod
    def _corrector_weights(h: float, rks: list[float]) -> list[float]:
        """rho of R rho = b (UniPC, Thm 3; hh = -h for the data prediction): R_ij = r_j^(i-1) over the
        points' r_j, b_i = i! phi_{i+1}(hh) / B(h); one point: rho = 1/2, as diffusers takes it."""
        if len(rks) == 1:
            return [0.5]
        hh = -h
        h_phi_k, factorial, b = math.expm1(hh) / hh - 1, 1, []
        for i in range(1, len(rks) + 1):
            b.append(h_phi_k * factorial / math.expm1(hh))
            factorial *= i + 1
            h_phi_k = h_phi_k / hh - 1 / factorial
        r = torch.tensor(rks, dtype=torch.float64)
        matrix = torch.stack([r**i for i in range(len(rks))])
        return torch.linalg.solve(matrix, torch.tensor(b, dtype=torch.float64)).tolist()

    def step(
        self, eps: torch.Tensor, t: int, x: torch.Tensor, *, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        alphabar, alphabar_prev = self.alphabars(t)
        x0 = self.predict_x0(eps, t, x)
        _, _, lambda_t = _alpha_sigma_lambda(alphabar)
        if self._last is not None:  # UniC: redo the last step with the new point (x0_t, lambda_t) as well
            x_u, u, x0_u, older = self._last
            points = [*older, (x0, lambda_t)]
            h = lambda_t - self._lambdas[-1]
            rhos = self._corrector_weights(h, [(lam - self._lambdas[-1]) / h for _, lam in points])
            x = self._update(x_u, u, alphabar, x0_u, points, rhos)
        # 2nd order once an older point exists; 1st on the last step, which ends at sigma = 0
        last = self._previous[t] < 0
        older = [(self._x0s[-1], self._lambdas[-1])] if self._x0s and not last else []
        self._x0s, self._lambdas = [x0], [lambda_t]
        self._last = (x, t, x0, older)
        return self._update(x, t, alphabar_prev, x0, older, [0.5] * len(older)), x0


def make_sampler(
    kind: str, schedule: NoiseSchedule, eta: float | None = None, *, timestep_spacing: str = "leading"
) -> Sampler:
    """The ``kind`` sampler (``SAMPLER_KINDS``) of ``schedule`` with ``timestep_spacing``; ``eta`` is DDIM's
    (default 0) and must be left out for the others, whose step noise is fixed (DDPM: the posterior's) or
    absent (the ODE solvers)."""
    check_choice("sampler", kind, SAMPLER_KINDS)
    if kind == "ddim":
        return DDIMSampler(schedule, 0.0 if eta is None else eta, timestep_spacing=timestep_spacing)
    if eta is not None:
        raise ValueError(f"eta applies to the DDIM sampler only; got eta = {eta!r} with sampler {kind!r}")
    cls = {"ddpm": DDPMSampler, "dpmsolver++": DPMSolverSampler, "unipc": UniPCSampler}[kind]
    return cls(schedule, timestep_spacing=timestep_spacing)


NoisePredictor = Callable[[torch.Tensor, int], torch.Tensor]  # (x_t, t) -> eps


def _reverse_steps(
    sampler: Sampler, x: torch.Tensor, predict_noise: NoisePredictor, generator: torch.Generator | None
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """The reverse loop: (x_prev, x0_pred) after each of ``sampler.timesteps``, from x = x_T."""
    sampler.reset()
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
