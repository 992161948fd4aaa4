import numpy as np
import pytest
import torch
from scipy.optimize import linprog

from gsdiff.config import DropConfig, DualTimeSharingConfig, EvaluationConfig, RadioConfig
from gsdiff.solvers.dual_time_sharing import dual_picks, dual_time_sharing
from gsdiff.wireless.channel import drop_networks
from gsdiff.wireless.rates import ergodic_rates_exact
from gsdiff.wireless.time_sharing import sample_rates

RADIO = RadioConfig()
LONG = DualTimeSharingConfig(margin=0.0, burn_in=2000)


def lp_time_sharing(rates: np.ndarray, f_min: float) -> float:
    """Optimal mean rate of time-sharing the pool [S, N]: max_w mean(w R) s.t. w R >= f_min, w in the
    simplex."""
    s, n = rates.shape
    a_eq, b_eq = np.ones((1, s)), [1.0]
    result = linprog(
        -rates.mean(1), A_ub=-rates.T, b_ub=-np.full(n, f_min), A_eq=a_eq, b_eq=b_eq, bounds=(0, 1)
    )
    assert result.status == 0
    return -result.fun


def max_min_rate(rates: np.ndarray) -> float:
    """The largest requirement a time-sharing of the pool [S, N] meets for every user: max t s.t. w R >= t."""
    s, n = rates.shape
    c = np.r_[np.zeros(s), -1.0]
    a_ub = np.c_[-rates.T, np.ones(n)]
    a_eq = np.r_[np.ones(s), 0.0][None]
    bounds = [(0, 1)] * s + [(None, None)]
    result = linprog(c, A_ub=a_ub, b_ub=np.zeros(n), A_eq=a_eq, b_eq=[1.0], bounds=bounds)
    assert result.status == 0
    return -result.fun


def small_networks(seed: int) -> torch.Tensor:
    drop = DropConfig(num_pairs=5, density_per_km2=10.1)
    return drop_networks(2, drop, seed=seed, dtype=torch.float64).gains


def test_two_users_take_turns_as_the_lp_says():
    """Hand-worked: sample A serves user 1 at 2, sample B user 2 at 1; f_min = 0.25 needs B a quarter of the
    time (w_A = 0.75, mean 0.875), and nothing more, since A has the larger sum."""
    rates = torch.tensor([[[2.0, 0.0], [0.0, 1.0]]], dtype=torch.float64)
    picks = dual_picks(rates, 0.25, 4000, LONG)
    share_a = (picks == 0).double().mean().item()
    assert share_a == pytest.approx(0.75, abs=0.01)
    played = rates[0, picks[0]].mean(0)
    assert played[1].item() == pytest.approx(0.25, abs=0.01)


def test_a_sample_that_meets_every_requirement_and_has_the_largest_mean_is_always_played():
    # Sample 1 (mean 1.0) meets f_min + margin = 0.6 for all; sample 0 has mean 0.97 and starves two users.
    rates = torch.tensor([[[2.9, 0.0, 0.0], [1.0, 1.0, 1.0], [0.5, 0.5, 0.6]]], dtype=torch.float64)
    picks = dual_picks(rates, 0.5, 50, DualTimeSharingConfig(margin=0.1))
    assert bool((picks == 1).all())


def test_approaches_the_lp_optimum_of_time_sharing_the_pool(rng):
    """Random pools [B, S, N] with a requirement at 70% of the best achievable minimum rate: the played rates
    meet it and their mean is the LP optimum, to within the dual iterations' oscillation."""
    rates = rng.uniform(0.0, 3.0, size=(3, 12, 6)) * (rng.uniform(size=(3, 12, 6)) < 0.6)
    f = np.array([0.7 * max_min_rate(r) for r in rates])
    picks = dual_picks(torch.from_numpy(rates), torch.from_numpy(f), 6000, LONG).numpy()
    for b in range(3):
        played = rates[b, picks[b]].mean(0)  # [N]
        assert played.min() >= f[b] - 0.02
        assert played.mean() == pytest.approx(lp_time_sharing(rates[b], f[b]), abs=0.02)


def test_margin_raises_the_target():
    rates = torch.tensor([[[2.0, 0.0], [0.0, 1.0]]], dtype=torch.float64)
    picks = dual_picks(rates, 0.25, 4000, DualTimeSharingConfig(margin=0.15, burn_in=2000))
    assert rates[0, picks[0], 1].mean().item() == pytest.approx(0.4, abs=0.01)


def test_sample_rates_are_the_exact_rates_of_each_sample(seed, generator):
    gains = small_networks(seed)
    pool = torch.rand(2, 7, 5, generator=generator, dtype=torch.float64) * RADIO.max_power_w
    got = sample_rates(gains, pool, RADIO, quadrature_nodes=32)
    for k in range(7):
        expected = ergodic_rates_exact(gains, pool[:, k], RADIO.noise_w, quadrature_nodes=32)
        torch.testing.assert_close(got[:, k], expected)


def test_dual_time_sharing_plays_pool_samples_one_per_window(seed, generator):
    gains = small_networks(seed)
    pool = torch.rand(2, 9, 5, generator=generator, dtype=torch.float64) * RADIO.max_power_w
    evaluation = EvaluationConfig(num_slots=52, window_slots=5)
    config = DualTimeSharingConfig()
    played = dual_time_sharing(gains, pool, 0.3, RADIO, evaluation, config)
    assert played.shape == (2, evaluation.num_windows, 5)
    rates = sample_rates(gains, pool, RADIO)
    picks = dual_picks(rates, 0.3, evaluation.num_windows, config)
    torch.testing.assert_close(played, pool[torch.arange(2)[:, None], picks])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rates": torch.ones(2, 3)}, "rates must be a floating-point tensor"),
        ({"rates": torch.full((1, 2, 2), float("nan"))}, "rates must be finite"),
        ({"f_min": -0.1}, "f_min must be finite and >= 0"),
        ({"f_min": torch.tensor([0.1, 0.2, 0.3])}, "one value per network"),
        ({"num_windows": 0}, "num_windows must be an integer >= 1"),
    ],
)
def test_bad_input_is_named(kwargs, match):
    args = {
        "rates": torch.ones(2, 3, 4),
        "f_min": 0.5,
        "num_windows": 5,
        "config": DualTimeSharingConfig(),
    } | kwargs
    with pytest.raises(ValueError, match=match):
        dual_picks(**args)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("margin", -0.1, "margin must be finite and >= 0"),
        ("dual_step", 0.0, "dual_step must be a finite number > 0"),
        ("rate_averaging", 1.5, "rate_averaging must lie in"),
        ("burn_in", -1, "burn_in must be an integer >= 0"),
        ("quadrature_nodes", 1, "quadrature_nodes must be an integer >= 2"),
    ],
)
def test_config_is_validated(field, value, match):
    with pytest.raises(ValueError, match=match):
        DualTimeSharingConfig(**{field: value})
