"""Samplers against diffusers' schedulers (a test-only reference) and a closed form; one step protocol for
every sampler, and the reverse loop against a hand-written one."""

import math

import pytest
import torch
from diffusers import DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler, UniPCMultistepScheduler

from gsdiff.diffusion import (
    DDIMSampler,
    DDPMSampler,
    DPMSolverSampler,
    NoiseSchedule,
    UniPCSampler,
    inference_timesteps,
    make_sampler,
    reverse_path,
    reverse_process,
)

K = 500
REFERENCE = {"num_train_timesteps": K, "beta_start": 1e-4, "beta_end": 0.02, "beta_schedule": "linear"}
CLIP = {"clip_sample": True, "clip_sample_range": 0.5}


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
    ours = DDIMSampler(NoiseSchedule.linear(K), eta=eta)
    reference = DDIMScheduler(**REFERENCE, **CLIP, set_alpha_to_one=True, steps_offset=0)
    ours.set_timesteps(num_steps)
    reference.set_timesteps(num_steps)
    assert torch.equal(ours.timesteps, reference.timesteps)
    x = torch.randn(4, 10, generator=generator)
    for t in ours.timesteps[[0, 1, -2, -1]].tolist():
        eps = 3 * torch.randn(4, 10, generator=generator)  # large enough that x0 gets clipped
        seed = int(torch.randint(0, 2**31, (1,), generator=generator))
        prev, x0 = ours.step(eps, t, x, generator=torch.Generator().manual_seed(seed))
        out = reference.step(
            eps, t, x, eta=eta, use_clipped_model_output=True, generator=torch.Generator().manual_seed(seed)
        )
        assert torch.allclose(x0, out.pred_original_sample, atol=1e-5)
        assert torch.allclose(prev, out.prev_sample, atol=1e-5), t


@pytest.mark.parametrize("num_steps", [1, 2, 3, 7, 20])
def test_trailing_timesteps_are_diffusers(num_steps):
    reference = DDIMScheduler(**REFERENCE, timestep_spacing="trailing")
    reference.set_timesteps(num_steps)
    assert inference_timesteps(K, num_steps, "trailing") == reference.timesteps.tolist()
    assert inference_timesteps(K, num_steps, "leading")[-1] == 0


MULTISTEP = {
    DPMSolverSampler: lambda spacing: DPMSolverMultistepScheduler(
        **REFERENCE, algorithm_type="dpmsolver++", solver_order=2, timestep_spacing=spacing
    ),
    UniPCSampler: lambda spacing: UniPCMultistepScheduler(
        **REFERENCE, solver_order=2, solver_type="bh2", predict_x0=True, timestep_spacing=spacing
    ),
}


@pytest.mark.parametrize(
    ("cls", "num_steps", "spacing"),
    [(cls, n, "trailing") for cls in MULTISTEP for n in (1, 2, 4, 10)]
    + [(DPMSolverSampler, 20, "leading")],  # UniPCMultistepScheduler takes no explicit (leading) timesteps
)
def test_multistep_solvers_match_diffusers(generator, cls, num_steps, spacing):
    """Every step of a whole run, x0 clipping off on both sides (diffusers' solvers have none), against
    DPMSolverMultistepScheduler / UniPCMultistepScheduler: the state carried between steps included."""
    ours, reference = (
        cls(NoiseSchedule.linear(K), clip_range=None, timestep_spacing=spacing),
        MULTISTEP[cls](spacing),
    )
    ours.set_timesteps(num_steps)
    if spacing == "leading":  # diffusers' "leading" skips step 0 for these solvers: hand it ours
        reference.set_timesteps(timesteps=ours.timesteps.tolist())
    else:
        reference.set_timesteps(num_steps)
    assert ours.timesteps.tolist() == reference.timesteps.tolist()
    x = ours_x = torch.randn(4, 10, dtype=torch.float64, generator=generator)
    for t in ours.timesteps.tolist():
        eps = torch.randn(4, 10, dtype=torch.float64, generator=generator) + 0.3 * x
        ours_x, x0 = ours.step(eps, t, ours_x)
        x = reference.step(eps, t, x).prev_sample
        assert torch.allclose(ours_x, x, atol=1e-5), t
    assert torch.allclose(x0, ours_x) and torch.isfinite(ours_x).all()  # the last step lands on x0


