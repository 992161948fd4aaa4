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


def test_rate_metrics_per_network_and_over_realizations_match_numpy(rng):
    """ "per_network": each network's percentiles over its users, averaged over networks and realizations
    (the authors' evaluator); "pooled": each realization over every user, averaged over realizations."""
    rates = rng.gamma(2.0, 1.0, size=(3, 5, 20))  # [R, B, N]
    per = rate_metrics(torch.tensor(rates), 0.6, aggregate="per_network")
    pooled = rate_metrics(torch.tensor(rates), 0.6, aggregate="pooled")
    for q in PERCENTILES:
        assert per[f"p{q:g}"] == pytest.approx(np.percentile(rates, q, axis=2).mean(), rel=1e-12)
        assert pooled[f"p{q:g}"] == pytest.approx(
            np.percentile(rates.reshape(3, -1), q, axis=1).mean(), rel=1e-12
        )
    assert per["min"] == pytest.approx(rates.min(2).mean()) and pooled["min"] == pytest.approx(
        rates.min((1, 2)).mean()
    )
    jain = rates.sum(2) ** 2 / (20 * (rates**2).sum(2))
    assert per["jain"] == pytest.approx(jain.mean())
    for key in ("mean", "feasible_fraction"):  # the same either way: every network has N users
        assert per[key] == pytest.approx(pooled[key])
    one = torch.tensor(rates[0])
    assert rate_metrics(one, 0.6) == pytest.approx(rate_metrics(one[None], 0.6))  # [B, N] is one realization
    with pytest.raises(ValueError, match="aggregate must be one of 'per_network', 'pooled'; got 'users'"):
        rate_metrics(one, 0.6, aggregate="users")


def test_per_network_p5_at_twenty_users_is_near_the_worst_user():
    """With N = 20, numpy's linear 5th percentile sits 95% of the way from a network's lowest rate to its
    second lowest: the authors' aggregation judges each network by its worst users."""
    rates = torch.arange(1.0, 21.0, dtype=torch.float64)[None]  # one network, users at 1..20
    assert rate_metrics(rates, 0.0, aggregate="per_network")["p5"] == pytest.approx(1.95)


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


def test_bootstrap_ratios_per_network_over_realizations_match_numpy(rng):
    """Per-network aggregation: each network's percentile averaged over its realizations, the resampled
    networks' mean; the two sides may have different numbers of realizations."""
    rates = torch.from_numpy(rng.uniform(0.0, 3.0, size=(4, 9, 5)))  # [R, B, N]
    reference = torch.from_numpy(rng.uniform(0.5, 3.0, size=(9, 5)))  # [B, N]: one realization
    got = bootstrap_ratios(
        rates,
        reference,
        aggregate="per_network",
        num_resamples=200,
        generator=torch.Generator().manual_seed(2),
    )
    pick = torch.randint(0, 9, (200, 9), generator=torch.Generator().manual_seed(2)).numpy()
    per_rates = np.percentile(rates.numpy(), 5, axis=2).mean(0)  # [B]
    per_reference = np.percentile(reference.numpy(), 5, axis=1)
    tail = per_rates[pick].mean(1) / per_reference[pick].mean(1)
    mean = rates.numpy().mean((0, 2))[pick].mean(1) / reference.numpy().mean(1)[pick].mean(1)
    assert got["p5"] == pytest.approx(tuple(np.quantile(tail, [0.025, 0.975])), rel=1e-12)
    assert got["mean"] == pytest.approx(tuple(np.quantile(mean, [0.025, 0.975])), rel=1e-12)
    pooled = bootstrap_ratios(rates, reference, num_resamples=50, generator=torch.Generator().manual_seed(2))
    pick = torch.randint(0, 9, (50, 9), generator=torch.Generator().manual_seed(2)).numpy()
    tails = np.array(
        [
            np.percentile(rates.numpy()[:, p].reshape(4, -1), 5, axis=1).mean()
            / np.percentile(reference.numpy()[p].reshape(-1), 5)
            for p in pick
        ]
    )
    assert pooled["p5"] == pytest.approx(tuple(np.quantile(tails, [0.025, 0.975])), rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"reference_rates": torch.ones(4, 3)}, r"must be \[B, N\] or \[R, B, N\] on the same networks"),
        ({"aggregate": "per_user"}, "aggregate must be one of 'per_network', 'pooled'"),
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
