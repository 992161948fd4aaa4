import math

import numpy as np
import pytest
import torch

from gsdiff.config import RadioConfig
from gsdiff.wireless.rates import ergodic_rates_exact, instantaneous_rates, received_powers, sinr

NOISE = RadioConfig().noise_w


def random_gains(rng, shape, n):
    """Gains with a realistic spread: direct links ~ -60..-80 dB, cross links -80..-130 dB."""
    gains = 10 ** rng.uniform(-13, -8, size=(*shape, n, n))
    idx = np.arange(n)
    gains[..., idx, idx] = 10 ** rng.uniform(-8, -6, size=(*shape, n))
    return gains


def test_instantaneous_rates_match_reference(rng, np_rates):
    gains = random_gains(rng, (3,), 5)
    power = rng.uniform(0, 0.01, size=(3, 5))
    got = instantaneous_rates(torch.tensor(gains), torch.tensor(power), NOISE)
    np.testing.assert_allclose(got.numpy(), np_rates(power, gains, NOISE), rtol=1e-12)


def test_broadcast_leading_dimensions(rng, np_rates):
    gains = random_gains(rng, (3,), 4)  # [B, N, N]
    power = rng.uniform(0, 0.01, size=(6, 3, 4))  # [T, B, N]
    fading = rng.exponential(size=(6, 3, 4, 4))
    got = instantaneous_rates(torch.tensor(gains), torch.tensor(power), NOISE, torch.tensor(fading))
    assert got.shape == (6, 3, 4)
    np.testing.assert_allclose(got.numpy(), np_rates(power, gains * fading, NOISE), rtol=1e-12)
    # One allocation [N] against a batch of networks [B, N, N].
    got = instantaneous_rates(torch.tensor(gains), torch.tensor(power[0, 0]), NOISE)
    assert got.shape == (3, 4)
    np.testing.assert_allclose(got.numpy(), np_rates(power[0, 0], gains, NOISE), rtol=1e-12)


def test_hand_worked_two_users():
    # g = [[g00, g01], [g10, g11]] (row = tx j, column = rx i); noise 1.
    gains = torch.tensor([[3.0, 1.0], [2.0, 4.0]], dtype=torch.float64)
    power = torch.tensor([1.0, 0.5], dtype=torch.float64)
    # rx 0: S = 1 * 3, I = 0.5 * g10 = 1 -> SINR 3 / 2; rx 1: S = 0.5 * 4 = 2, I = 1 * g01 = 1 -> SINR 1.
    np.testing.assert_allclose(sinr(gains, power, 1.0).numpy(), [1.5, 1.0])
    np.testing.assert_allclose(instantaneous_rates(gains, power, 1.0).numpy(), [math.log2(2.5), 1.0])
    signal, interference = received_powers(gains, power)
    np.testing.assert_allclose(signal.numpy(), [3.0, 2.0])
    np.testing.assert_allclose(interference.numpy(), [1.0, 1.0])


def test_sinr_with_one_user_off(rng):
    gains = random_gains(rng, (), 4)
    power = np.full(4, 0.01)
    power[2] = 0.0
    got = sinr(torch.tensor(gains), torch.tensor(power), NOISE).numpy()
    assert got[2] == 0.0
    for i in (0, 1, 3):
        others = [j for j in (0, 1, 3) if j != i]  # user 2 adds no interference
        expected = 0.01 * gains[i, i] / (NOISE + sum(0.01 * gains[j, i] for j in others))
        assert got[i] == pytest.approx(expected, rel=1e-12)


def test_interference_never_negative_in_float32():
    gains = torch.tensor([[1e3, 1e-12, 1e-12], [1e-12, 1e3, 1e-12], [1e-12, 1e-12, 1e3]])
    _, interference = received_powers(gains, torch.ones(3))
    assert bool((interference > 0).all())
    np.testing.assert_allclose(interference.numpy(), 2e-12, rtol=1e-5)


@pytest.mark.parametrize("snr", [0.1, 1.0, 10.0, 1e3, 1e6])
def test_single_user_closed_form(snr, single_user_rate):
    """No interference: E[log2(1 + snr X)] = e^{1/snr} E1(1/snr) / ln 2 with X ~ Exp(1)."""
    g = snr * NOISE / 0.01
    gains = torch.tensor([[g, 1e-9], [1e-9, g]], dtype=torch.float64)
    power = torch.tensor([0.01, 0.0], dtype=torch.float64)  # user 1 off: no interference at user 0
    got = ergodic_rates_exact(gains, power, NOISE)
    assert got[0].item() == pytest.approx(single_user_rate(snr), rel=1e-6, abs=2e-6)
    assert got[1].item() == 0.0


def test_exact_matches_monte_carlo(rng, np_rates):
    n = 3
    gains = random_gains(rng, (2,), n)
    gains[..., ~np.eye(n, dtype=bool)] *= 100  # strong interference so it matters
    power = rng.uniform(0.002, 0.01, size=(2, n))
    exact = ergodic_rates_exact(torch.tensor(gains), torch.tensor(power), NOISE).numpy()
    draws = 200_000
    fading = rng.exponential(size=(draws, 2, n, n))
    mc = np_rates(power, gains * fading, NOISE)  # [draws, 2, n]
    se = mc.std(0) / math.sqrt(draws)
    assert (np.abs(exact - mc.mean(0)) < 4 * se).all(), (exact, mc.mean(0), se)


def test_exact_broadcasts_like_instantaneous(rng):
    gains = torch.tensor(random_gains(rng, (3,), 4))
    power = torch.tensor(rng.uniform(0, 0.01, size=(5, 3, 4)))
    batched = ergodic_rates_exact(gains, power, NOISE)
    assert batched.shape == (5, 3, 4)
    for t in range(5):
        for b in range(3):
            np.testing.assert_allclose(
                batched[t, b].numpy(), ergodic_rates_exact(gains[b], power[t, b], NOISE).numpy(), rtol=1e-12
            )


