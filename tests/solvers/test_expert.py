"""The primal-dual expert: dual step, exact move values, feasibility and optimality on tiny networks."""

import itertools

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

from gsdiff.config import ExpertConfig, RadioConfig
from gsdiff.solvers import LevelLagrangian, dual_step, run_expert
from gsdiff.wireless.rates import ergodic_rates_exact
from gsdiff.wireless.time_sharing import asymptotic_rates

RADIO = RadioConfig()
P = RADIO.max_power_w


def test_dual_step_hand_worked():
    mu = torch.tensor([0.0, 1.0, 2.0, 0.0])
    rates = torch.tensor([0.5, 0.9, 0.2, 3.0])
    # mu - 2 (r - 0.6 - 0.1): [0.4, 0.6, 3.0, -4.6 -> 0]
    out = dual_step(mu, rates, 0.6, step=2.0, margin=0.1)
    assert torch.allclose(out, torch.tensor([0.4, 0.6, 3.0, 0.0]))


def _random_gains(b, n, generator):
    direct = 10 ** (-7 - torch.rand(b, n, generator=generator, dtype=torch.float64))
    cross = 10 ** (-8.5 - 1.5 * torch.rand(b, n, n, generator=generator, dtype=torch.float64))
    return cross * (1 - torch.eye(n, dtype=torch.float64)) + torch.diag_embed(direct)


def test_level_rates_match_exact_quadrature(generator):
    gains = _random_gains(3, 6, generator)
    lagrangian = LevelLagrangian(gains, RADIO, num_levels=5, quadrature_nodes=48)
    level = torch.randint(0, 5, (3, 6), generator=generator)
    expected = ergodic_rates_exact(gains, lagrangian.levels_w[level], RADIO.noise_w, quadrature_nodes=400)
    assert torch.allclose(lagrangian.rates(level), expected, atol=1e-5)


def test_move_values_match_brute_force(generator):
    """The value of every single-user move equals re-evaluating the weighted sum rate from scratch."""
    b, n, num_levels = 2, 5, 4
    gains = _random_gains(b, n, generator)
    lagrangian = LevelLagrangian(gains, RADIO, num_levels=num_levels, quadrature_nodes=48)
    level = torch.randint(0, num_levels, (b, n), generator=generator)
    weight = 1 + 5 * torch.rand(b, n, generator=generator, dtype=torch.float64)
    values, rates = lagrangian.move_values(level, weight)
    base = (weight * rates).sum(-1)
    for j, lev in itertools.product(range(n), range(num_levels)):
        moved = level.clone()
        moved[:, j] = lev
        expected = (weight * lagrangian.rates(moved)).sum(-1) - base
        assert torch.allclose(values[:, j, lev], expected, atol=1e-9), (j, lev)


def _lp_optimum(rate_points: np.ndarray, f_min: float) -> float:
    """Best mean rate of a time-sharing of allocations with rate vectors [M, N], every rate >= f_min."""
    m, n = rate_points.shape
    result = linprog(
        c=-rate_points.mean(1),
        A_ub=-rate_points.T,
        b_ub=-np.full(n, f_min),
        A_eq=np.ones((1, m)),
        b_eq=[1.0],
        bounds=[(0, None)] * m,
    )
    assert result.status == 0
    return -result.fun


@pytest.mark.parametrize("num_pairs", [2, 3, 4])
def test_feasible_and_near_optimal_on_tiny_networks(num_pairs):
    """Against the exact best time-sharing over the expert's own power levels (an LP over all combos)."""
    f_min, num_levels = 1.0, ExpertConfig().num_levels
    direct, cross = 1e-7, 3e-7  # every interferer is 5 dB above the direct link: users must take turns
    gains = torch.full((1, num_pairs, num_pairs), cross, dtype=torch.float64)
    gains[0].fill_diagonal_(direct)
    config = ExpertConfig(num_iterations=3000, burn_in=1000, num_samples=400, margin=0.02)
    result = run_expert(gains, f_min, RADIO, config, seed=0)
    rates = asymptotic_rates(gains, result.samples_w, RADIO)[0]
    levels = torch.linspace(0, P, num_levels, dtype=torch.float64)
    grid = torch.cartesian_prod(*[levels] * num_pairs).reshape(-1, num_pairs)
    grid_rates = ergodic_rates_exact(gains[0], grid, RADIO.noise_w).numpy()
    optimum = _lp_optimum(grid_rates, f_min)
    assert rates.min() >= f_min - 0.01
    assert rates.mean() >= 0.98 * optimum
    # No deterministic allocation on the grid is feasible at all: the expert must randomize.
    assert not (grid_rates >= f_min).all(1).any()


