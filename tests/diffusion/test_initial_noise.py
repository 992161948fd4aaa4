"""Initial noise of the reverse process: i.i.d. Gaussian and randomized quasi-Monte Carlo (Sobol)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy import stats

from gsdiff.diffusion.initial_noise import initial_noise


def _uniform(z: torch.Tensor) -> np.ndarray:
    """Phi(z): the uniform points behind Gaussian quantiles."""
    return stats.norm.cdf(z.double().numpy())


def test_shapes_dtype_and_reproducibility(generator):
    z = initial_noise(3, 8, 5, "sobol", generator=generator, dtype=torch.float64)
    assert z.shape == (3, 8, 5) and z.dtype == torch.float64 and bool(torch.isfinite(z).all())
    again = initial_noise(
        3, 8, 5, "sobol", generator=torch.Generator().manual_seed(20240607), dtype=torch.float64
    )
    assert torch.equal(z, again)
    other = initial_noise(3, 8, 5, "sobol", generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    assert not torch.equal(z, other)
    assert initial_noise(2, 3, 4, "gaussian", generator=generator).dtype == torch.float32


@pytest.mark.parametrize("num_samples", [16, 64])
def test_sobol_points_are_stratified_in_every_coordinate(generator, num_samples):
    """With S = 2^m, every interval [k / S, (k + 1) / S) of every node's coordinate holds one point."""
    u = _uniform(initial_noise(50, num_samples, 20, "sobol", generator=generator, dtype=torch.float64))
    bins = np.floor(u * num_samples).astype(int)  # [B, S, N]
    for b in range(u.shape[0]):
        for i in range(u.shape[2]):
            assert sorted(bins[b, :, i]) == list(range(num_samples))
    # i.i.d. draws are not: some bin of some coordinate holds two points
    g = _uniform(initial_noise(50, num_samples, 20, "gaussian", generator=generator, dtype=torch.float64))
    assert any(
        len(set(np.floor(g[b, :, i] * num_samples).astype(int))) < num_samples
        for b in range(50)
        for i in range(20)
    )


def test_each_sample_is_standard_normal_and_networks_are_independent(generator):
    """Over many networks every (sample, node) entry is N(0, 1); two networks' noises are uncorrelated."""
    z = initial_noise(4000, 4, 3, "sobol", generator=generator, dtype=torch.float64).numpy()
    for s in range(4):
        for i in range(3):
            assert stats.kstest(z[:, s, i], "norm").pvalue > 1e-3
    a, b = z[0::2].reshape(-1), z[1::2].reshape(-1)
    assert abs(np.corrcoef(a, b)[0, 1]) < 4 / math.sqrt(len(a))


def test_sobol_turns_are_balanced():
    """The share of samples with z_i above the 75% quantile is within 1/S of 1/4 (stratification), where
    i.i.d. draws scatter with the binomial standard deviation sqrt(p (1 - p) / S)."""
    s, threshold = 64, stats.norm.ppf(0.75)
    gen = torch.Generator().manual_seed(0)
    sobol = (
        (initial_noise(200, s, 10, "sobol", generator=gen, dtype=torch.float64) > threshold).double().mean(1)
    )
    iid = (
        (initial_noise(200, s, 10, "gaussian", generator=gen, dtype=torch.float64) > threshold)
        .double()
        .mean(1)
    )
    assert float((sobol - 0.25).abs().max()) <= 1 / s + 1e-12
    assert float(iid.std()) == pytest.approx(math.sqrt(0.25 * 0.75 / s), rel=0.15)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((2, 3, 4, "halton"), r"initial_noise must be one of 'sobol', 'gaussian'; got 'halton'"),
        ((0, 3, 4, "sobol"), r"num_networks must be an integer >= 1, got 0"),
        ((2, 0, 4, "sobol"), r"num_samples must be an integer >= 1, got 0"),
        ((2, 3, 1.5, "sobol"), r"num_pairs must be an integer >= 1, got 1.5"),
        (
            (1, 2, 21202, "sobol"),
            r"num_pairs: sobol noise supports at most 21201 pairs, got 21202; use initial_noise='gaussian'",
        ),
    ],
)
def test_bad_arguments(args, match):
    with pytest.raises(ValueError, match=match):
        initial_noise(*args)
