"""What the pairing rule changes (``DropConfig.pairing``): the share of receivers that hear another
transmitter better than their own, and full power's mean and tail, for each rule at each network size on the
same drops."""

from __future__ import annotations

from collections.abc import Sequence

from ..checks import check_choice
from ..config import EXACT_MAX_PAIRS, MEAN_FIELD_INTERFERERS, PAIRING_RULES, EvaluationConfig, RadioConfig
from ..solvers.baselines import full_power
from ..wireless.channel import drop_at_densities, stronger_interferer_share
from ..wireless.metrics import rate_metrics
from ..wireless.time_sharing import played_rates

__all__ = ["pairing_study"]


def pairing_study(
    num_pairs: Sequence[int],
    densities_per_km2: Sequence[float],
    networks_per_density: int,
    f_min: float,
    radio: RadioConfig,
    evaluation: EvaluationConfig,
    *,
    rules: Sequence[str] = PAIRING_RULES,
    seed: int = 0,
    exact_max_pairs: int | None = EXACT_MAX_PAIRS,
) -> list[dict]:
    """One row per (N, rule): the stronger-interferer share and full power's exact "mean", "p5" and
    "feasible_fraction" (aggregated as ``evaluation`` says) on ``networks_per_density`` drops per density,
    the same drops for every rule (seeded with ``seed``). Above ``exact_max_pairs`` pairs (None: never) the
    rates keep each receiver's ``MEAN_FIELD_INTERFERERS`` strongest interferers exact, the rest by their mean
    field, as the other studies do."""
    for rule in rules:
        check_choice("rules", rule, PAIRING_RULES)
    rows = []
    for n in num_pairs:
        for rule in rules:
            gains = drop_at_densities(networks_per_density, n, densities_per_km2, seed=seed, pairing=rule)
            k = MEAN_FIELD_INTERFERERS if exact_max_pairs is not None and n > exact_max_pairs else None
            rates = played_rates(gains, full_power(gains, radio), radio, evaluation, interferers=k)
            fp = rate_metrics(rates, f_min, aggregate=evaluation.aggregate)
            rows.append(
                {
                    "num_pairs": n,
                    "pairing": rule,
                    "stronger_interferer_share": stronger_interferer_share(gains),
                    "fp_mean": fp["mean"],
                    "fp_p5": fp["p5"],
                    "fp_feasible_fraction": fp["feasible_fraction"],
                }
            )
    return rows
