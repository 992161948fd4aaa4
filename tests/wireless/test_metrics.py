import numpy as np
import pytest
import torch

from gsdiff.wireless.metrics import PERCENTILES, bootstrap_ratios, jain_fairness, percentiles, rate_metrics


def test_percentiles_match_numpy(rng):
    rates = rng.gamma(2.0, 1.0, size=(3, 4, 137))
    q = (0.1, 1.0, 5.0, 10.0, 50.0, 99.0)
    got = percentiles(torch.tensor(rates), q)
    assert got.shape == (3, 4, len(q))
    np.testing.assert_allclose(got.numpy(), np.moveaxis(np.percentile(rates, q, axis=-1), 0, -1), rtol=1e-12)
    got32 = percentiles(torch.tensor(rates, dtype=torch.float32))
    assert got32.dtype == torch.float32
    np.testing.assert_allclose(
        got32.numpy(), np.moveaxis(np.percentile(rates, PERCENTILES, axis=-1), 0, -1), rtol=1e-5
    )


def test_percentiles_hand_case():
    # Linear interpolation on [0, 1, 2, 3, 4]: the q-th percentile is q / 25.
    got = percentiles(torch.arange(5.0), (0.0, 10.0, 50.0, 100.0))
    np.testing.assert_allclose(got.numpy(), [0.0, 0.4, 2.0, 4.0])


@pytest.mark.parametrize("q", [(-1.0,), (5.0, 101.0)])
def test_percentiles_bad_levels(q):
    with pytest.raises(ValueError, match=r"percentiles q must lie in \[0, 100\], got"):
        percentiles(torch.rand(10), q)


def test_jain_hand_cases():
    assert jain_fairness(torch.full((7,), 2.5)).item() == pytest.approx(1.0)
    assert jain_fairness(torch.tensor([0.0, 0.0, 3.0, 0.0])).item() == pytest.approx(1 / 4)
    assert jain_fairness(torch.tensor([1.0, 2.0, 3.0])).item() == pytest.approx(36 / (3 * 14))
    assert jain_fairness(torch.zeros(5)).item() == 1.0  # all equal (to zero): fair, and not NaN
    batch = jain_fairness(torch.tensor([[1.0, 1.0], [1.0, 0.0]]))
    np.testing.assert_allclose(batch.numpy(), [1.0, 0.5])


def test_rate_metrics_matches_numpy(rng):
    rates = rng.gamma(2.0, 1.0, size=(5, 40))
    out = rate_metrics(torch.tensor(rates, dtype=torch.float32), f_min=0.6)
    assert list(out) == ["mean", "min", "p0.1", "p1", "p5", "p10", "feasible_fraction", "jain"]
    assert all(isinstance(v, float) for v in out.values())
    flat = rates.astype(np.float32).astype(np.float64).ravel()
    assert out["mean"] == pytest.approx(flat.mean(), rel=1e-12)
    assert out["min"] == pytest.approx(flat.min(), rel=1e-12)
    for q in PERCENTILES:
        assert out[f"p{q:g}"] == pytest.approx(np.percentile(flat, q), rel=1e-6)
    assert out["feasible_fraction"] == pytest.approx((flat >= 0.6).mean())
    assert out["jain"] == pytest.approx(flat.sum() ** 2 / (flat.size * (flat**2).sum()), rel=1e-6)


def test_feasible_fraction_hand_case():
    out = rate_metrics(torch.tensor([[0.5, 0.6, 0.7, 2.0]], dtype=torch.float64), f_min=0.6)
    assert out["feasible_fraction"] == 0.75  # rate exactly f_min counts as feasible
    assert rate_metrics(torch.tensor([0.1, 0.2]), f_min=0.0)["feasible_fraction"] == 1.0


def test_rate_metrics_bad_f_min():
    with pytest.raises(ValueError, match=r"f_min must be finite and >= 0 bits/s/Hz, got -0.2"):
        rate_metrics(torch.rand(3), f_min=-0.2)


def test_bootstrap_ratios_of_a_scaled_policy_are_exact(rng):
    # A policy at c times the reference on every user has ratio c in every resample.
    reference = torch.from_numpy(rng.uniform(0.1, 5.0, size=(12, 7)))
    low_high = bootstrap_ratios(0.9 * reference, reference, generator=torch.Generator().manual_seed(0))
    for name in ("p5", "mean"):
        assert low_high[name] == pytest.approx((0.9, 0.9), rel=1e-12)


def test_bootstrap_ratios_match_a_numpy_bootstrap(rng):
    rates = torch.from_numpy(rng.uniform(0.0, 3.0, size=(9, 5)))
    reference = torch.from_numpy(rng.uniform(0.5, 3.0, size=(9, 5)))
    gen = torch.Generator().manual_seed(3)
    got = bootstrap_ratios(rates, reference, q=10.0, num_resamples=300, confidence=0.8, generator=gen)
    pick = torch.randint(0, 9, (300, 9), generator=torch.Generator().manual_seed(3)).numpy()
    r, e = rates.numpy()[pick].reshape(300, -1), reference.numpy()[pick].reshape(300, -1)
    tail = np.percentile(r, 10.0, axis=1) / np.percentile(e, 10.0, axis=1)
    mean = r.mean(1) / e.mean(1)
    assert got["p10"] == pytest.approx(tuple(np.quantile(tail, [0.1, 0.9])), rel=1e-12)
    assert got["mean"] == pytest.approx(tuple(np.quantile(mean, [0.1, 0.9])), rel=1e-12)
    assert got["mean"][0] < (rates.mean() / reference.mean()).item() < got["mean"][1]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"reference_rates": torch.ones(4, 3)}, "must both be"),
        ({"confidence": 1.0}, "confidence"),
        ({"num_resamples": 0}, "num_resamples"),
    ],
)
def test_bootstrap_ratios_bad_input(kwargs, match):
    args = {"rates": torch.ones(4, 2), "reference_rates": torch.ones(4, 2)} | kwargs
    with pytest.raises(ValueError, match=match):
        bootstrap_ratios(**args)


def test_varying_share_by_hand():
    from gsdiff.wireless import varying_share

    samples = torch.zeros(2, 3, 2)
    samples[0, 1, 0] = 1.0  # network 0, user 0 changes; the other three users never do
    assert varying_share(samples) == 0.25
    with pytest.raises(ValueError, match=r"samples_w must have shape \[B, S, N\], got \(3, 2\)"):
        varying_share(samples[0])
