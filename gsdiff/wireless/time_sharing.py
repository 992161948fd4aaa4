"""Time-sharing evaluation: play a sequence of allocation samples over fading slots (eq. (15)).

A stochastic policy is evaluated as the papers do: in every slot the network uses one of its allocation
samples (held for ``window_slots`` consecutive slots; see ``play_order``) under a
fresh fading draw; a user's ergodic rate is its average rate over the slots.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import torch
from tqdm.auto import tqdm

from ..checks import check_allocations, check_gains
from ..config import EvaluationConfig, RadioConfig
from ..rng import make_generator
from .fading import RayleighFading
from .metrics import percentiles, rate_metrics
from .rates import ergodic_rates_exact, ergodic_rates_mean_field, instantaneous_rates

__all__ = [
    "TimeSharingResult",
    "settling_slots",
    "as_samples",
    "play_order",
    "played_samples",
    "played_rates",
    "take_samples",
    "resample",
    "evaluate_time_sharing",
    "sample_rates",
    "asymptotic_rates",
]


def as_samples(power_w: torch.Tensor, gains: torch.Tensor, radio: RadioConfig) -> torch.Tensor:
    """Validate allocations against the networks and return them as samples [B, S, N].

    ``power_w`` is [B, S, N] (S samples per network, time-shared) or [B, N] (one deterministic allocation).
    """
    check_gains(gains)
    if gains.dim() != 3:
        raise ValueError(f"gains must have shape [B, N, N], got {tuple(gains.shape)}")
    b, n = gains.shape[0], gains.shape[-1]
    check_allocations(power_w, n, radio.max_power_w)
    if power_w.dim() == 2:
        power_w = power_w[:, None, :]
    if power_w.dim() != 3 or power_w.shape[0] != b:
        raise ValueError(
            f"power_w must have shape [B, S, N] or [B, N] with B = {b} networks, got {tuple(power_w.shape)}"
        )
    return power_w.to(gains.dtype)


def play_order(window: torch.Tensor, num_windows: int, num_samples: int) -> torch.Tensor:
    """Which sample each window plays: cycle through them in order when there are at least as many windows
    as samples (each played equally often), else evenly spaced samples, so that a thinned chain of samples is
    represented over its whole length."""
    if num_windows >= num_samples:
        return window % num_samples
    return (window * num_samples) // num_windows


def played_samples(power_w: torch.Tensor, evaluation: EvaluationConfig) -> torch.Tensor:
    """The samples [B, W, N] that ``evaluate_time_sharing`` plays, one per window, in order (see
    ``played_rates``)."""
    num_windows = evaluation.num_windows
    which = play_order(torch.arange(num_windows), num_windows, power_w.shape[1])
    return power_w[:, which.to(power_w.device)]


def played_rates(
    gains: torch.Tensor,
    power_w: torch.Tensor,
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    *,
    interferers: int | None = None,
) -> torch.Tensor:
    """[B, N] exact ergodic rates of the samples ``evaluate_time_sharing`` plays: its value over infinitely
    many fading draws of the same schedule (exact when ``window_slots`` divides ``num_slots``; otherwise the
    shorter last window counts as a full one)."""
    samples = as_samples(power_w, gains, radio)  # [B, S, N], also from one allocation [B, N]
    return asymptotic_rates(gains, played_samples(samples, evaluation), radio, interferers=interferers)


def take_samples(power_w: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """[B, K, N]: sample ``index[b, k]`` of network b, for samples [B, S, N] and indices [B, K]."""
    rows = torch.arange(power_w.shape[0], device=power_w.device)[:, None]
    return power_w[rows, index.to(power_w.device)]


def resample(
    power_w: torch.Tensor, num_samples: int, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """``num_samples`` i.i.d. draws [B, S', N] from each network's samples [B, S, N], with replacement: the
    policy that draws from the same distribution but forgets the order (and balance) of its samples."""
    b, s, _ = power_w.shape
    return take_samples(power_w, torch.randint(0, s, (b, num_samples), generator=generator))


@dataclass(frozen=True)
class TimeSharingResult:
    """Per-user rates of a time-shared policy."""

    cumulative_rates: torch.Tensor  # [T, B, N] running ergodic estimate after slots 1..T

    @property
    def ergodic_rates(self) -> torch.Tensor:
        """[B, N] average rate over all T slots."""
        return self.cumulative_rates[-1]

    def metrics(self, f_min: float) -> dict[str, float]:
        """Pooled metrics of the final ergodic rates (see ``gsdiff.wireless.metrics.rate_metrics``)."""
        return rate_metrics(self.ergodic_rates, f_min)

    def percentile_curves(self, q: tuple[float, ...] = (1.0, 5.0)) -> torch.Tensor:
        """[T, len(q)] pooled percentiles of the cumulative ergodic rates after each slot."""
        return percentiles(self.cumulative_rates.flatten(1), q)

    def mean_curve(self) -> torch.Tensor:
        """[T] pooled mean of the cumulative ergodic rates after each slot."""
        return self.cumulative_rates.flatten(1).mean(-1)

    def settling_slot(self, f_min: float, q: float = 5.0, for_good: bool = True) -> int | None:
        """The first slot t (1-based) from which the running pooled ``q``-th percentile stays >= f_min
        through slot T, or with ``for_good=False`` the first slot at which it reaches f_min at all (the
        papers: "surpasses the QoS threshold within 20 slots"); None if it never does (for good: if it
        ends below)."""
        above = (self.percentile_curves((q,))[:, 0] >= f_min).cpu()  # [T]
        if not for_good:
            return int(above.nonzero()[0]) + 1 if bool(above.any()) else None
        if not bool(above[-1]):
            return None
        below = (~above).nonzero()
        return 1 if len(below) == 0 else int(below[-1]) + 2


def settling_slots(
    results: Mapping[str, TimeSharingResult], f_min: float, q: float = 5.0
) -> dict[str, tuple[int | None, int | None]]:
    """Each candidate's (first slot its running ``q``-th percentile reaches f_min, slot from which it stays
    there): ``TimeSharingResult.settling_slot`` both ways."""
    return {
        name: (res.settling_slot(f_min, q, for_good=False), res.settling_slot(f_min, q))
        for name, res in results.items()
    }


def evaluate_time_sharing(
    gains: torch.Tensor,
    power_w: torch.Tensor,
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    *,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    chunk_slots: int | None = None,
    progress: bool = False,
) -> TimeSharingResult:
    """Play allocation samples over T fading slots and return the cumulative per-user rates.

    Args:
        gains: [B, N, N] large-scale gains in W/W.
        power_w: [B, S, N] samples (or [B, N]) in W, within [0, P_max].
        radio, evaluation: power budget and noise; slots, window and fading model.
        seed / generator: the fading randomness (a seeded generator, or one to draw from).
        chunk_slots: slots drawn at once (memory [chunk, B, N, N]); default 25, fewer where that would pass
            2^26 elements (large networks), never a [B, S, N, N] tensor of every sample.
    """
    samples = as_samples(power_w, gains, radio)
    num_samples = samples.shape[1]
    gen = make_generator(generator, seed, gains.device)
    fading = RayleighFading(gains.shape, evaluation, gen, gains.device, gains.dtype)
    total = torch.zeros(gains.shape[0], gains.shape[-1], dtype=torch.float64, device=gains.device)
    cumulative = []
    num_windows = evaluation.num_windows
    if chunk_slots is None:
        chunk_slots = max(1, min(25, 2**26 // (gains.shape[0] * gains.shape[-1] ** 2)))
    slots = range(0, evaluation.num_slots, chunk_slots)
    for start in tqdm(slots, desc="time-sharing slots", disable=not progress):
        t = torch.arange(start, min(start + chunk_slots, evaluation.num_slots), device=gains.device)
        which = play_order(t // evaluation.window_slots, num_windows, num_samples)  # [T_c]
        x = samples[:, which].transpose(0, 1)  # [T_c, B, N]
        rates = instantaneous_rates(gains, x, radio.noise_w, fading.draw(len(t)))  # [T_c, B, N]
        running = total + rates.double().cumsum(0)
        total = running[-1]
        cumulative.append(running / (t + 1)[:, None, None])
    return TimeSharingResult(cumulative_rates=torch.cat(cumulative).to(gains.dtype))


def sample_rates(
    gains: torch.Tensor,
    power_w: torch.Tensor,
    radio: RadioConfig,
    *,
    quadrature_nodes: int = 48,
    interferers: int | None = None,
) -> torch.Tensor:
    """[B, S, N] exact ergodic rates of every sample, each on its own over i.i.d. Rayleigh fading
    (``gsdiff.wireless.ergodic_rates_exact``), or with ``interferers`` = K each receiver's K strongest
    interferers exact and the rest by their mean field (``ergodic_rates_mean_field``: O(N K) per sample, for
    large N)."""
    samples = as_samples(power_w, gains, radio)  # [B, S, N]
    b, s, n = samples.shape
    if interferers is not None:
        # [B, chunk, N, K, Q] working tensors of at most ~256 MB
        chunk = max(1, int(2**28 // (b * quadrature_nodes * n * (interferers + 4) * samples.element_size())))
        parts = [
            ergodic_rates_mean_field(
                gains,
                samples[:, k : k + chunk],
                radio.noise_w,
                interferers,
                quadrature_nodes=quadrature_nodes,
            )
            for k in range(0, s, chunk)
        ]
        return torch.cat(parts, 1)
    # The quadrature holds [B, chunk, Q, N, N]: take as many samples at once as fit in ~256 MB.
    chunk = max(1, int(2**28 // (b * quadrature_nodes * n * n * samples.element_size())))
    return torch.cat(
        [
            ergodic_rates_exact(
                gains[:, None], samples[:, k : k + chunk], radio.noise_w, quadrature_nodes=quadrature_nodes
            )
            for k in range(0, s, chunk)
        ],
        1,
    )


def asymptotic_rates(
    gains: torch.Tensor,
    power_w: torch.Tensor,
    radio: RadioConfig,
    *,
    quadrature_nodes: int = 48,
    interferers: int | None = None,
) -> torch.Tensor:
    """[B, N] ergodic rates over infinitely many slots, each sample played equally often (i.i.d. fading).

    The mean over samples of ``sample_rates``: the noise-free limit that ``evaluate_time_sharing`` approaches.
    """
    return sample_rates(
        gains, power_w, radio, quadrature_nodes=quadrature_nodes, interferers=interferers
    ).mean(1)
