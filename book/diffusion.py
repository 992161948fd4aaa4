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
# # The diffusion policy
#
# The expert needs a thousand primal–dual iterations for every new network. The diffusion policy learns to
# draw its samples directly: a conditional denoising diffusion model over allocation vectors, viewed as graph
# signals on the channel graph, whose noise predictor is a U-shaped graph neural network (U-GNN) conditioned on
# the graph and on the node signal $u$ (direct link, interference, $f_{\min}$). This chapter shows the noising
# and denoising processes, the U-GNN's levels on a real network, the training curves, and the policy on
# held-out networks against the expert and the baselines, with the plain GNN denoiser of the CAMSAP paper side
# by side.

# %% tags=["hide-output"]
# On Colab: install gsdiff first (Colab's own torch is kept; the URL is the project's repository).
import sys

if "google.colab" in sys.modules:
    import subprocess

    GSDIFF_SOURCE = "gsdiff @ git+https://github.com/gsdiff/gsdiff"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", GSDIFF_SOURCE], check=True)

# %%
import time
from dataclasses import replace

import numpy as np
import torch
from IPython.display import Markdown, display

from gsdiff.baselines import average_power, full_power
from gsdiff.channel import drop_networks
from gsdiff.config import get_profile
from gsdiff.datasets import default_cache_dir, load_or_build_dataset
from gsdiff.display import show
from gsdiff.evaluation import evaluate_time_sharing
from gsdiff.expert import run_expert
from gsdiff.figures import (
    metrics_table,
    percentile_curves_figure,
    signal_steps_figure,
    training_curves_figure,
    ugnn_levels_figure,
)
from gsdiff.graphs import graph_tensors
from gsdiff.pretrained import checkpoint_path, load_pretrained
from gsdiff.schedule import to_diffusion_space
from gsdiff.train import train_policy

# %% tags=["parameters"]
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 0  # seed of the noise, the samples and the fading slots
kinds = ["ugnn", "gnn"]  # denoisers compared: the U-GNN and the CAMSAP GNN
retrain = False  # True: train here even when gsdiff ships a checkpoint for this profile
eval_networks_per_density = 16  # held-out test networks per density for the evaluation
num_samples = 100  # policy samples per test network (500 slots, held 5 slots each: 100 are played)

# %%
config = get_profile(profile)
f_min, radio = config.f_min, config.radio
started = time.perf_counter()
dataset = load_or_build_dataset(config, progress=False)

# %% [markdown]
# ## Noising and denoising allocations
#
# An expert allocation $x$ (in W) is mapped to the diffusion space $x_0 = x/P_{\max} - 1/2 \in [-1/2, 1/2]^N$.
# The forward process (eq. (3)) blends it with Gaussian noise, $x_k = \sqrt{\bar\alpha_k}\,x_0 +
# \sqrt{1-\bar\alpha_k}\,\epsilon$, with a linear $\beta$ schedule over $K$ steps, until nothing of $x_0$ is
# left. A denoiser $\epsilon_\theta(x_k, k; H, u)$ learns to predict the noise (eq. (4)); the reverse process
# (DDIM, eq. (5)) starts from pure noise and steps back to an allocation, here in a few tens of steps.

# %%
policies, info = {}, {}
for kind in kinds:
    policy = None if retrain else load_pretrained(config, kind)
    if policy is None:
        timer = time.perf_counter()
        work = default_cache_dir() / f"policy-{dataset.key}-{profile}-{kind}"
        kind_profile = replace(config, denoiser=replace(config.denoiser, kind=kind))
        result = train_policy(kind_profile, dataset, work, progress=False, seed=seed)
        policy, source = result.policy, f"trained in this run ({time.perf_counter() - timer:.0f} s)"
        policy.checkpoint_info = {"history": result.history, "best_step": result.best_step}
    else:
        source = f"the shipped checkpoint `{checkpoint_path(profile, kind).name}`"
    policy.eval()
    policies[kind], info[kind] = policy, source
