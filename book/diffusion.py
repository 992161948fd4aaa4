# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Diffusion models for allocations
#
# The expert needs a thousand primal–dual iterations for every new network. The diffusion policy learns to
# draw its samples directly: a conditional denoising diffusion model (DDPM) over allocation vectors, which we
# view as graph signals on the channel graph. This chapter is about the diffusion part: how an expert
# allocation is turned into noise, how a trained denoiser turns noise back into an allocation, and how the two
# samplers, DDPM and DDIM, trade sampling steps for quality. The denoisers themselves are the subject of the
# {doc}`next chapter <denoisers>`, their training of {doc}`the one after <training>`.

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
from dataclasses import replace

import numpy as np
import torch
from IPython.display import Markdown, display

from gsdiff.diffusion import NoiseSchedule, to_diffusion_space
from gsdiff.evaluation import sampler_sweep
from gsdiff.notebooks import open_chapter, record, record_metrics
from gsdiff.solvers import run_expert
from gsdiff.training import validation_problems
from gsdiff.viz import (
    allocation_map_figure,
    metrics_table,
    sampler_comparison_figure,
    schedule_figure,
    show,
    signal_steps_figure,
)
from gsdiff.wireless import asymptotic_rates, drop_networks, rate_metrics

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 0  # seed of the noise and of the samples
kind = "ugnn"  # denoiser of the policy shown: "ugnn" or "gnn"
sweep_problems = 16  # validation problems (networks at f_min) of the DDPM vs DDIM comparison
sweep_samples = 16  # samples per problem in that comparison
ddim_steps = [5, 10, 20, 50]  # DDIM settings compared: reverse steps, deterministic (eta 0)
ddpm_steps = [50, 100, 500]  # DDPM settings compared: reverse steps (500: all K steps of the book)
dpmsolver_steps = [2, 4, 6, 10, 20]  # DPM-Solver++(2M) settings compared, from t = K - 1 ("trailing")
profile_settings = {}  # profile settings changed for this run, as `gsdiff train --set`: {"seed": 1}

# %%
chapter = open_chapter(globals())  # checks and records the parameters, resolves the profile
config = chapter.profile
f_min, radio = config.f_min, config.radio
dataset = chapter.dataset(("validation",))  # the splits used here
(policy,) = chapter.policies(dataset, [kind]).values()

# %% [markdown]
# ## The forward process
#
# An allocation $x \in [0, P_{\max}]^N$ (in W) is mapped to the diffusion space
# $x_0 = x/P_{\max} - 1/2 \in [-1/2, 1/2]^N$. The forward process (eq. (3) of the extended paper) blends it with
# Gaussian noise in $K$ small steps of variance $\beta_k$; in closed form,
#
# $$
# q(x_k \mid x_0) = \mathcal{N}\big(\sqrt{\bar\alpha_k}\,x_0,\ (1-\bar\alpha_k)\,I\big), \qquad
# \bar\alpha_k = \prod_{s \le k} (1 - \beta_s),
# $$
#
# so $x_k = \sqrt{\bar\alpha_k}\,x_0 + \sqrt{1-\bar\alpha_k}\,\epsilon$ with $\epsilon \sim \mathcal{N}(0, I)$.
# The extended paper uses a linear $\beta$ schedule, CAMSAP a cosine one; both are computed in float64.
# A denoiser $\epsilon_\theta(x_k, k; H, u)$ is trained to predict $\epsilon$ with the loss
# $\mathbb{E}\,\omega(k)\,\lVert \epsilon_\theta(x_k, k) - \epsilon \rVert^2$ (eq. (4); (8) of CAMSAP, whose
# weighting $\omega(k)$ follows the log-SNR: `DiffusionConfig(loss_weighting="log_snr")`).

# %%
K = policy.schedule.num_train_steps
show(
    schedule_figure(
        {"linear (this book)": NoiseSchedule.linear(K), "cosine (CAMSAP)": NoiseSchedule.cosine(K)}
    )
)

# %% [markdown]
# **Figure.** The two schedules over the $K$ training steps: how much of $x_0$ is left, the log
# signal-to-noise ratio $\log(\bar\alpha_k / (1-\bar\alpha_k))$, and the log-SNR loss weights
# $\log(1 + \mathrm{SNR}(k))$ normalized to mean 1 (the nonnegative form of CAMSAP's $\omega(k) = \log
# \mathrm{SNR}(k)$, which is negative at the noisy steps). The cosine schedule keeps more signal in the
# middle steps.

