"""Network drops and large-scale channel gains (SETUP.md, "Network drop").

Convention used everywhere in gsdiff: ``gains[..., j, i]`` is the large-scale power gain from transmitter j
to receiver i, in W/W; the diagonal holds the direct links.

Pairing (``DropConfig.pairing``): each receiver is dropped around its own transmitter, and with shadowing a
receiver may hear another transmitter better than its own ("as_dropped", the SETUP.md drop). The authors'
generator re-pairs receivers with the transmitters they hear best (and redraws drops where that fails);
``"strongest"`` keeps the drop and re-pairs by a greedy matching on the large-scale gains: repeatedly, the
strongest (transmitter, receiver) link among the unpaired ones becomes a pair (``strongest_pairing``). It
finishes at any N, where the authors' rejection test fails with high probability above about 200 links.
Some receivers may still hear a stronger interferer (its transmitter was paired with a receiver that hears
it better still), and a re-paired link may be longer than ``max_link_distance_m``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from ..config import DropConfig
from ..rng import make_generator

__all__ = [
    "BREAKPOINT_M",
    "MIN_DISTANCE_M",
    "path_loss_db",
    "Networks",
    "drop_networks",
    "drop_at_densities",
    "strongest_pairing",
    "stronger_interferer_share",
]

BREAKPOINT_M = 100.0  # dual-slope breakpoint: free-space exponent 2 below, exponent 4 beyond
MIN_DISTANCE_M = 1.0  # the far-field model is not meant below 1 m; shorter distances are evaluated at 1 m


def path_loss_db(distance_m: torch.Tensor) -> torch.Tensor:
    """Dual-slope path loss in dB: 39 + 20 log10(d) up to 100 m, 79 + 40 log10(d / 100) beyond.

    The two branches meet at 100 m (79 dB). Distances below ``MIN_DISTANCE_M`` are evaluated at 1 m.
    """
    d = distance_m.clamp_min(MIN_DISTANCE_M)
    near = 39.0 + 20.0 * torch.log10(d)
    far = 79.0 + 40.0 * torch.log10(d / BREAKPOINT_M)
    return torch.where(d <= BREAKPOINT_M, near, far)


@dataclass(frozen=True)
class Networks:
    """A batch of B network drops of N pairs each."""

    tx_pos_m: torch.Tensor  # [B, N, 2] transmitter positions
    rx_pos_m: torch.Tensor  # [B, N, 2] receiver positions
    distance_m: torch.Tensor  # [B, N, N] distance_m[b, j, i]: transmitter j to receiver i
    gains: torch.Tensor  # [B, N, N] large-scale power gains (path loss + shadowing), W/W
    side_m: float  # side of the square area

    @property
    def num_networks(self) -> int:
        return self.gains.shape[0]

    @property
    def num_pairs(self) -> int:
        return self.gains.shape[-1]


def strongest_pairing(gains: torch.Tensor) -> torch.Tensor:
    """[B, N]: the receiver each transmitter serves under the greedy matching on ``gains`` [B, N, N] (j -> i):
    the strongest link among the unpaired transmitters and receivers is paired, then the next, to the end.

    Vectorized over networks by the locally-dominant rule: every round pairs each (j, i) whose link is the
    strongest of both j's free receivers and i's free transmitters; with distinct gains these are exactly
    the pairs the sequential greedy matching makes (Preis, 1999), at least one per network per round.
    """
    b, n, _ = gains.shape
    device = gains.device
    own = torch.arange(n, device=device).expand(b, n)
    served = torch.full((b, n), -1, dtype=torch.long, device=device)  # [B, j] receiver of transmitter j
    tx_free = torch.ones(b, n, dtype=torch.bool, device=device)
    rx_free = torch.ones(b, n, dtype=torch.bool, device=device)
    while bool(tx_free.any()):
        free = gains.masked_fill(~(tx_free[:, :, None] & rx_free[:, None, :]), -math.inf)  # [B, j, i]
        best_rx = free.argmax(2)  # [B, j] each transmitter's strongest free receiver
        best_tx = free.argmax(1)  # [B, i] each receiver's strongest free transmitter
        mutual = tx_free & (best_tx.gather(1, best_rx) == own)  # [B, j]: j and its best receiver agree
        served = torch.where(mutual, best_rx, served)
        tx_free &= ~mutual
        paired = torch.zeros(b, n, dtype=torch.long, device=device).scatter_add_(1, best_rx, mutual.long())
        rx_free &= paired == 0  # [B, i] the receivers just paired are no longer free
    return served


def stronger_interferer_share(gains: torch.Tensor) -> float:
    """The share of receivers [B, N, N] (j -> i) that hear some other transmitter better than their own."""
    direct = torch.diagonal(gains, dim1=-2, dim2=-1)  # [B, N]
    eye = torch.eye(gains.shape[-1], dtype=torch.bool, device=gains.device)
    strongest_other = gains.masked_fill(eye, -math.inf).amax(-2)  # [B, i]
    return (strongest_other > direct).double().mean().item()


def _pairwise_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """[B, N, M] distances between a[:, j] and b[:, i]; by differences, since cdist's matrix-product form
    loses metres in float32 at kilometre coordinates."""
    return (a[:, :, None, :] - b[:, None, :, :]).norm(dim=-1)


def _place_transmitters(
    num_networks: int,
    config: DropConfig,
    generator: torch.Generator,
    device: torch.device,
    dtype: torch.dtype,
) -> torch.Tensor:
    """Uniform positions in the square, redrawing any transmitter closer than d_min to an earlier one."""
    n, side = config.num_pairs, config.side_m
    pos = torch.rand(num_networks, n, 2, generator=generator, device=device, dtype=dtype) * side
    earlier = torch.ones(n, n, dtype=torch.bool, device=device).tril(-1)  # [N, N] (i, j): j < i
    for _ in range(10_000):
        too_close = (_pairwise_distance(pos, pos) < config.min_tx_distance_m) & earlier  # [B, N, N]
        redraw = too_close.any(-1)  # [B, N]
        count = int(redraw.sum())
        if count == 0:
            return pos
        pos[redraw] = torch.rand(count, 2, generator=generator, device=device, dtype=dtype) * side
    raise RuntimeError("could not place transmitters at min_tx_distance_m; lower the density")


def drop_networks(
    num_networks: int,
    config: DropConfig,
    *,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> Networks:
    """Draw B random geometric networks (SETUP.md): positions, distances and large-scale gains.

    Transmitters are uniform in a square of side R = sqrt(N / density) with a minimum spacing; each receiver
    is at distance d ~ sqrt(U(d_min^2, d_max^2)) and a uniform angle from its transmitter, clipped to the
    square. Gains are g_ji = 10^(-(PL(d_ji) + s_ji) / 10) with shadowing s_ji ~ N(0, sigma^2) dB per link.

    Args:
        num_networks: B >= 1.
        config: the drop's N, density, distances and shadowing.
        seed / generator: the randomness (a seed makes a new generator on ``device``).
    """
    if isinstance(num_networks, bool) or not isinstance(num_networks, int) or num_networks < 1:
        raise ValueError(f"num_networks must be an integer >= 1, got {num_networks!r}")
    device = torch.device(device)
    gen = make_generator(generator, seed, device)
    b, n = num_networks, config.num_pairs
    tx = _place_transmitters(b, config, gen, device, dtype)
    # Uniform over the annulus: d^2 uniform between d_min^2 and d_max^2.
    d2 = config.min_link_distance_m**2 + (
        config.max_link_distance_m**2 - config.min_link_distance_m**2
    ) * torch.rand(b, n, generator=gen, device=device, dtype=dtype)
    angle = 2 * math.pi * torch.rand(b, n, generator=gen, device=device, dtype=dtype)
    offset = torch.stack([torch.cos(angle), torch.sin(angle)], dim=-1) * d2.sqrt()[..., None]  # [B, N, 2]
    rx = (tx + offset).clamp(0.0, config.side_m)
    distance = _pairwise_distance(tx, rx)  # [B, N, N] (j, i): transmitter j to receiver i
    shadowing_db = config.shadowing_std_db * torch.randn(b, n, n, generator=gen, device=device, dtype=dtype)
    gains = torch.pow(10.0, -(path_loss_db(distance) + shadowing_db) / 10.0)
    if config.pairing == "strongest":  # receiver served[j] becomes pair j's: permute the receivers
        served = strongest_pairing(gains)  # [B, N]
        rx = rx.gather(1, served[..., None].expand(-1, -1, 2))
        distance = distance.gather(2, served[:, None, :].expand(-1, n, -1))
        gains = gains.gather(2, served[:, None, :].expand(-1, n, -1))
    return Networks(tx_pos_m=tx, rx_pos_m=rx, distance_m=distance, gains=gains, side_m=config.side_m)


def drop_at_densities(
    networks_per_density: int,
    num_pairs: int,
    densities_per_km2: tuple[float, ...] | list[float],
    *,
    seed: int,
    pairing: str = "as_dropped",
) -> torch.Tensor:
    """Large-scale gains [D * M, N, N] of M new networks of N pairs at each of D densities, density-major
    (the same densities at every N: larger networks cover larger areas), paired by ``pairing``
    (``DropConfig.pairing``). Density i's drop is seeded with ``1000 seed + 500 + i``: its own draws (one
    seed for all would drop the same layouts, rescaled), never those of an expert dataset (whose density i
    takes ``1000 seed + i``, ``gsdiff.data``)."""
    return torch.cat(
        [
            drop_networks(
                networks_per_density,
                DropConfig(num_pairs=num_pairs, density_per_km2=d, pairing=pairing),
                seed=1000 * seed + 500 + i,
            ).gains
            for i, d in enumerate(densities_per_km2)
        ]
    )
