"""Noise schedules against diffusers' schedulers (a test-only reference) and closed forms."""

import numpy as np
import pytest
import torch
from diffusers import DDPMScheduler

from gsdiff.diffusion import NoiseSchedule, cosine_betas, linear_betas, noise_schedule

K = 500
REFERENCE = {"num_train_timesteps": K, "beta_start": 1e-4, "beta_end": 0.02, "beta_schedule": "linear"}


def test_betas_and_cumprod():
    betas = linear_betas(K)
    assert np.allclose(betas.numpy(), np.linspace(1e-4, 0.02, K))
    schedule = NoiseSchedule(betas)
    assert np.allclose(schedule.alphas_cumprod.numpy(), np.cumprod(1 - np.linspace(1e-4, 0.02, K)), rtol=1e-6)
    reference = DDPMScheduler(num_train_timesteps=K, beta_schedule="squaredcos_cap_v2")
    assert torch.allclose(cosine_betas(K).float(), reference.betas, atol=1e-6)


def test_noise_schedule_by_kind():
    assert torch.equal(noise_schedule("linear", K).betas, NoiseSchedule.linear(K).betas)
    assert torch.equal(noise_schedule("cosine", K).betas, NoiseSchedule.cosine(K).betas)
    with pytest.raises(ValueError, match=r"schedule must be one of 'linear', 'cosine'; got 'sigmoid'"):
        noise_schedule("sigmoid", K)


def test_add_noise_matches_diffusers(generator):
    schedule = NoiseSchedule.linear(K)
    x0 = torch.rand(6, 20, generator=generator) - 0.5
    noise = torch.randn(6, 20, generator=generator)
    t = torch.tensor([0, 1, 100, 250, 498, 499])
    expected = DDPMScheduler(**REFERENCE).add_noise(x0, noise, t)  # float32 throughout: ~1e-5 near t = 0
    assert torch.allclose(schedule.add_noise(x0, noise, t), expected, atol=2e-5)
    alphabar = np.cumprod(1 - np.linspace(1e-4, 0.02, K))[t.numpy()][:, None]  # float64 reference
    exact = np.sqrt(alphabar) * x0.double().numpy() + np.sqrt(1 - alphabar) * noise.double().numpy()
    assert np.allclose(schedule.add_noise(x0, noise, t).numpy(), exact, atol=1e-6)


def test_bad_betas():
    with pytest.raises(ValueError, match="betas"):
        NoiseSchedule(torch.tensor([0.1, 1.5]))
