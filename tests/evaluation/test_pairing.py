"""pairing_study: the pairing rules on the same drops, full power scored exactly."""

import numpy as np
import pytest

from gsdiff.config import EvaluationConfig, RadioConfig
from gsdiff.evaluation import pairing_study
from gsdiff.wireless.channel import drop_at_densities
from gsdiff.wireless.rates import ergodic_rates_exact

RADIO = RadioConfig()
DENSITIES = (10.0, 20.0)


def test_rows_score_full_power_on_the_rules_own_drops() -> None:
    rows = pairing_study([6], DENSITIES, 2, 0.6, RADIO, EvaluationConfig(aggregate="pooled"), seed=3)
    assert [(r["num_pairs"], r["pairing"]) for r in rows] == [(6, "as_dropped"), (6, "strongest")]
    for row in rows:
        gains = drop_at_densities(2, 6, DENSITIES, seed=3, pairing=row["pairing"]).double()
        power = RADIO.max_power_w * np.ones(gains.shape[:2])
        rates = ergodic_rates_exact(gains, gains.new_tensor(power), RADIO.noise_w).numpy().ravel()
        direct = np.diagonal(gains.numpy(), axis1=-2, axis2=-1)
        others = gains.numpy() * (1 - np.eye(6))
        assert row["stronger_interferer_share"] == pytest.approx((others.max(-2) > direct).mean())
        assert row["fp_mean"] == pytest.approx(rates.mean(), rel=1e-4)
        assert row["fp_p5"] == pytest.approx(np.percentile(rates, 5), rel=1e-4)
        assert row["fp_feasible_fraction"] == pytest.approx((rates >= 0.6).mean())


def test_strongest_pairing_lowers_the_stronger_interferer_share() -> None:
    rows = pairing_study([30], DENSITIES, 4, 0.6, RADIO, EvaluationConfig(), seed=0)
    share = {r["pairing"]: r["stronger_interferer_share"] for r in rows}
    assert share["strongest"] < share["as_dropped"]


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="rules must be one of 'as_dropped', 'strongest'; got 'nearest'"):
        pairing_study([6], DENSITIES, 1, 0.6, RADIO, EvaluationConfig(), rules=("nearest",))
