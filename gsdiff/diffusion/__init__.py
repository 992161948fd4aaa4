"""Diffusion maths, with no wireless knowledge: noise schedules, the loss, DDPM/DDIM samplers and their
reverse loop, the initial noise, the diffusion space of allocations and step embeddings."""

from .embeddings import StepEmbedding, sinusoidal_embedding
from .initial_noise import initial_noise
from .loss import ddpm_loss, loss_weights
from .noise_schedules import NoiseSchedule, cosine_betas, linear_betas, noise_schedule
from .samplers import (
    DDIMSampler,
    DDPMSampler,
    DPMSolverSampler,
    LinearStep,
    ReversePath,
    Sampler,
    UniPCSampler,
    inference_timesteps,
    make_sampler,
    reverse_path,
    reverse_process,
)
from .space import from_diffusion_space, to_diffusion_space

__all__ = [
    "linear_betas",
    "cosine_betas",
    "NoiseSchedule",
    "noise_schedule",
    "loss_weights",
    "ddpm_loss",
    "Sampler",
    "DDPMSampler",
    "DDIMSampler",
    "DPMSolverSampler",
    "LinearStep",
    "UniPCSampler",
    "inference_timesteps",
    "make_sampler",
    "ReversePath",
    "reverse_process",
    "reverse_path",
    "initial_noise",
    "to_diffusion_space",
    "from_diffusion_space",
    "sinusoidal_embedding",
    "StepEmbedding",
]