display(Markdown("; ".join(f"{k.upper()}: {v}" for k, v in info.items()) + "."))

# %%
test_gains, test_f, test_samples = dataset.split("test")
at_f = torch.isclose(test_f, torch.tensor(f_min, dtype=test_f.dtype))
x0 = to_diffusion_space(test_samples[at_f][-1, 0], radio.max_power_w)  # one expert sample, densest drop
noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed))
k_steps = np.unique(np.linspace(0, policies[kinds[0]].schedule.num_train_steps - 1, 8).round().astype(int))
forward = torch.stack([policies[kinds[0]].schedule.add_noise(x0, noise, int(k)) for k in k_steps])
show(signal_steps_figure(forward.numpy(), [f"k = {k}" for k in k_steps], "forward step"))

# %% [markdown]
# **Figure.** The forward process on one expert allocation of a dense test network (one bar per pair, in the
# diffusion space: −½ is off, +½ is full power). Move the slider: by the last steps the allocation is noise.

# %%
steps, xs, x0s = policies[kinds[0]].trajectory(
    test_gains[at_f][-1], f_min, generator=torch.Generator().manual_seed(seed)
)
labels = ["noise"] + [f"after step {t}" for t in steps]
show(signal_steps_figure(xs.numpy(), labels, "reverse (DDIM)"))

# %% [markdown]
# **Figure.** The reverse process of the U-GNN policy on the same network: from pure noise to an allocation
# in a few DDIM steps; the final sample is clipped to the box and mapped back to watts.
#
# ## The U-GNN's levels on a real network
#
# The U-GNN encodes the noisy allocation through levels that keep fewer and fewer pairs (a learned top-k
# selection keeping 1/γ of the previous level), filtering on coarser levels with higher powers of the shift
# operator so they reach further on the channel graph; the decoder zero-fills the dropped pairs and adds each
# level's encoder output back through a skip connection. The step embedding and the encoded node signal
# enter every block.