def test_complementary_slackness():
    """Steady state: slack users keep lambda = 0; the tight user carries the multiplier.

    Users 0 and 1 drown each other (cross gain 3x / 0.3x the direct gains) and must take turns; user 1's link
    is 10 dB stronger, so the optimum serves user 0 just enough (f_min = 4) and user 1 the rest; users 2 and 3
    are isolated, far above f_min.
    """
    gains = torch.zeros(1, 4, 4, dtype=torch.float64)
    gains[0, 0, 0], gains[0, 1, 1], gains[0, 2, 2], gains[0, 3, 3] = 1e-7, 1e-6, 1e-7, 1e-8
    gains[0, 0, 1] = gains[0, 1, 0] = 3e-7
    f_min = 4.0
    config = ExpertConfig(num_iterations=3000, burn_in=1000, num_samples=100, record_every=1)
    result = run_expert(gains, f_min, RADIO, config, seed=1)
    late = result.iterations >= config.burn_in
    rate = result.rates[late].mean(0)[0]
    zero_dual = (result.duals[late] == 0).double().mean(0)[0]  # share of late iterations with lambda_i = 0
    assert (rate[1:] > f_min + 2).all() and (zero_dual[1:] > 0.99).all()
    assert abs(rate[0] - f_min - config.margin) < 0.5 and result.duals[late].mean(0)[0, 0] > 0.01


def test_seeded_determinism(generator):
    gains = _random_gains(2, 6, generator).float()
    config = ExpertConfig(num_iterations=60, burn_in=20, num_samples=10)
    a = run_expert(gains, 0.6, RADIO, config, seed=3)
    b = run_expert(gains, 0.6, RADIO, config, seed=3)
    c = run_expert(gains, 0.6, RADIO, config, seed=4)
    assert torch.equal(a.samples_w, b.samples_w)
    assert not torch.equal(a.samples_w, c.samples_w)
    assert a.samples_w.shape == (2, 10, 6)
    assert a.samples_w.min() >= 0 and a.samples_w.max() <= P


def test_chunked_run_has_the_same_shapes(generator):
    gains = _random_gains(3, 6, generator).float()
    config = ExpertConfig(num_iterations=40, burn_in=10, num_samples=5, memory_mb=1e-3)
    result = run_expert(gains, torch.tensor([0.4, 0.5, 0.6]), RADIO, config, seed=0)
    assert result.samples_w.shape == (3, 5, 6)
    assert result.duals.shape[1:] == (3, 6)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"num_samples": 300, "num_iterations": 400, "burn_in": 200}, "num_samples"),
        ({"dual_step": 0.0}, "dual_step"),
        ({"dual_step": -1.0}, "dual_step"),
        ({"margin": -0.1}, "margin"),
        ({"move_probability": 0.0}, "move_probability"),
        ({"move_probability": 1.5}, "move_probability"),
        ({"num_levels": 1}, "num_levels"),
        ({"dual_rates": "mc"}, "dual_rates"),
        ({"coupling_db": float("nan")}, "coupling_db"),
        ({"rate_averaging": 0.0}, "rate_averaging"),
    ],
)
def test_config_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ExpertConfig(**kwargs)


def test_input_errors(generator):
    gains = _random_gains(2, 4, generator)
    config = ExpertConfig(num_iterations=10, burn_in=0, num_samples=2)
    with pytest.raises(ValueError, match=r"f_min must be finite and >= 0.*-0.5"):
        run_expert(gains, -0.5, RADIO, config)
    with pytest.raises(ValueError, match="one value per network"):
        run_expert(gains, torch.tensor([0.1, 0.2, 0.3]), RADIO, config)
    with pytest.raises(ValueError, match="gains"):
        run_expert(gains[0], 0.5, RADIO, config)


def test_swap_values_match_brute_force(generator):
    """Moving user i to level l while its strongest interferer switches off, re-evaluated from scratch."""
    b, n, num_levels = 2, 5, 4
    gains = _random_gains(b, n, generator)
    lagrangian = LevelLagrangian(gains, RADIO, num_levels=num_levels, quadrature_nodes=48)
    level = torch.randint(0, num_levels, (b, n), generator=generator)
    weight = 1 + 5 * torch.rand(b, n, generator=generator, dtype=torch.float64)
    values = lagrangian.swap_values(level, weight)
    base = (weight * lagrangian.rates(level)).sum(-1)
    power = lagrangian.levels_w[level]  # [B, N]
    strongest = (power[..., None] * gains * (1 - torch.eye(n, dtype=gains.dtype))).argmax(1)  # [B, N] j*(i)
    for i, lev in itertools.product(range(n), range(num_levels)):
        for k in range(b):
            moved = level[k].clone()
            moved[strongest[k, i]] = 0
            moved[i] = lev
            expected = (weight[k] * lagrangian.rates(moved[None].expand(b, n))[k]).sum() - base[k]
            assert torch.allclose(values[k, i, lev], expected, atol=1e-9), (k, i, lev)
