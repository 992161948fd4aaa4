"""Time-sharing evaluation: play a policy's samples over fading slots (eq. (15)), by Monte-Carlo slots or
exactly.

Each window of ``window_slots`` slots plays one of a network's samples (``gsdiff.wireless.play``: drawn
i.i.d. in each of R realizations, the authors' protocol, or in order); every slot draws fresh fading, the
same draws for every realization and for every policy evaluated with the same seed; a user's ergodic rate
is its average rate over the slots. ``played_rates`` gives the same evaluation's value over infinitely many
fading slots (exact, by quadrature) for the same picks.

Randomness: one generator (``seed`` or ``generator``) first gives the seed of the picks' own generator,
then the fading. Every evaluation consumes the same numbers before its fading, so the fading is the same
whatever a policy's play rule or number of samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import torch
from tqdm.auto import tqdm

from ..config import EvaluationConfig, RadioConfig
from ..rng import make_generator
from .fading import RayleighFading
from .metrics import percentiles, rate_metrics
from .play import as_samples, play_picks, played_samples, take_samples
from .rates import ergodic_rates_exact, ergodic_rates_mean_field, instantaneous_rates

__all__ = [
    "TimeSharingResult",
    "Settling",
    "settling_slots",
    "evaluation_picks",
    "played_rates",
    "evaluate_time_sharing",
    "sample_rates",
    "asymptotic_rates",
]


def _streams(
    seed: int | None, generator: torch.Generator | None, device: torch.device
) -> tuple[torch.Generator, torch.Generator]:
    """(the picks' generator, the fading's generator) from one seed or generator (see the module doc)."""
    fading = make_generator(generator, seed, device)
    picks_seed = int(torch.randint(0, 2**62, (1,), generator=fading, device=fading.device))
    return torch.Generator(device=fading.device).manual_seed(picks_seed), fading


def evaluation_picks(
    gains: torch.Tensor,
    num_samples: int,
    evaluation: EvaluationConfig,
    *,
    play: str | None = None,
    seed: int | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """[R, B, W] the picks ``evaluate_time_sharing`` and ``played_rates`` play with this seed (``play_picks``;
    ``play`` overrides ``evaluation.play``)."""
    picks_gen, _ = _streams(seed, generator, gains.device)
    return play_picks(
        gains.shape[0], num_samples, evaluation, play=play, generator=picks_gen, device=gains.device
    )


def played_rates(
    gains: torch.Tensor,
    power_w: torch.Tensor,
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    *,
    play: str | None = None,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    interferers: int | None = None,
) -> torch.Tensor:
    """[R, B, N] exact ergodic rates of the samples ``evaluate_time_sharing`` plays with the same seed: its
    value over infinitely many fading draws of the same picks (exact when ``window_slots`` divides
    ``num_slots``; otherwise the shorter last window counts as a full one). The rates of each pooled sample
    are computed once and averaged over the windows that play it."""
    samples = as_samples(power_w, gains, radio)  # [B, S, N], also from one allocation [B, N]
    picks = evaluation_picks(gains, samples.shape[1], evaluation, play=play, seed=seed, generator=generator)
    rates = sample_rates(gains, samples, radio, interferers=interferers)  # [B, S, N]
    return take_samples(rates, picks).mean(-2)  # [R, B, W, N] -> [R, B, N]


@dataclass(frozen=True)
class TimeSharingResult:
    """Per-user rates of a time-shared policy, slot by slot, in each realization of the evaluation."""

    cumulative_rates: torch.Tensor  # [T, R, B, N] running ergodic estimate after slots 1..T
    window_slots: int = 1  # slots per window (time-sharing slot)
    aggregate: str = "pooled"  # how ``metrics`` aggregates percentiles (EvaluationConfig.aggregate)

    @property
    def ergodic_rates(self) -> torch.Tensor:
        """[R, B, N] average rate over all T slots, in each realization."""
        return self.cumulative_rates[-1]

    @property
    def window_ends(self) -> torch.Tensor:
        """[W] the (0-based) last slot of each window: where the running rates of time-sharing slots are."""
        t = self.cumulative_rates.shape[0]
        ends = torch.arange(self.window_slots, t + 1, self.window_slots) - 1
        return ends if t % self.window_slots == 0 else torch.cat([ends, torch.tensor([t - 1])])

    def metrics(self, f_min: float, *, aggregate: str | None = None) -> dict[str, float]:
        """``rate_metrics`` of the final ergodic rates, averaged over realizations (``aggregate``: the
        evaluation's unless given)."""
        return rate_metrics(self.ergodic_rates, f_min, aggregate=aggregate or self.aggregate)

    def _running(self, per: str) -> torch.Tensor:
        if per not in ("window", "slot"):
            raise ValueError(f"per must be 'window' or 'slot', got {per!r}")
        return self.cumulative_rates if per == "slot" else self.cumulative_rates[self.window_ends]

    def percentile_curves(self, q: tuple[float, ...] = (1.0, 5.0), *, per: str = "window") -> torch.Tensor:
        """[W, len(q)] (or [T, len(q)] with ``per="slot"``) percentiles of the running ergodic rates over
        every user of every network, in each realization, averaged over realizations (the papers' Fig. 2)."""
        return percentiles(self._running(per).flatten(2), q).mean(1)

    def mean_curve(self, *, per: str = "window") -> torch.Tensor:
        """[W] (or [T]) mean of the running ergodic rates."""
        return self._running(per).flatten(1).mean(-1)

    def settling_window(self, f_min: float, q: float = 5.0, for_good: bool = True) -> int | None:
        """The first window (time-sharing slot, 1-based) from which the running ``q``-th percentile
        (``percentile_curves``) stays >= f_min through the last, or with ``for_good=False`` the first at
        which it reaches f_min at all (the papers: "surpasses the QoS threshold within 20 time-sharing
        slots"); None if it never does (for good: if it ends below)."""
        above = (self.percentile_curves((q,))[:, 0] >= f_min).cpu()  # [W]
        if not for_good:
            return int(above.nonzero()[0]) + 1 if bool(above.any()) else None
        if not bool(above[-1]):
            return None
        below = (~above).nonzero()
        return 1 if len(below) == 0 else int(below[-1]) + 2


class Settling(NamedTuple):
    """When a candidate's running percentile curve (``TimeSharingResult.percentile_curves``) meets f_min."""

    first: int | None  # first time-sharing slot (window, 1-based) at which it reaches f_min; None: never
    settled: int | None  # the window from which it stays >= f_min to the end; None: it ends below
    final: float  # its value after the last window


def settling_slots(
    results: Mapping[object, TimeSharingResult], f_min: float, q: float = 5.0
) -> dict[object, Settling]:
    """Each candidate's ``Settling`` for its running ``q``-th percentile, in time-sharing slots."""
    return {
        name: Settling(
            res.settling_window(f_min, q, for_good=False),
            res.settling_window(f_min, q),
            float(res.percentile_curves((q,))[-1, 0]),
        )
        for name, res in results.items()
    }


def evaluate_time_sharing(
    gains: torch.Tensor,
    power_w: torch.Tensor,
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    *,
    play: str | None = None,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    chunk_slots: int | None = None,
    progress: bool = False,
) -> TimeSharingResult:
    """Play allocation samples over T fading slots and return the cumulative per-user rates.

    Args:
        gains: [B, N, N] large-scale gains in W/W.
        power_w: [B, S, N] samples (or [B, N]) in W, within [0, P_max].
        radio, evaluation: power budget and noise; slots, windows, play rule, realizations, fading.
        play: the play rule, overriding ``evaluation.play`` ("ordered" for a schedule).
        seed / generator: the randomness (see the module docstring).
        chunk_slots: slots drawn at once (memory [chunk, R, B, N, N]); default 25, fewer where that would
            pass 2^26 elements (large networks), never a [B, S, N, N] tensor of every sample.
    """
    samples = as_samples(power_w, gains, radio)  # [B, S, N]
    picks_gen, fading_gen = _streams(seed, generator, gains.device)
    picks = play_picks(
        gains.shape[0], samples.shape[1], evaluation, play=play, generator=picks_gen, device=gains.device
    )  # [R, B, W]
    played = played_samples(samples, picks)  # [R, B, W, N]
    fading = RayleighFading(gains.shape, evaluation, fading_gen, gains.device, gains.dtype)
    r, b, n = picks.shape[0], gains.shape[0], gains.shape[-1]
    total = torch.zeros(r, b, n, dtype=torch.float64, device=gains.device)
    cumulative = []
    if chunk_slots is None:
        chunk_slots = max(1, min(25, 2**26 // (r * b * n * n)))
    slots = range(0, evaluation.num_slots, chunk_slots)
    for start in tqdm(slots, desc="time-sharing slots", disable=not progress):
        t = torch.arange(start, min(start + chunk_slots, evaluation.num_slots), device=gains.device)
        x = played[:, :, t // evaluation.window_slots].permute(2, 0, 1, 3)  # [T_c, R, B, N]
        h = fading.draw(len(t))[:, None]  # [T_c, 1, B, N, N]: the same fading in every realization
        rates = instantaneous_rates(gains, x, radio.noise_w, h)  # [T_c, R, B, N]
        running = total + rates.double().cumsum(0)
        total = running[-1]
        cumulative.append(running / (t + 1)[:, None, None, None])
    return TimeSharingResult(
        torch.cat(cumulative).to(gains.dtype), evaluation.window_slots, evaluation.aggregate
    )


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

    The mean over samples of ``sample_rates``: the limit that ``evaluate_time_sharing`` approaches with
    ordered play (and, with i.i.d. play, its expectation over the draws).
    """
    return sample_rates(
        gains, power_w, radio, quadrature_nodes=quadrature_nodes, interferers=interferers
    ).mean(1)
