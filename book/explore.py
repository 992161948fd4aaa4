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
# # Explore the policy
#
# The previous chapters measured the policies over hundreds of networks. This one is for looking at one
# network at a time: pick a network and a minimum rate $f_{\min}$, draw the U-GNN's allocations, and see
# which users it serves, against the expert. In a live kernel the panels of the first section do it with
# PyTorch; in the static HTML book the second section does it with no kernel and no server, the denoiser
# running in this page.

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
import time

import torch

from gsdiff.config import policy_candidate
from gsdiff.notebooks import open_chapter, record
from gsdiff.policy import load_distilled
from gsdiff.viz import SamplerControls, show_browser_sampler, show_widget
from gsdiff.viz.panels import percentile_panel, sampling_panel, slice_panel

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 0  # seed of the page's first press and of the panels' samples
kinds = ["ugnn", "gnn"]  # the policies the training chapter tuned together (their settings are read back)
kind = "ugnn"  # the policy this page samples in the browser (one of kinds)
networks_per_density = 2  # test networks per density offered in the page, capped at the split's size
f_mins = [0.4, 0.5, 0.6, 0.7, 0.8, 0.9]  # bits/s/Hz: the page's f_min menu (0.9: beyond the training grid)
sample_counts = [25, 50, 100, 200]  # the page's menu of samples per press
num_samples = 100  # samples per press selected at first (one of sample_counts)
profile_settings = {}  # profile settings changed for this run, as `gsdiff train --set` (the training chapter's)

# %%
chapter = open_chapter(globals())  # checks and records the parameters, resolves the profile

# %%
if kind not in kinds:
    raise ValueError(f"kind must be one of kinds {kinds}, got {kind!r}")
config = chapter.profile
f_min = config.f_min
dataset = chapter.dataset({"validation": (f_min,), "test": (f_min,)})  # what the training chapter used
policies = chapter.policies(dataset, kinds)
setting = chapter.tuned(dataset, policies).sampling[policy_candidate(kind)]  # the training chapter's choice
policy = policies[policy_candidate(kind)]
gains, expert_w = dataset.at_f_min("test", f_min, networks_per_density)
per_density = gains.shape[0] // len(config.densities_per_km2)
labels = [
    f"density {density:g} per km², test network {k + 1}"
    for density in config.densities_per_km2
    for k in range(per_density)
]
# The page runs the fastest shipped policy: the distilled student where one ships (`gsdiff distill`).
distilled = load_distilled(config, kind)
page_policy, page_setting = (policy, setting) if distilled is None else (distilled, distilled.sampling)
page_policy.sample(gains[:1], f_min, 1, page_setting)  # warm-up: the timing below is of sampling alone
start = time.perf_counter()
page_policy.sample(gains[:1], f_min, 100, page_setting, generator=torch.Generator().manual_seed(seed))
record("pytorch_seconds_per_100", round(time.perf_counter() - start, 2))
record("f_min", f_min)
record("num_pairs", config.num_pairs)
record("setting", setting.label)
record("page_policy", "the tuned policy" if distilled is None else "its distilled student (`gsdiff distill`)")
record("page_setting", page_setting.label)
record("steps", page_setting.steps)
record("sampler", page_setting.sampler)

# %% [markdown]
# ## Live panels
#
# Run this chapter in Jupyter, Colab or Voilà and three panels (`gsdiff.viz.panels`) sample the policy on the
# spot with PyTorch, with the sampling setting the training chapter chose. The **sampling panel** draws a
# new network of the density, size and seed you pick, asks the policy for any $f_{\min}$ (on the training
# grid or not) with the number of samples, the sampler, its steps and η (DDIM's) you set, optionally plays
# the samples by dual time-sharing, and draws the network map coloured by transmit power (a slider over the
# samples), the strip of samples and the time-sharing percentile curves against the expert's, which it runs
# on the same network.
# The **slice panel** shows, for a network and one of its most coupled pairs of users, the policy's joint
# samples of the pair over the expert's. The **percentile panel** draws the cumulative p1, p5 and mean over
# slots for the candidates, horizon and $f_{\min}$ you choose, on networks of every density. A progress bar
# and a status line say what is being computed and how long it took. Each is one call, e.g.
# `sampling_panel()` with no arguments samples the shipped U-GNN of the `book` profile.