# %%
net = drop_networks(1, config.drop(config.densities_per_km2[-1]), seed=seed)  # a new network, densest drop
expert_sample = run_expert(net.gains, f_min, radio, config.expert, seed=seed).samples_w[0, -1]  # [N] W
x0 = to_diffusion_space(expert_sample, radio.max_power_w)
noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed))
k_steps = np.unique(np.linspace(0, K - 1, 8).round().astype(int))
forward = torch.stack([policy.schedule.add_noise(x0, noise, int(k)) for k in k_steps])  # [8, N]
show(signal_steps_figure(forward.numpy(), [f"k = {k}" for k in k_steps], "forward step"))

# %% [markdown]
# **Figure.** The forward process on the expert's last sample for a new network of the densest drop (one bar
# per pair, in the diffusion space: −½ is off, +½ is full power). Move the slider: by the last steps the
# allocation is noise.
#
# ## The reverse process
#
# Sampling runs the process backwards from pure noise $x_K \sim \mathcal{N}(0, I)$. At every step the
# denoiser's noise estimate gives a prediction of the clean sample,
# $\hat x_0 = (x_k - \sqrt{1-\bar\alpha_k}\,\epsilon_\theta)/\sqrt{\bar\alpha_k}$, clipped to
# $[-1/2, 1/2]$, and the sampler moves $x_k$ towards it. The final $x_0$ is mapped back to watts and projected
# onto $[0, P_{\max}]$. Here the policy draws one allocation for the same network with DDIM; each transmitter
# is coloured by its current value.

# %%
steps, xs, x0s = policy.trajectory(net.gains[0], f_min, generator=torch.Generator().manual_seed(seed))
labels = ["noise"] + [f"after step {t}" for t in steps]
show(allocation_map_figure(net, 0, xs.numpy(), labels))

# %% [markdown]
# **Figure.** The reverse (DDIM, η = 0) process of the policy on the network map, from pure noise to an
# allocation: transmitters are dots (size and colour by value), receivers crosses, lines the direct links.
#
# ## DDPM, DDIM and a few-step solver
#
# The samplers share the trained denoiser and differ in how they step back. DDPM (ancestral sampling,
# eq. (5)) draws $x_{k-1} \sim p_\theta(x_{k-1} \mid x_k)$, a Gaussian around the posterior mean with fresh
# noise at every step, and is exact only with all $K$ steps (fewer steps use the respaced schedule of the
# kept subsequence). DDIM follows a non-Markovian process with the same marginals,
#
# $$
# x_{k'} = \sqrt{\bar\alpha_{k'}}\,\hat x_0 + \sqrt{1-\bar\alpha_{k'} - \sigma^2}\,\epsilon_\theta + \sigma w,
# \qquad \sigma = \eta \sqrt{\tfrac{1-\bar\alpha_{k'}}{1-\bar\alpha_k}}
# \sqrt{1 - \tfrac{\bar\alpha_k}{\bar\alpha_{k'}}},
# $$
#
# from step $k$ to an earlier step $k'$ of any subsequence; with $\eta = 0$ it is deterministic given the
# initial noise. Both are tested against the `DDPMScheduler` and `DDIMScheduler` of diffusers. Both start from
# initial noise $x_K \sim \mathcal N(0, I)$; by default gsdiff draws the initial noises of a network's
# samples as one randomized quasi-Monte Carlo set (`DiffusionConfig(initial_noise="sobol")`, `gsdiff.diffusion.initial_noise`): each
# is exactly Gaussian, but together they are spread evenly, which matters once the samples are time-shared
# ({doc}`training` measures by how much).
#
# DDIM with $\eta = 0$ is the first-order solver of the probability-flow ODE. Higher-order solvers take
# fewer, larger steps for the same accuracy. In the half-log-SNR $\lambda_k = \log(\alpha_k / \sigma_k)$
# ($\alpha_k = \sqrt{\bar\alpha_k}$, $\sigma_k = \sqrt{1 - \bar\alpha_k}$), DPM-Solver++(2M) (Lu et al., 2022)
# steps from $k$ to $k'$, $h = \lambda_{k'} - \lambda_k$, with the last two clean-sample predictions:
#
# $$
# x_{k'} = \frac{\sigma_{k'}}{\sigma_k} x_k - \alpha_{k'} (e^{-h} - 1)
# \Big(\hat x_0^{(k)} + \tfrac{h}{2 h_0} \big(\hat x_0^{(k)} - \hat x_0^{(u)}\big)\Big),
# \qquad h_0 = \lambda_k - \lambda_u,
# $$
#
# $u$ the step before $k$; its first and last steps are DDIM's. With few steps the subsequence starts at
# $K - 1$ ("trailing"; a "leading" one of two steps would start halfway, far from noise). UniPC (Zhao et al.,
# 2023) adds a corrector to the same predictor. Both are tested against diffusers' multistep schedulers
# (`DPMSolverMultistepScheduler`, `UniPCMultistepScheduler`), with the clipping of $\hat x_0$ off on both
# sides, as diffusers has none; gsdiff clips to the diffusion space by default. Below, the
# same policy draws allocations for validation problems with each setting, and we time-share them exactly
# (infinitely many slots) and score the 5th percentile of $r_i - f_{\min}$, as during training.

