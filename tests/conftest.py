"""Shared fixtures: seeds, generators, the default radio, and independent NumPy references."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import torch

from gsdiff.config import (
    DenoiserConfig,
    DiffusionConfig,
    ExpertConfig,
    Profile,
    RadioConfig,
    SamplingSetting,
    TrainConfig,
    get_profile,
)

EULER_GAMMA = 0.5772156649015329


def pytest_collection_modifyitems(config, items):
    """``@pytest.mark.gpu`` tests skip, saying why, where torch sees no CUDA device."""
    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device: torch.cuda.is_available() is False here")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def cuda() -> torch.device:
    """The first CUDA device (tests that take it are marked ``gpu``)."""
    return torch.device("cuda", 0)


@pytest.fixture
def seed() -> int:
    return 20240607


@pytest.fixture
def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


@pytest.fixture
def radio() -> RadioConfig:
    return RadioConfig()


@pytest.fixture
def profile() -> Profile:
    """A profile small enough to build its expert dataset and train a policy in a second or two."""
    return dataclasses.replace(
        get_profile("ci"),
        num_pairs=5,
        densities_per_km2=(8.2, 11.9),
        f_mins=(0.5, 0.7),
        num_networks_per_density=8,
        expert=ExpertConfig(num_iterations=40, burn_in=10, num_samples=6),
        denoiser=DenoiserConfig(hidden=8, depth=2),
        diffusion=DiffusionConfig(num_train_steps=50),
        sampling=SamplingSetting(steps=5),
        train=TrainConfig(
            num_steps=12,
            batch_problems=4,
            samples_per_problem=3,
            eval_every=4,
            eval_problems=4,
            eval_samples=3,
            checkpoint_every=4,
        ),
    )


def small_policy(hidden: int = 8, num_train_steps: int = 20, steps: int = 3, **sampling):
    """An untrained two-level U-GNN policy, small enough to sample in milliseconds (``sampling``: the
    fields of its ``SamplingSetting`` beside ``steps``)."""
    from gsdiff.config import GraphConfig
    from gsdiff.policy import DiffusionPolicy

    return DiffusionPolicy(
        DenoiserConfig(hidden=hidden, depth=2),
        DiffusionConfig(num_train_steps=num_train_steps),
        RadioConfig(),
        GraphConfig(),
        sampling=SamplingSetting(steps=steps, **sampling),
    )


@pytest.fixture(name="small_policy")
def small_policy_fixture():
    """The factory ``small_policy(hidden=8, num_train_steps=20, steps=3, **sampling)``."""
    return small_policy


def reference_rates(power: np.ndarray, gains: np.ndarray, noise: float) -> np.ndarray:
    """log2(1 + x_i g_ii / (noise + sum_{j != i} x_j g_ji)) by explicit loops over i and j, [..., N].

    ``power`` [..., N] and ``gains`` [..., N, N] (gains[..., j, i]: tx j -> rx i) are broadcast first.
    """
    power, gains = np.asarray(power, dtype=np.float64), np.asarray(gains, dtype=np.float64)
    lead = np.broadcast_shapes(power.shape[:-1], gains.shape[:-2])
    n = gains.shape[-1]
    power = np.broadcast_to(power, (*lead, n))
    gains = np.broadcast_to(gains, (*lead, n, n))
    out = np.zeros((*lead, n))
    for i in range(n):
        interference = np.zeros(lead)
        for j in range(n):
            if j != i:
                interference = interference + power[..., j] * gains[..., j, i]
        out[..., i] = np.log2(1 + power[..., i] * gains[..., i, i] / (noise + interference))
    return out


@pytest.fixture
def np_rates():
    """The NumPy reference of the instantaneous rates (see ``reference_rates``)."""
    return reference_rates


def exp_e1(a: float) -> float:
    """e^a E1(a) for a > 0, by E1's power series -gamma - ln a - sum_k (-a)^k / (k k!) (good for a <= 20)."""
    assert 0 < a <= 20
    total, term, k = 0.0, 1.0, 0
    while True:
        k += 1
        term *= -a / k  # (-a)^k / k!
        total += term / k
        if abs(term / k) < 1e-18 and k > a:
            break
    return math.exp(a) * (-EULER_GAMMA - math.log(a) - total)


@pytest.fixture(name="exp_e1")
def exp_e1_fixture():
    """The function a -> e^a E1(a) (power series)."""
    return exp_e1


@pytest.fixture
def single_user_rate():
    """Closed form E[log2(1 + snr X)], X ~ Exp(1): e^{1/snr} E1(1/snr) / ln 2 (no interference)."""

    def rate(snr: float) -> float:
        return exp_e1(1.0 / snr) / math.log(2.0)

    return rate
