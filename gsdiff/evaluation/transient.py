"""The transient of an expert run online against a trained policy played from the first slot (Remark 1 of
the extended paper).

A deployed primal-dual controller has no offline burn-in: on a new network it starts cold (mu = 0) and
updates its multipliers from the rates it observes slot after slot, so its first allocations are those of
an unconstrained sum-rate ascent, which starves the weakest users until the multipliers have grown. A
generative policy has learned the stochastic policy the controller converges to and can play it at once.
Both are time-sharing: a user's rate after s slots is the average of its rates in those slots,

    rbar_i(s) = (1/s) sum_{u <= s} r_i(x_u),

with r_i the exact ergodic rate of the allocation x_u played in slot u (its fading averaged out, so that
only the allocations differ). Here:

* **the online expert** (``EXPERT_ONLINE``) is the expert's own iteration (``run_expert``) with no burn-in,
  every iterate played in its slot, and the dual step fed one fresh fading draw of the played allocation's
  rates per slot (``dual_rates="fading"``): what it would observe;
* **the expert after burn-in** (``EXPERT_CHAIN``) is the book's offline expert, its chain played in order:
  the steady state the online one approaches;
* **each policy** draws as many samples as there are slots and plays them in the order drawn.

``transient`` returns, slot by slot, the 5th percentile over users of rbar (each network's, averaged over
networks) and the mean of rbar; the first slot from which the running p5 stays at or above f_min; and the
tail's deficit, sum over slots of max(0, f_min - p5(s)) (bits/s/Hz x slots: how far and how long the
weakest users are short of their requirement).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import torch

from ..checks import check_int_at_least, check_networks
from ..config import EXPERT_CHAIN, EXPERT_ONLINE, Candidate, ExpertConfig, RadioConfig, SamplingSetting
from ..policy import DiffusionPolicy
from ..solvers import run_expert
from ..wireless.time_sharing import sample_rates

__all__ = ["Transient", "online_expert_config", "running_rates", "transient"]


@dataclass(frozen=True)
class Transient:
    """Slot-by-slot time-sharing of each candidate on the same networks (see the module docstring)."""

    f_min: float
    num_pairs: int
    num_networks: int
    running_p5: dict[Candidate, torch.Tensor]  # [S] per slot: each network's p5 over users, averaged
    running_mean: dict[Candidate, torch.Tensor]  # [S] per slot: the mean of rbar over users and networks
    slots_to_f_min: dict[Candidate, int | None]  # first slot (1-based) from which p5 >= f_min; None: never
    tail_deficit: dict[Candidate, float]  # sum over slots of max(0, f_min - p5(s)), bits/s/Hz x slots


def online_expert_config(expert: ExpertConfig, num_slots: int) -> ExpertConfig:
    """The expert as an online controller of ``num_slots`` slots: no burn-in, every iterate played, the dual
    step fed the rates of one fading draw per slot."""
    check_int_at_least("num_slots", num_slots, 1)
    return replace(expert, num_iterations=num_slots, burn_in=0, num_samples=num_slots, dual_rates="fading")


def running_rates(slot_rates: torch.Tensor) -> torch.Tensor:
    """rbar(s) = (1/s) sum_{u <= s} r(u): slot rates [B, S, N] -> running averages [B, S, N]."""
    slots = torch.arange(1, slot_rates.shape[1] + 1, dtype=slot_rates.dtype, device=slot_rates.device)
    return slot_rates.cumsum(1) / slots[None, :, None]


def _first_slot_from_which(ok: torch.Tensor) -> int | None:
    """The first 1-based slot s with ok[s:] all True (None if the last is False)."""
    if not bool(ok[-1]):
        return None
    failing = torch.nonzero(~ok).flatten()
    return 1 if failing.numel() == 0 else int(failing[-1]) + 2


def transient(
    gains: torch.Tensor,
    f_min: float,
    policies: Mapping[Candidate, DiffusionPolicy],
    radio: RadioConfig,
    expert: ExpertConfig,
    *,
    num_slots: int,
    seed: int = 0,
    sampling: Mapping[Candidate, SamplingSetting] | None = None,
    interferers: int | None = None,
) -> Transient:
    """Play the online expert, the expert after burn-in and each policy (its own sampling setting, or
    ``sampling``'s) for ``num_slots`` slots on networks [B, N, N] at ``f_min``; ``interferers`` = K scores
    the slots' rates with each receiver's K strongest interferers exact and the rest by their mean field
    (large N; the expert configs should say the same). Seeded by ``seed``."""
    check_networks(gains)
    check_int_at_least("num_slots", num_slots, 1)
    sampling = sampling or {}
    played = {
        EXPERT_ONLINE: run_expert(gains, f_min, radio, online_expert_config(expert, num_slots), seed=seed),
        EXPERT_CHAIN: run_expert(gains, f_min, radio, expert.with_samples(num_slots), seed=seed),
    }
    played = {c: result.samples_w for c, result in played.items()}  # [B, S, N] in the order played
    for candidate, policy in policies.items():
        generator = torch.Generator().manual_seed(seed)
        setting = sampling.get(candidate, policy.sampling)
        played[candidate] = policy.sample(gains, f_min, num_slots, setting, generator=generator)
    running_p5, running_mean, slots_to, deficit = {}, {}, {}, {}
    for candidate, samples_w in played.items():
        rbar = running_rates(sample_rates(gains, samples_w.to(gains.dtype), radio, interferers=interferers))
        p5 = torch.quantile(rbar, 0.05, dim=-1).mean(0)  # [S]: each network's p5 over users, averaged
        running_p5[candidate], running_mean[candidate] = p5, rbar.mean((0, 2))
        slots_to[candidate] = _first_slot_from_which(p5 >= f_min)
        deficit[candidate] = float((f_min - p5).clamp_min(0).sum())
    return Transient(f_min, gains.shape[-1], gains.shape[0], running_p5, running_mean, slots_to, deficit)