# %%
gains_v, f_v, expert_v = validation_problems(dataset, sweep_problems)
tried = [("ddim", s, "leading") for s in ddim_steps] + [("ddpm", s, "leading") for s in ddpm_steps]
tried += [("dpmsolver++", s, "trailing") for s in dpmsolver_steps]
settings = [
    replace(policy.sampling, sampler=name, steps=s, eta=0.0, timestep_spacing=spacing)
    for name, s, spacing in tried
    if s <= K
]
rows = sampler_sweep(gains_v, f_v, policy, num_samples=sweep_samples, settings=settings, seed=seed)
expert_margin = rate_metrics(asymptotic_rates(gains_v, expert_v, radio) - f_v[:, None], 0.0)
show(sampler_comparison_figure(rows, reference_p5=expert_margin["p5"]))
table = {f"{r['sampler']}, {r['steps']} steps": r for r in rows}
table["expert (its own samples)"] = {"p5": expert_margin["p5"], "mean": expert_margin["mean"]}
display(Markdown(metrics_table(table, ["p5", "mean", "seconds_per_network"])))
record_metrics("samplers", table, keys=("p5", "mean", "seconds_per_network"))

# %% [markdown]
# **Figure.** DDPM, DDIM and DPM-Solver++ on a few validation problems (networks at every density and
# $f_{\min}$ level): the 5th percentile and the mean of $r_i - f_{\min}$ over users (the table's p5 and mean
# columns), and the time to draw the samples of one network. The dashed line is the expert's own samples.

# %%
best = max(rows, key=lambda r: r["p5"])
ddim20 = next((r for r in rows if r["sampler"] == "DDIM" and r["steps"] == 20), None)
ddpm_full = next((r for r in rows if r["sampler"] == "DDPM" and r["steps"] == K), None)
lines = [
    f"The best setting here is {best['sampler']} with {best['steps']} steps (p5 margin {best['p5']:+.3f})."
]
if ddim20 is not None and ddpm_full is not None:
    lines.append(
        f"DDIM with 20 steps reaches {ddim20['p5']:+.3f} in {ddim20['seconds_per_network']:.2f} s per network; "
        f"DDPM with all {K} steps reaches {ddpm_full['p5']:+.3f} in {ddpm_full['seconds_per_network']:.2f} s."
    )
display(Markdown(" ".join(lines)))
record("sampling.sampler", policy.sampling.sampler)
record("sampling.steps", policy.sampling.steps)
record("sampling.label", policy.sampling.label)

# %% [markdown]
# The policy's own sampler (stored with its checkpoint, chosen on validation) is
# {glue:text}`sampling.sampler` with {glue:text}`sampling.steps` steps ({glue:text}`sampling.label`): the cost
# of a sample grows linearly with the steps, and on a CPU drawing samples competes with simply running the
# expert ({doc}`scaling` measures both). The table shows, for this checkpoint and these validation problems,
# what more steps, ancestral DDPM sampling or a second-order solver buy in the tail; the choice on
# validation ({doc}`training`) weighs the same steps against the tail on many more problems and keeps the
# fewest steps that keep the tail and the mean to 0.02. A handful of problems makes these figures noisy; run the
# chapter with a larger `sweep_problems` to firm them up.

# %%
chapter.finish()
