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
# # Scaling up: GPUs, several processes, and what the paper's size costs
#
# The book runs on a 2-core CPU with networks of 20 pairs. The papers train at $N = 400$ on a GPU, with four
# densities, five $f_{\min}$ levels and hundreds of networks per density: the `paper` profile. This chapter
# says how to run gsdiff there, and measures, on the machine that builds this page, what each stage of a
# profile costs, so that the bill of the paper profile is an estimate from measurements rather than a guess.
#
# **One device.** Every library function makes its tensors on its inputs' device, or on the `device` it is
# given (`load_or_build_dataset(..., device=)`, `train_policy(..., device=)`, `policy.to(device)`), and the
# command line takes `--device cuda`. Randomness is drawn on the device too (a CUDA generator draws other
# numbers than a CPU one from the same seed, so an expert dataset built on CUDA has its own cache key), and
# the training step never reads a value back to the host: the noise schedule follows the weights, the
# sampler's coefficients are host floats, and the dataset is validated once, not at every step.
#
# ```bash
# gsdiff dataset --profile paper --device cuda                  # the expert grid, cached by content
# gsdiff train --profile paper --device cuda --out paper.pt     # resumable: rerun to continue
# gsdiff train --profile paper --device cuda --set train.precision=bfloat16 --out paper-bf16.pt
# ```
#
# **Several GPUs, several machines.** `torchrun` starts one process per GPU, and `gsdiff train` under it
# trains data-parallel (PyTorch's DistributedDataParallel, NCCL on GPUs, gloo on CPUs): every rank draws the
# same global mini-batch and computes the loss on its own shard, so $K$ processes follow the one-process
# trajectory to floating-point round-off, and rank 0 validates and writes the checkpoints, which resume
# under any number of processes. `gsdiff dataset` under torchrun divides the expert's cells among the ranks.
#
# ```bash
# torchrun --nproc-per-node 8 -m gsdiff dataset --profile paper --device cuda
# torchrun --nproc-per-node 8 -m gsdiff train --profile paper --device cuda --out paper.pt
# torchrun --nnodes 2 --node-rank 0 --nproc-per-node 8 --rdzv-endpoint HOST:29500 -m gsdiff train ...
# ```
#
# Any profile setting can be changed from the command line with `--set NAME=VALUE`
# (`--set train.num_steps=5000 --set num_networks_per_density=512`); every value passes the configs' checks.

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
import math

import torch
from IPython.display import Markdown, display

from gsdiff.config import get_profile, override_profile
from gsdiff.devices import resolve_device
from gsdiff.evaluation import measure_expert_cost, measure_profile_cost
from gsdiff.notebooks import open_chapter, record
from gsdiff.viz import cost_figure, cost_table, show

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # the profile costed beside "paper": "ci" (tiny), "book" (default), "paper" (GPU scale)
device = "cpu"  # where to measure: "cpu", or "cuda" (then the CPU too, for the ratio)
paper_train_problems = 4  # problems per timed training step at the paper's size on a CPU (scaled to 64)
mean_field_interferers = 19  # K: the paper profile again with the mean-field expert (exact for the K
# strongest interferers of each receiver); 0: leave that variant out
profile_settings = {}  # settings changed in the costed profile, as `gsdiff train --set`: {"num_pairs": 50}

# %%
chapter = open_chapter(globals())  # checks and records the parameters, resolves the costed profile

# %% [markdown]
# ## Measured costs
#
# `gsdiff.evaluation.measure_profile_cost` times a few units of each stage at the profile's own sizes: expert
# network-iterations (the difference between runs of 12 and 2 iterations, so the setup a long run pays once
# is left out), optimizer steps at the profile's mini-batch, and sampled allocations. It scales each to
# the profile's full run: the whole expert grid, every training step, the validations' and the test
# evaluation's samples.

# %%
devices = [resolve_device(device)] if device == "cpu" else [resolve_device("cpu"), resolve_device(device)]
paper = get_profile("paper")
costs = []
for where in devices:
    options = {"train_problems": paper_train_problems} if where.type == "cpu" else {}  # a GPU: the full batch
    costs += [
        measure_profile_cost(chapter.profile, device=where),
        measure_profile_cost(paper, device=where, **options),
    ]
    if mean_field_interferers:
        mean_field = override_profile(paper, {"expert.interferers": mean_field_interferers})
        expert = measure_expert_cost(mean_field, device=where)
        costs.append(costs[-1].with_stage(expert, f"paper, mean-field expert K = {mean_field_interferers}"))
display(Markdown(cost_table(costs)))

# %% [markdown]
# **Table.** Measured seconds per unit of work and the estimated time of each stage, per profile and device
# (the paper profile's last group: the same with the mean-field expert). Estimates are linear
# extrapolations of short timings on a shared machine; memory, file I/O and dual time-sharing are left out.

# %%
show(cost_figure(costs))
book_cost, paper_cost = costs[0], costs[1]
record("costs.profile.total_minutes", round(book_cost.total_seconds / 60, 1))
for cost, name in ((book_cost, "profile"), (paper_cost, "paper")):
    record(f"costs.{name}.total_hours", round(cost.total_seconds / 3600, 2))
    for stage in cost.stages:
        key = stage.stage.replace(" ", "_")
        record(f"costs.{name}.{key}.seconds_per_unit", stage.seconds_per_unit)
        record(f"costs.{name}.{key}.hours", round(stage.total_seconds / 3600, 2))
if mean_field_interferers:
    record(
        "costs.paper_mean_field.expert_hours", round(costs[2].stage("expert dataset").total_seconds / 3600, 2)
    )
# the expert's cost per network-iteration as a power of N, from the two profiles' measurements
growth = (
    paper_cost.stage("expert dataset").seconds_per_unit / book_cost.stage("expert dataset").seconds_per_unit
)
record("costs.expert_exponent", math.log(growth) / math.log(paper_cost.num_pairs / book_cost.num_pairs))
record("gpu_available", torch.cuda.is_available())

# %% [markdown]
# **Figure.** The estimated hours of each stage (log scale). On this machine the paper profile's expert grid
# would take {glue:text}`costs.paper.expert_dataset.hours:,.0f` hours and its training steps
# {glue:text}`costs.paper.training_steps.hours:,.0f` hours, against {glue:text}`costs.profile.total_minutes:,.0f`
# minutes for all the stages of the profile this page was built with; the mean-field expert cuts the expert's
# share to {glue:text}`costs.paper_mean_field.expert_hours:,.0f` hours. Measured here, the expert's cost per
# network-iteration grows as $N^{x}$ with $x$ = {glue:text}`costs.expert_exponent:.2f` between the two
# profiles' sizes (all $N^2$ links at each of its moves), the denoiser's per step about as $N k$ with sparse
# top-$k$ graphs: at the paper's size the expert, not the policy, is what asks
# for a GPU, and its cells are independent, so `torchrun` divides them among as many GPUs as there are.
#
# GPU available to this build: {glue:text}`gpu_available`. Where it says `False`, the table holds CPU
# timings only, and GPU throughput has to be measured on a GPU: `python benchmarks/profile_costs.py --device
# cuda` prints the same table there (`benchmarks/device_check.sh` runs it with the `gpu` tests).

# %%
chapter.finish()
