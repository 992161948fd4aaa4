import math

import numpy as np
import pytest
import torch

from gsdiff.config import EvaluationConfig
from gsdiff.wireless.fading import RayleighFading, jakes_correlation


def bessel_j0_series(x: float) -> float:
    """J0(x) = sum_k (-1)^k (x/2)^{2k} / (k!)^2."""
    total, term, k = 1.0, 1.0, 0
    while abs(term) > 1e-18 or k < 5:
        k += 1
        term *= -((x / 2) ** 2) / k**2
        total += term
    return total


@pytest.mark.parametrize(
    ("doppler", "slot"), [(8.0, 0.01), (1.0, 0.01), (20.0, 0.01), (8.0, 0.05), (50.0, 0.01)]
)
def test_jakes_correlation_matches_series(doppler, slot):
    assert jakes_correlation(doppler, slot) == pytest.approx(
        bessel_j0_series(2 * math.pi * doppler * slot), abs=1e-9
    )


def test_jakes_correlation_hand_value():
    # 1 m/s at 2.4 GHz: f_D = 8 Hz, T = 10 ms: x = 0.1602 pi = 0.5027,
    # J0 ~ 1 - x^2/4 + x^4/64 - x^6/2304 = 0.93783.
    assert jakes_correlation(8.0, 0.01) == pytest.approx(0.93783, abs=2e-5)


def test_iid_statistics(generator):
    fading = RayleighFading((50, 40), EvaluationConfig(fading="iid"), generator, dtype=torch.float64)
    h = fading.draw(100).numpy()  # [T, 50, 40]: 200,000 draws
    assert h.shape == (100, 50, 40)
    assert fading.rho == 0.0
    assert (h >= 0).all()
    n = h.size
    assert abs(h.mean() - 1) < 5 / math.sqrt(n)
    assert h.var() == pytest.approx(1.0, abs=0.03)  # Exp(1): variance 1
    assert (h > 1).mean() == pytest.approx(math.exp(-1), abs=0.005)
    lag1 = np.corrcoef(h[:-1].ravel(), h[1:].ravel())[0, 1]
    assert abs(lag1) < 5 / math.sqrt(n)
    # A second call draws fresh values.
    assert not np.allclose(fading.draw(1).numpy(), h[-1])


def test_jakes_statistics(generator):
    evaluation = EvaluationConfig(fading="jakes", doppler_hz=8.0, slot_s=0.01)
    fading = RayleighFading((2000,), evaluation, generator, dtype=torch.float64)
    rho = bessel_j0_series(2 * math.pi * 8.0 * 0.01)
    assert fading.rho == pytest.approx(rho, abs=1e-12)
    h = np.concatenate(
        [fading.draw(150).numpy(), fading.draw(150).numpy()]
    )  # [300, 2000]; two calls continue
    assert abs(h.mean() - 1) < 0.03
    assert h.var() == pytest.approx(1.0, abs=0.06)
    # For the complex Gaussian AR(1), corr(|h_t|^2, |h_{t+lag}|^2) = rho^(2 lag).
    for lag in (1, 2, 5):
        corr = np.corrcoef(h[:-lag].ravel(), h[lag:].ravel())[0, 1]
        assert corr == pytest.approx(rho ** (2 * lag), abs=0.02)
    # Across the boundary of two draw() calls, too.
    across = np.corrcoef(h[149], h[150])[0, 1]
    assert across == pytest.approx(rho**2, abs=0.05)


def test_fading_reproducible(seed):
    evaluation = EvaluationConfig(fading="jakes")
    a = RayleighFading((3, 4, 4), evaluation, torch.Generator().manual_seed(seed)).draw(5)
    b = RayleighFading((3, 4, 4), evaluation, torch.Generator().manual_seed(seed)).draw(5)
    c = RayleighFading((3, 4, 4), evaluation, torch.Generator().manual_seed(seed + 1)).draw(5)
    assert a.shape == (5, 3, 4, 4) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