def _gaussian_eps(schedule, mean, std):
    """The exact noise prediction E[eps | x_t] when the data are N(mean, std^2)."""

    def eps(x, t):
        alphabar = float(schedule.alphas_cumprod[t])
        return math.sqrt(1 - alphabar) / (alphabar * std**2 + 1 - alphabar) * (x - math.sqrt(alphabar) * mean)

    return eps


@pytest.mark.parametrize(
    ("kind", "num_steps", "eta", "spacing"),
    [
        ("ddpm", K, None, "leading"),
        ("ddim", 50, 0.0, "leading"),
        ("ddim", K, 1.0, "leading"),
        ("dpmsolver++", 50, None, "trailing"),
        ("unipc", 50, None, "trailing"),
    ],
)
def test_samplers_recover_a_gaussian(kind, num_steps, eta, spacing):
    """With the exact eps of N(m, s^2) data, sampling from pure noise returns N(m, s^2), through the one
    reverse loop that every sampler shares."""
    mean, std = 0.1, 0.2
    schedule = NoiseSchedule.linear(K)
    sampler = make_sampler(kind, schedule, eta, timestep_spacing=spacing)
    sampler.clip_range = None
    sampler.set_timesteps(num_steps)
    gen = torch.Generator().manual_seed(0)
    x = reverse_process(
        sampler,
        torch.randn(40_000, dtype=torch.float64, generator=gen),
        _gaussian_eps(schedule, mean, std),
        generator=gen,
    )
    assert abs(x.mean().item() - mean) < 0.005
    assert abs(x.std().item() - std) < 0.01 * (3 if num_steps < K else 1)  # 50 deterministic steps: coarser


@pytest.mark.parametrize(
    ("kind", "eta"), [("ddpm", None), ("ddim", 0.3), ("dpmsolver++", None), ("unipc", None)]
)
def test_reverse_loop_is_the_step_by_step_loop(generator, kind, eta):
    """reverse_process and reverse_path give exactly what calling step() by hand gives, same generator."""
    schedule = NoiseSchedule.linear(50)
    sampler = make_sampler(kind, schedule, eta)
    sampler.set_timesteps(7)
    eps = _gaussian_eps(schedule, 0.0, 0.3)
    x_T = torch.randn(5, generator=generator)
    x, xs, x0s = x_T, [x_T], []
    hand = torch.Generator().manual_seed(1)
    sampler.reset()
    for t in sampler.timesteps.tolist():
        x, x0 = sampler.step(eps(x, t), t, x, generator=hand)
        xs.append(x)
        x0s.append(x0)
    assert torch.equal(reverse_process(sampler, x_T, eps, generator=torch.Generator().manual_seed(1)), x)
    path = reverse_path(sampler, x_T, eps, generator=torch.Generator().manual_seed(1))
    assert path.timesteps == sampler.timesteps.tolist()
    assert torch.equal(path.samples, torch.stack(xs)) and torch.equal(path.predicted_x0, torch.stack(x0s))


def test_bad_input():
    with pytest.raises(ValueError, match="num_inference_steps"):
        DDIMSampler(NoiseSchedule.linear(10)).set_timesteps(11)
    with pytest.raises(ValueError, match="eta must be a finite number >= 0, got -1"):
        DDIMSampler(NoiseSchedule.linear(10), eta=-1)
    with pytest.raises(
        ValueError, match="sampler must be one of 'ddim', 'ddpm', 'dpmsolver\\+\\+', 'unipc'; got 'euler'"
    ):
        make_sampler("euler", NoiseSchedule.linear(10))
    for kind in ("ddpm", "unipc"):
        with pytest.raises(ValueError, match="eta applies to the DDIM sampler only"):
            make_sampler(kind, NoiseSchedule.linear(10), 0.5)
    with pytest.raises(
        ValueError, match="timestep_spacing must be one of 'leading', 'trailing'; got 'linspace'"
    ):
        make_sampler("unipc", NoiseSchedule.linear(10), timestep_spacing="linspace")