# %%
show_widget(
    lambda: sampling_panel(policy, config, setting),
    "The sampling panel appears here when the chapter runs in a live kernel; the page's own sampler is below.",
)

# %%
show_widget(
    lambda: slice_panel(policy, config, setting),
    "The slice panel appears here when the chapter runs in a live kernel.",
)

# %%
show_widget(
    lambda: percentile_panel(policy, config, setting),
    "The percentile panel appears here when the chapter runs in a live kernel.",
)

# %% [markdown]
# ## Sampling in this page (no kernel)
#
# The figures below are drawn by your browser. The U-GNN's channel-graph construction and denoiser were
# exported to one ONNX graph when this page was built (`gsdiff.policy.export_denoiser`: the raw gains
# in, the noise estimate out, networks of {glue:text}`num_pairs` pairs), and onnxruntime-web runs it on its
# WebAssembly backend, on one thread, from files served beside this page. A press of *sample* runs the
# reverse process of {glue:text}`page_policy` exactly as `DiffusionPolicy.sample` does with its setting
# ({glue:text}`page_setting`; the panels above sample the policy with the setting the training chapter chose,
# {glue:text}`setting`): {glue:text}`steps` steps of its sampler ({glue:text}`sampler`), whose timesteps and
# coefficients the page reads from the Python sampler (`gsdiff.policy.ReverseSteps`), conditioned on
# $f_{\min}$ + margin and projected onto the levels. Then it computes each sample's exact ergodic rates by
# the quadrature of `gsdiff.wireless.ergodic_rates_exact` and averages them over the samples: each user's
# rate when the network time-shares the samples over infinitely many fading slots. One difference from the
# Python sampler: the initial noise is i.i.d. Gaussian from a seeded generator (mulberry32 and Box–Muller), where
# the policy's own sampler draws Sobol points; both are standard normal, Sobol points spread more evenly.
# The *seed* makes a draw repeatable and goes up by one at each press. The test of this page runs the
# page's sampler and the Python one from the same noise and compares their powers and rates
# (`tests/test_book.py`).
#
# The status line says how long a press took in your browser; PyTorch took {glue:text}`pytorch_seconds_per_100`
# s per 100 samples in the kernel that built this page. Nothing leaves the page: the model, onnxruntime-web and
# the networks are static files of this book. To host the book yourself, serve `.mjs` files as
# `text/javascript` and `.wasm` files as `application/wasm` (GitHub Pages does).

# %% tags=["remove-stderr"]
controls = SamplerControls(tuple(f_mins), f_min, tuple(sample_counts), num_samples, seed)
show_browser_sampler(
    "explore",
    "The in-browser sampler runs in the static HTML book, which serves its model and onnxruntime-web beside "
    "the page; in a live kernel, use the panels above.",
    page_policy,
    gains,
    labels,
    expert_samples_w=expert_w,
    expert_f_min=f_min,
    setting=page_setting,
    controls=controls,
)
chapter.finish()

# %% [markdown]
# **Figure.** Top: the sampled transmit powers, one column per sample and one row per user (yellow: full
# power, dark: off). Bottom: each user's exact time-shared rate over the samples (bars), the expert's on the
# same network from its own samples (dots, at $f_{\min}$ = {glue:text}`f_min` only, the level at which the
# dataset holds them) and the chosen $f_{\min}$ (dashed). Users whose bar ends below the dashed line are not served at that requirement; look for pairs of
# users that take turns (alternating columns of the heatmap).
