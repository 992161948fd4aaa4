"""Which sample each time-sharing slot (window) plays: the play rules of the evaluation.

A stochastic policy is evaluated by holding one of its samples for each window of ``window_slots`` fading
slots (the papers' time-sharing slot). Two rules fill the W windows from a network's S samples:

- ``"iid"`` (the authors' evaluator): every window draws one of the S samples uniformly with replacement,
  independently, in each of R realizations of the evaluation. A pool of samples drawn from a distribution is
  then played as that distribution: no order, no balance of turns is assumed.
- ``"ordered"``: the samples in their order, each played equally often when W >= S, else evenly spaced
  ones (``play_order``): right for a *schedule*, a sequence meant to be played in order (dual time-sharing's
  output, the expert's chain of iterates), which i.i.d. draws would scramble.

Every sample of a deterministic allocation [B, 1, N] is the same, so both rules play it in every window.
"""

from __future__ import annotations

import torch

from ..checks import check_allocations, check_gains, check_int_at_least
from ..config import EvaluationConfig, RadioConfig

__all__ = ["as_samples", "play_order", "play_picks", "played_samples", "take_samples", "resample"]


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
    """The ordered rule: cycle through the samples in order when there are at least as many windows as
    samples (each played equally often), else evenly spaced samples, so that a thinned chain of samples is
    represented over its whole length."""
    if num_windows >= num_samples:
        return window % num_samples
    return (window * num_samples) // num_windows


def play_picks(
    num_networks: int,
    num_samples: int,
    evaluation: EvaluationConfig,
    *,
    play: str | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """[R, B, W] the sample each window of each realization plays, W = ``evaluation.num_windows``: R =
    ``evaluation.repeats`` realizations of independent uniform draws under the "iid" rule, one realization
    (R = 1) under "ordered" or with a single sample. ``play`` overrides ``evaluation.play`` (a schedule is
    played "ordered")."""
    check_int_at_least("num_networks", num_networks, 1)
    check_int_at_least("num_samples", num_samples, 1)
    play = evaluation.play if play is None else play
    w = evaluation.num_windows
    if play == "ordered" or num_samples == 1:
        order = play_order(torch.arange(w, device=device), w, num_samples)  # [W]
        return order.expand(1, num_networks, w)
    gen_device = generator.device if generator is not None else "cpu"  # drawn where the generator is
    shape = (evaluation.repeats, num_networks, w)
    return torch.randint(0, num_samples, shape, generator=generator, device=gen_device).to(device)


def take_samples(power_w: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """[..., B, K, N]: sample ``index[..., b, k]`` of network b, for samples [B, S, N] and indices
    [..., B, K]."""
    rows = torch.arange(power_w.shape[0], device=power_w.device)[:, None]
    return power_w[rows, index.to(power_w.device)]


def played_samples(power_w: torch.Tensor, picks: torch.Tensor) -> torch.Tensor:
    """The samples [R, B, W, N] that windows play, for samples [B, S, N] and picks [R, B, W]
    (``play_picks``)."""
    return take_samples(power_w, picks)


def resample(
    power_w: torch.Tensor, num_samples: int, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """``num_samples`` i.i.d. draws [B, S', N] from each network's samples [B, S, N], with replacement: the
    policy that draws from the same distribution but forgets the order (and balance) of its samples."""
    b, s, _ = power_w.shape
    return take_samples(power_w, torch.randint(0, s, (b, num_samples), generator=generator))
