"""Configuration of the wireless model: radio, network drops, time-sharing evaluation and channel graphs.

Values follow ``SETUP.md`` (the papers' setup); choices that are ours say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..checks import check_choice, check_int_at_least, check_positive
from ..units import dbm_to_w
from .choices import AGGREGATES, EDGE_WEIGHTS, FADING_KINDS, PAIRING_RULES, PLAY_MODES

__all__ = ["DENSITIES_PER_KM2", "RadioConfig", "DropConfig", "EvaluationConfig", "GraphConfig"]

# Pair densities (pairs per km^2) of the extended paper; for N = 400 the square sides are 7800..5800 m.
DENSITIES_PER_KM2: tuple[float, ...] = (6.6, 8.2, 10.1, 11.9)


@dataclass(frozen=True)
class RadioConfig:
    """Transmit power budget and receiver noise."""

    max_power_dbm: float = 10.0  # P_max = 10 mW per transmitter
    bandwidth_hz: float = 20e6  # W = 20 MHz
    noise_psd_dbm_per_hz: float = -174.0  # N0; noise power W*N0 is about -101 dBm

    def __post_init__(self) -> None:
        check_positive("bandwidth_hz", self.bandwidth_hz)
        if not math.isfinite(self.max_power_dbm) or not math.isfinite(self.noise_psd_dbm_per_hz):
            raise ValueError(
                f"max_power_dbm and noise_psd_dbm_per_hz must be finite, got "
                f"{self.max_power_dbm!r}, {self.noise_psd_dbm_per_hz!r}"
            )

    @property
    def max_power_w(self) -> float:
        return dbm_to_w(self.max_power_dbm)

    @property
    def noise_w(self) -> float:
        """Noise power W * N0 in watts."""
        return dbm_to_w(self.noise_psd_dbm_per_hz) * self.bandwidth_hz


@dataclass(frozen=True)
class DropConfig:
    """Random geometric drop of N tx-rx pairs in a square of side sqrt(N / density)."""

    num_pairs: int = 100  # N tx-rx pairs (graph nodes)
    density_per_km2: float = 10.1  # pairs per km^2; fixes the square's side
    min_tx_distance_m: float = 50.0  # transmitters are at least this far apart
    min_link_distance_m: float = 20.0  # rx-to-own-tx distance d ~ sqrt(U(d_min^2, d_max^2))
    max_link_distance_m: float = 100.0
    shadowing_std_db: float = 7.0  # log-normal shadowing, drawn per tx-rx link
    pairing: str = "as_dropped"  # which transmitter serves each receiver: "as_dropped" (the one it was
    # dropped around) or "strongest" (receivers re-paired with the transmitters they hear best: greedy
    # matching on the large-scale gains, the authors' rule without their redraws; gsdiff.wireless.channel)

    def __post_init__(self) -> None:
        check_int_at_least("num_pairs", self.num_pairs, 2)
        check_choice("pairing", self.pairing, PAIRING_RULES)
        check_positive("density_per_km2", self.density_per_km2)
        check_positive("min_link_distance_m", self.min_link_distance_m)
        check_positive("max_link_distance_m", self.max_link_distance_m)
        if self.min_tx_distance_m < 0 or not math.isfinite(self.min_tx_distance_m):
            raise ValueError(f"min_tx_distance_m must be finite and >= 0, got {self.min_tx_distance_m!r}")
        if self.max_link_distance_m < self.min_link_distance_m:
            raise ValueError(
                f"max_link_distance_m ({self.max_link_distance_m}) must be >= min_link_distance_m "
                f"({self.min_link_distance_m})"
            )
        if self.shadowing_std_db < 0 or not math.isfinite(self.shadowing_std_db):
            raise ValueError(f"shadowing_std_db must be finite and >= 0, got {self.shadowing_std_db!r}")
        # Disks of radius d/2 around each transmitter must fit: refuse drops that cannot be packed.
        packing = self.num_pairs * math.pi * (self.min_tx_distance_m / 2) ** 2 / self.side_m**2
        if packing > 0.35:
            raise ValueError(
                f"density_per_km2 = {self.density_per_km2} is too high for min_tx_distance_m = "
                f"{self.min_tx_distance_m}: the exclusion disks would cover {packing:.0%} of the square "
                f"(at most 35% is allowed)"
            )

    @property
    def side_m(self) -> float:
        """Side R of the square, so that N / R^2 is the density."""
        return math.sqrt(self.num_pairs / self.density_per_km2) * 1000.0


@dataclass(frozen=True)
class EvaluationConfig:
    """Time-sharing evaluation over fading slots, by default the authors' protocol: 500 slots, the sample
    changed every 5 (a window, the papers' time-sharing slot), each window drawing one of the network's
    samples uniformly with replacement, over 10 realizations of the draws whose metrics are averaged, each
    percentile taken over one network's users and then averaged over networks."""

    num_slots: int = 500  # T fading slots of 10 ms
    window_slots: int = 5  # a policy sample is held for this many consecutive slots (one time-sharing slot)
    fading: str = "iid"  # "iid" Rayleigh per slot, or "jakes": AR(1) with rho = J0(2 pi f_D T_slot)
    doppler_hz: float = 8.0  # f_D = v f_c / c = 1 m/s * 2.4 GHz / c (only for "jakes")
    slot_s: float = 0.01  # slot duration T_slot
    play: str = "iid"  # how a pool fills the windows: "iid" each window draws a sample uniformly with
    # replacement (the authors'); "ordered" the samples in their order, evenly spread (a schedule is always
    # played in order: gsdiff.wireless.play)
    repeats: int = 10  # R realizations of the draws (the fading is shared), whose metrics are averaged
    aggregate: str = "per_network"  # percentiles over each network's users, averaged over networks (the
    # authors'), or "pooled" over every user of every network (gsdiff.wireless.metrics)

    def __post_init__(self) -> None:
        check_int_at_least("num_slots", self.num_slots, 1)
        check_int_at_least("window_slots", self.window_slots, 1)
        check_choice("fading", self.fading, FADING_KINDS)
        check_positive("doppler_hz", self.doppler_hz)
        check_positive("slot_s", self.slot_s)
        check_choice("play", self.play, PLAY_MODES)
        check_int_at_least("repeats", self.repeats, 1)
        check_choice("aggregate", self.aggregate, AGGREGATES)

    @property
    def num_windows(self) -> int:
        """Windows of ``window_slots`` slots in ``num_slots`` (the last one may be shorter)."""
        return -(-self.num_slots // self.window_slots)


@dataclass(frozen=True)
class GraphConfig:
    """How a network becomes a graph signal (our choice of normalization, see gsdiff.graph.signals)."""

    top_k: int | None = None  # keep each receiver's k strongest interferers; None keeps all N - 1
    snr_scale_db: float = 60.0  # log-SNR weight = log10(1 + P_max g / noise) / (snr_scale_db / 10)
    edge_weight: str = "coupling"  # "coupling": log10(1 + 10 g_ji / g_ii), interference relative to the
    # receiver's own direct link (our measured choice); "log_snr": the papers' log-SNR (gsdiff.graph.signals)

    def __post_init__(self) -> None:
        check_choice("edge_weight", self.edge_weight, EDGE_WEIGHTS)
        if self.top_k is not None:
            check_int_at_least("top_k", self.top_k, 1)
        check_positive("snr_scale_db", self.snr_scale_db)
