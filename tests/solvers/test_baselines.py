import numpy as np
import pytest
import torch

from gsdiff.config import DropConfig, RadioConfig
from gsdiff.solvers.baselines import average_power, full_power, random_levels, wmmse, wmmse_sum_rate_history
from gsdiff.wireless.channel import drop_networks
from gsdiff.wireless.rates import ergodic_rates_exact

RADIO = RadioConfig()
P = RADIO.max_power_w


def np_wmmse(gains: np.ndarray, noise: float, p_max: float, num_iters: int) -> np.ndarray:
    """Shi et al. (2011), SISO interference channel, explicit loops; g[j, i] from tx j to rx i. Powers [N]."""
    n = gains.shape[0]
    h = np.sqrt(np.diag(gains))
    v = np.full(n, np.sqrt(p_max))
    for _ in range(num_iters):
        u, w = np.zeros(n), np.zeros(n)
        for i in range(n):
            u[i] = h[i] * v[i] / (noise + sum(gains[j, i] * v[j] ** 2 for j in range(n)))
            w[i] = 1 / (1 - u[i] * h[i] * v[i])
        v = np.array(
            [
                np.clip(
                    w[i] * u[i] * h[i] / sum(w[k] * u[k] ** 2 * gains[i, k] for k in range(n)),
                    0,
                    np.sqrt(p_max),
                )
                for i in range(n)
            ]
        )
    return v**2


@pytest.fixture
def dense(seed):
    return drop_networks(6, DropConfig(num_pairs=30, density_per_km2=11.9), seed=seed, dtype=torch.float64)


def test_full_power(rng):
    gains = torch.tensor(rng.uniform(0, 1e-8, size=(2, 3, 5, 5)), dtype=torch.float32)
    fp = full_power(gains, RadioConfig())
    assert fp.shape == (2, 3, 5) and fp.dtype == torch.float32
    np.testing.assert_allclose(fp.numpy(), 0.01, rtol=1e-7)
    assert full_power(gains, RadioConfig(max_power_dbm=20.0)).max().item() == pytest.approx(0.1)
    with pytest.raises(ValueError, match="gains must be >= 0"):
        full_power(-gains, RadioConfig())


def test_average_power(rng):
    samples = rng.uniform(0, P, size=(3, 7, 4))
    np.testing.assert_allclose(average_power(torch.tensor(samples)).numpy(), samples.mean(axis=1))
    with pytest.raises(ValueError, match=r"samples_w must have shape \[B, S, N\], got \(3, 4\)"):
        average_power(torch.zeros(3, 4))


@pytest.mark.parametrize("num_iters", [0, 1, 3, 20])
def test_wmmse_matches_numpy_shi(dense, num_iters):
    gains = dense.gains[:2, :8, :8]
    got = wmmse(gains, RADIO, num_iters=num_iters)
    assert got.shape == (2, 8)
    for b in range(2):
        expected = np_wmmse(gains[b].numpy(), RADIO.noise_w, P, num_iters)
        np.testing.assert_allclose(got[b].numpy(), expected, rtol=1e-9, atol=1e-15)
    if num_iters == 0:
        np.testing.assert_allclose(got.numpy(), P)


def test_wmmse_hand_single_link():
    """One isolated link (no interference): WMMSE keeps full power, the sum-rate maximizer."""
    gains = torch.tensor([[[1e-8, 0.0], [0.0, 2e-8]]], dtype=torch.float64)
    np.testing.assert_allclose(wmmse(gains, RADIO, num_iters=5).numpy(), P, rtol=1e-12)


def test_wmmse_monotone_and_within_budget(dense, np_rates):
    history = wmmse_sum_rate_history(dense.gains, RADIO, num_iters=60)
    assert history.shape == (61, 6) and history.dtype == torch.float64
    assert bool((history.diff(dim=0) >= -1e-9).all())
    assert bool((history[-1] > history[0]).all())  # dense networks: switching some users off helps
    # First entry: full power; last: the returned powers, both by the NumPy rate reference.
    g = dense.gains.numpy()
    np.testing.assert_allclose(history[0].numpy(), np_rates(np.full((6, 30), P), g, RADIO.noise_w).sum(-1))
    power = wmmse(dense.gains, RADIO, num_iters=60)
    assert bool((power >= 0).all()) and bool((power <= P * (1 + 1e-12)).all())
    np.testing.assert_allclose(
        history[-1].numpy(), np_rates(power.numpy(), g, RADIO.noise_w).sum(-1), rtol=1e-9
    )


def test_wmmse_beats_full_power_ergodic(dense):
    """On dense, interference-limited networks WMMSE's ergodic sum rate is above full power's on average."""
    power = wmmse(dense.gains, RADIO)
    wmmse_rate = ergodic_rates_exact(dense.gains, power, RADIO.noise_w).sum(-1)
    full_rate = ergodic_rates_exact(dense.gains, full_power(dense.gains, RADIO), RADIO.noise_w).sum(-1)
    assert wmmse_rate.mean().item() > 1.05 * full_rate.mean().item()
    assert (wmmse_rate > full_rate).float().mean().item() >= 0.5


def test_wmmse_bad_iters(dense):
    with pytest.raises(ValueError, match=r"num_iters must be an integer >= 0, got -1"):
        wmmse(dense.gains, RADIO, num_iters=-1)
    with pytest.raises(ValueError, match="gains must be finite"):
        wmmse(torch.full((1, 2, 2), float("nan")), RADIO)


def test_random_levels_are_uniform_on_the_grid(generator):
    gains = torch.ones(3, 4, 4, dtype=torch.float64)
    x = random_levels(gains, 2000, 5, RadioConfig(), generator=generator)
    assert x.shape == (3, 2000, 4) and x.dtype == torch.float64
    level = x / RadioConfig().max_power_w * 4
    torch.testing.assert_close(level, level.round())
    counts = torch.bincount(level.round().long().flatten(), minlength=5).double() / level.numel()
    torch.testing.assert_close(counts, torch.full((5,), 0.2, dtype=torch.float64), atol=0.01, rtol=0)


@pytest.mark.parametrize(
    ("num_samples", "num_levels", "match"), [(0, 5, "num_samples"), (3, 1, "num_levels")]
)
def test_random_levels_bad_input(num_samples, num_levels, match):
    with pytest.raises(ValueError, match=match):
        random_levels(torch.ones(1, 2, 2), num_samples, num_levels, RADIO)