def test_quadrature_converges(rng):
    gains = torch.tensor(random_gains(rng, (4,), 6))
    power = torch.tensor(rng.uniform(0, 0.01, size=(4, 6)))
    coarse = ergodic_rates_exact(gains, power, NOISE, quadrature_nodes=48)
    fine = ergodic_rates_exact(gains, power, NOISE, quadrature_nodes=2000)
    np.testing.assert_allclose(coarse.numpy(), fine.numpy(), atol=1e-6)


def test_exact_below_log_of_mean_sinr(rng):
    """Jensen and monotonicity: 0 < E[log2(1 + SINR)] < log2(1 + S / sigma) (interference only hurts)."""
    gains = torch.tensor(random_gains(rng, (4,), 5))
    power = torch.tensor(rng.uniform(0.001, 0.01, size=(4, 5)))
    exact = ergodic_rates_exact(gains, power, NOISE)
    signal, _ = received_powers(gains, power)
    assert bool((exact < torch.log2(1 + signal / NOISE)).all())
    assert bool((exact > 0).all())


def test_zero_power_gives_zero_rate(rng):
    gains = torch.tensor(random_gains(rng, (2,), 4))
    zero = ergodic_rates_exact(gains, torch.zeros(2, 4, dtype=torch.float64), NOISE)
    assert torch.equal(zero, torch.zeros(2, 4, dtype=torch.float64))
    assert torch.equal(instantaneous_rates(gains, torch.zeros(2, 4, dtype=torch.float64), NOISE), zero)
    power = torch.full((2, 4), 0.01, dtype=torch.float64)
    power[:, 1] = 0.0
    rates = ergodic_rates_exact(gains, power, NOISE)
    assert bool((rates[:, 1] == 0).all()) and bool((rates[:, [0, 2, 3]] > 0).all())


def test_gradcheck():
    """Differentiable in powers and gains (float64, normalized units so finite differences are meaningful)."""
    gains = torch.tensor(
        [[2.0, 0.3, 0.5], [0.4, 1.5, 0.2], [0.1, 0.6, 3.0]], dtype=torch.float64, requires_grad=True
    )
    power = torch.tensor([0.7, 1.2, 0.4], dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda x, g: ergodic_rates_exact(g, x, 0.5, quadrature_nodes=200), (power, gains)
    )


def test_gradient_at_zero_power_is_the_one_sided_derivative(exp_e1):
    """A switched-off user sees its (positive) marginal rate, so gradient ascent can switch it back on."""
    gains = torch.tensor([[2.0, 0.3], [0.4, 1.5]], dtype=torch.float64)
    power = torch.tensor([0.0, 1.0], dtype=torch.float64, requires_grad=True)
    ergodic_rates_exact(gains, power, 0.5)[0].backward()
    h = 1e-7
    one_sided = ergodic_rates_exact(gains, torch.tensor([h, 1.0], dtype=torch.float64), 0.5)[0].item() / h
    assert one_sided > 0
    assert power.grad[0].item() == pytest.approx(one_sided, rel=1e-4)
    # Closed form at x_0 = 0: d/dx E[log2(1 + x g00 X / (sigma + g10 Y))] = g00 E[1 / (sigma + g10 Y)] / ln 2,
    # with E[1 / (sigma + c Y)] = e^{sigma/c} E1(sigma/c) / c for Y ~ Exp(1).
    expected = 2.0 * exp_e1(0.5 / 0.4) / 0.4 / math.log(2)
    assert power.grad[0].item() == pytest.approx(expected, rel=1e-5)


def test_exact_rates_in_blocks_of_receivers_are_the_same(generator):
    """Bounded memory: the quadrature over blocks of receivers gives the unblocked rates."""
    from gsdiff.wireless import ergodic_rates_exact

    gains = torch.rand(2, 9, 9, generator=generator, dtype=torch.float64) * 1e-9 + torch.eye(9) * 1e-7
    power = torch.rand(2, 3, 9, generator=generator, dtype=torch.float64) * 0.01
    whole = ergodic_rates_exact(gains[:, None], power, 1e-13)
    blocks = ergodic_rates_exact(gains[:, None], power, 1e-13, max_elements=2 * 3 * 48 * 9 * 2)  # 2 receivers
    assert torch.allclose(blocks, whole, rtol=1e-13, atol=0)


def test_mean_field_rates(generator):
    """Every interferer kept: exact; weak ones by their mean field: within 1e-3 (second order)."""
    from gsdiff.wireless import ergodic_rates_exact, ergodic_rates_mean_field

    n = 10
    direct = torch.eye(n, dtype=torch.float64) * 1e-7
    strong = torch.rand(2, n, n, generator=generator, dtype=torch.float64) * 2e-9
    keep = torch.zeros_like(strong, dtype=torch.bool).scatter_(1, strong.topk(3, dim=1).indices, True)
    gains = torch.where(keep, strong, 1e-3 * strong) * (1 - torch.eye(n, dtype=torch.float64)) + direct
    power = torch.rand(2, 4, n, generator=generator, dtype=torch.float64) * 0.01
    exact = ergodic_rates_exact(gains[:, None], power, 8e-14)
    assert torch.allclose(ergodic_rates_mean_field(gains, power, 8e-14, n - 1), exact, rtol=1e-12, atol=1e-14)
    assert (ergodic_rates_mean_field(gains, power, 8e-14, 3) - exact).abs().max() < 1e-3
    assert ergodic_rates_mean_field(gains, power[:, 0], 8e-14, 3).shape == (2, n)
