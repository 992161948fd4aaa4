"""Schedules and samplers against diffusers' schedulers (a test-only reference) and closed forms."""

import math

import numpy as np
import pytest
import torch
from diffusers import DDIMScheduler, DDPMScheduler

from gsdiff.schedule import (
    DDIMSampler,
    DDPMSampler,
    NoiseSchedule,
    cosine_betas,
    ddpm_loss,
    from_diffusion_space,
    linear_betas,
    loss_weights,
    to_diffusion_space,
)

K = 500
REFERENCE = {"num_train_timesteps": K, "beta_start": 1e-4, "beta_end": 0.02, "beta_schedule": "linear"}
CLIP = {"clip_sample": True, "clip_sample_range": 0.5}


def test_betas_and_cumprod():
    betas = linear_betas(K)
    assert np.allclose(betas.numpy(), np.linspace(1e-4, 0.02, K))
    schedule = NoiseSchedule(betas)
    assert np.allclose(schedule.alphas_cumprod.numpy(), np.cumprod(1 - np.linspace(1e-4, 0.02, K)), rtol=1e-6)
    reference = DDPMScheduler(num_train_timesteps=K, beta_schedule="squaredcos_cap_v2")
    assert torch.allclose(cosine_betas(K).float(), reference.betas, atol=1e-6)


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


@pytest.mark.parametrize("num_steps", [K, 50])
def test_ddpm_step_matches_diffusers(generator, num_steps):
    ours, reference = DDPMSampler(NoiseSchedule.linear(K)), DDPMScheduler(**REFERENCE, **CLIP)
    ours.set_timesteps(num_steps)
    reference.set_timesteps(num_steps)
    assert torch.equal(ours.timesteps, reference.timesteps)
    x = torch.randn(4, 10, generator=generator)
    for t in ours.timesteps[[0, 1, len(ours.timesteps) // 2, -1]].tolist():
        eps = torch.randn(4, 10, generator=generator)
        seed = int(torch.randint(0, 2**31, (1,), generator=generator))
        prev, x0 = ours.step(eps, t, x, generator=torch.Generator().manual_seed(seed))
        out = reference.step(eps, t, x, generator=torch.Generator().manual_seed(seed))
        assert torch.allclose(x0, out.pred_original_sample, atol=1e-5)
        assert torch.allclose(prev, out.prev_sample, atol=1e-5), t


@pytest.mark.parametrize(("num_steps", "eta"), [(20, 0.0), (20, 0.5), (100, 1.0)])
def test_ddim_step_matches_diffusers(generator, num_steps, eta):
    ours = DDIMSampler(NoiseSchedule.linear(K))
    reference = DDIMScheduler(**REFERENCE, **CLIP, set_alpha_to_one=True, steps_offset=0)
    ours.set_timesteps(num_steps)
    reference.set_timesteps(num_steps)
    assert torch.equal(ours.timesteps, reference.timesteps)
    x = torch.randn(4, 10, generator=generator)
    for t in ours.timesteps[[0, 1, -2, -1]].tolist():
        eps = 3 * torch.randn(4, 10, generator=generator)  # large enough that x0 gets clipped
        seed = int(torch.randint(0, 2**31, (1,), generator=generator))
        prev, x0 = ours.step(eps, t, x, eta=eta, generator=torch.Generator().manual_seed(seed))
        out = reference.step(
            eps, t, x, eta=eta, use_clipped_model_output=True, generator=torch.Generator().manual_seed(seed)
        )
        assert torch.allclose(x0, out.pred_original_sample, atol=1e-5)
        assert torch.allclose(prev, out.prev_sample, atol=1e-5), t


def _gaussian_eps(schedule, mean, std):
    """The exact noise prediction E[eps | x_t] when the data are N(mean, std^2)."""

    def eps(x, t):
        alphabar = float(schedule.alphas_cumprod[t])
        return math.sqrt(1 - alphabar) / (alphabar * std**2 + 1 - alphabar) * (x - math.sqrt(alphabar) * mean)

    return eps


@pytest.mark.parametrize(
    ("sampler_cls", "num_steps", "eta"), [(DDPMSampler, K, None), (DDIMSampler, 50, 0.0)]
)
def test_samplers_recover_a_gaussian(sampler_cls, num_steps, eta):
    """With the exact eps of N(m, s^2) data, sampling from pure noise returns N(m, s^2)."""
    mean, std = 0.1, 0.2
    schedule = NoiseSchedule.linear(K)
    sampler = sampler_cls(schedule, clip_range=None)
    sampler.set_timesteps(num_steps)
    eps = _gaussian_eps(schedule, mean, std)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(40_000, dtype=torch.float64, generator=gen)
    for t in sampler.timesteps.tolist():
        kwargs = {} if eta is None else {"eta": eta}
        x, _ = sampler.step(eps(x, t), t, x, generator=gen, **kwargs)
    assert abs(x.mean().item() - mean) < 0.005
    assert abs(x.std().item() - std) < 0.01 * (3 if eta is not None else 1)


def test_diffusion_space_and_loss():
    power = torch.tensor([0.0, 0.005, 0.01])
    x = to_diffusion_space(power, 0.01)
    assert torch.allclose(x, torch.tensor([-0.5, 0.0, 0.5]))
    assert torch.allclose(from_diffusion_space(x, 0.01), power)
    assert torch.allclose(from_diffusion_space(torch.tensor([-0.9, 0.7]), 0.01), torch.tensor([0.0, 0.01]))
    eps, pred = torch.zeros(2, 3), torch.tensor([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    t = torch.tensor([0, 1])
    assert ddpm_loss(pred, eps, t).item() == pytest.approx(2.5)
    assert ddpm_loss(pred, eps, t, weights=torch.tensor([1.0, 0.0])).item() == pytest.approx(0.5)


def test_loss_weights():
    """log(1 + SNR) = -log(1 - alphabar) (a closed form), decreasing in k; v weights 1 / alphabar; mean 1."""
    schedule = NoiseSchedule.linear(K)
    weights = loss_weights(schedule, "log_snr").double()
    alphabar = np.cumprod(1 - np.linspace(1e-4, 0.02, K))
    expected = -np.log1p(-alphabar)
    np.testing.assert_allclose(weights.numpy(), expected / expected.mean(), rtol=1e-5)
    assert (weights.diff() < 0).all() and (weights > 0).all()
    v = loss_weights(schedule, "v").double().numpy()  # ||v - v_hat||^2 = ||eps - eps_hat||^2 / alphabar
    np.testing.assert_allclose(v, (1 / alphabar) / (1 / alphabar).mean(), rtol=1e-5)
    assert loss_weights(schedule, "none") is None
    with pytest.raises(ValueError, match="loss weighting must be one of"):
        loss_weights(schedule, "snr")


def test_bad_input():
    with pytest.raises(ValueError, match="num_inference_steps"):
        DDIMSampler(NoiseSchedule.linear(10)).set_timesteps(11)
    with pytest.raises(ValueError, match="betas"):
        NoiseSchedule(torch.tensor([0.1, 1.5]))
    with pytest.raises(ValueError, match="eta"):
        DDIMSampler(NoiseSchedule.linear(10)).step(torch.zeros(1), 9, torch.zeros(1), eta=-1)
    with pytest.raises(ValueError, match="max_power_w"):
        to_diffusion_space(torch.zeros(1), 0.0)