# %%
ugnn = policies.get("ugnn")
if ugnn is not None:
    net = drop_networks(1, config.drop(config.densities_per_km2[-1]), seed=seed)
    g = graph_tensors(net.gains, f_min, radio, config.graph)
    x = torch.randn(net.num_pairs, generator=torch.Generator().manual_seed(seed))
    t = torch.tensor([policies["ugnn"].schedule.num_train_steps // 4])
    with torch.no_grad():
        _, masks = ugnn.denoiser(x, t, g.x, g.edge_index, g.edge_weight, g.batch, return_masks=True)
    show(ugnn_levels_figure(net, 0, masks))
    display(Markdown(f"`{ugnn.denoiser!r}` — {sum(p.numel() for p in ugnn.parameters()):,} parameters."))

# %% [markdown]
# **Figure.** A new network of the densest drop: each receiver is marked by the deepest U-GNN level that keeps
# its pair (for one noisy input; the selection is learned and depends on the signal).
#
# ## Training
#
# Both denoisers train on the expert samples of the training networks of every density and $f_{\min}$ level
# (one model for all: $f_{\min}$ is a node feature), with AdamW and a cosine learning rate. Every few hundred
# steps the policy samples allocations for validation problems and we time-share them (exactly, infinitely
# many slots): the best checkpoint is the one with the highest 5th percentile of $r_i - f_{\min}$.

# %%
show(training_curves_figure({k: p.checkpoint_info["history"] for k, p in policies.items()}))
lines = []
for k, p in policies.items():
    h = p.checkpoint_info["history"]
    lines.append(
        f"{k.upper()}: {h['step'][-1]} steps in {h['seconds'][-1] / 60:.1f} min on the machine that trained it, "
        f"best at step {p.checkpoint_info['best_step']} (validation p5 margin "
        f"{max(h['val_p5_margin']):+.3f} bits/s/Hz)"
    )
display(Markdown("**Figure.** Training curves. " + "; ".join(lines) + "."))

# %% [markdown]
# ## The policy on held-out networks
#
# On test networks of every density at $f_{\min}$, each policy draws allocations that we time-share over
# fading slots exactly like the expert's samples; full power and average power (the mean of the expert's
# samples) are the deterministic references.

# %%
per = dataset.splits["test"].stop - dataset.splits["test"].start
keep = torch.cat(
    [
        torch.arange(d * per, d * per + min(per, eval_networks_per_density))
        for d in range(len(dataset.densities_per_km2))
    ]
)
gains, expert_samples = test_gains[at_f][keep], test_samples[at_f][keep]
candidates = {"expert": expert_samples}
sample_s = {}
for kind, policy in policies.items():
    timer = time.perf_counter()
    candidates[kind.upper()] = policy.sample(
        gains, f_min, num_samples, generator=torch.Generator().manual_seed(seed)
    )
    sample_s[kind] = time.perf_counter() - timer
candidates["full power"] = full_power(gains, radio)
candidates["average power"] = average_power(expert_samples)
results = {
    name: evaluate_time_sharing(gains, x, radio, config.evaluation, seed=seed)
    for name, x in candidates.items()
}
metrics = {name: res.metrics(f_min) for name, res in results.items()}
display(Markdown(metrics_table(metrics)))

# %%
show(percentile_curves_figure(results, f_min))

# %% [markdown]
# **Figure.** Cumulative ergodic rates over slots for the policies, the expert and the baselines.

# %%
ex = metrics["expert"]
lines = []
for kind in policies:
    m = metrics[kind.upper()]
    checks = {
        "p5 ≥ 0.95 × expert": m["p5"] >= 0.95 * ex["p5"],
        "p5 ≥ f_min": m["p5"] >= f_min,
        "mean ≥ 0.98 × expert": m["mean"] >= 0.98 * ex["mean"],
        "p5 above FP and AP": m["p5"] > max(metrics["full power"]["p5"], metrics["average power"]["p5"]),
    }
    verdict = ", ".join(f"{name}: {'met' if ok else '**not met**'}" for name, ok in checks.items())
    lines.append(
        f"- **{kind.upper()}**: p5 = {m['p5']:.3f} ({m['p5'] / ex['p5']:.2f} × expert), p1 = {m['p1']:.3f}, "
        f"mean {m['mean']:.3f} ({m['mean'] / ex['mean']:.3f} × expert), {m['feasible_fraction']:.1%} of users "
        f"meet f_min. {verdict}. Drawing {num_samples} allocations for each of {gains.shape[0]} networks took "
        f"{sample_s[kind]:.0f} s ({sample_s[kind] / gains.shape[0]:.2f} s per network)."
    )
timer = time.perf_counter()
run_expert(gains[:1], f_min, radio, config.expert, seed=seed)
expert_s = time.perf_counter() - timer
display(
    Markdown(
        "\n".join(lines) + f"\n\nFor comparison, the expert needs {expert_s:.1f} s for one new network "
        f"({config.expert.num_iterations} iterations). This chapter ran in "
        f"{time.perf_counter() - started:.0f} s."
    )
)

# %% [markdown]
# ## Where this falls short
#
# The checks above are computed against the targets for this profile; where they read *not met*, the
# policy does not yet reach the expert. The validation curve shows where: the p5 margin stops improving after
# the first thousand steps while the loss keeps falling, so the denoiser fits the bulk of the expert's
# distribution but not the rare, exact on/off patterns that carry the tail (the users who only get served when
# their interferer switches fully off). Things to try, each measurable with this chapter: longer training and
# an exponential moving average of the weights, more DDIM steps or η > 0, a larger share of the most coupled
# networks in each mini-batch, and training at N = 50. On this CPU, drawing samples also costs more per network
# than the direct expert at the `book` size (see the timings above), so the amortization the papers report
# needs a GPU or a leaner denoiser.
