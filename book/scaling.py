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
# # Scaling up: GPUs, several processes, what the paper's size costs, and what the policy saves
#
# The book runs on a 2-core CPU with networks of 20 pairs. The papers train at $N = 400$ on a GPU, with four
# densities, five $f_{\min}$ levels and hundreds of networks per density: the `paper` profile. This chapter
# says how to run gsdiff there, and measures, on the machine that builds this page, what each stage of a
# profile costs, so that the bill of the paper profile is an estimate from measurements rather than a guess.
# Then it measures the other side of the bill: what a trained policy saves against the expert it replaces,
# in compute on a new network and in time-sharing slots from a cold start.
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

from gsdiff.config import (
    EXPERT_ONLINE,
    DropConfig,
    distilled_candidate,
    expert_for_size,
    get_profile,
    override_profile,
)
from gsdiff.devices import resolve_device
from gsdiff.evaluation import amortization, measure_expert_cost, measure_profile_cost, transient
from gsdiff.notebooks import open_chapter, record
from gsdiff.policy import load_distilled
from gsdiff.viz import amortization_table, cost_figure, cost_table, show, transient_figure, transient_table
from gsdiff.wireless import drop_networks

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # the profile costed beside "paper": "ci" (tiny), "book" (default), "paper" (GPU scale)
device = "cpu"  # where to measure: "cpu", or "cuda" (then the CPU too, for the ratio)
paper_train_problems = 4  # problems per timed training step at the paper's size on a CPU (scaled to 64)
mean_field_interferers = 19  # K: the paper profile again with the mean-field expert (exact for the K
# strongest interferers of each receiver); 0: leave that variant out
profile_settings = {}  # settings changed in the costed profile, as `gsdiff train --set`: {"num_pairs": 50}
kinds = ["ugnn", "gnn"]  # the profile's policies measured against the expert
amortization_pairs = [20, 100]  # network sizes of the amortization table (benchmarks/amortization.py: more)
amortization_networks = 2  # new networks per size
amortization_samples = 200  # samples per network, the expert's and each policy's
exact_max_pairs = 100  # the exact expert runs up to this N (O(N^2) per iteration), the mean-field one always
transient_pairs = [20, 400]  # network sizes of the transient
transient_networks = 2  # new networks per size
transient_slots = 300  # time-sharing slots played from a cold start
density = 10.1  # users per km^2 of the new networks

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

# %% [markdown]
# (scaling-savings)=
# ## What the policy saves
#
# The papers' premise (extended paper, Remark 1) is that one sampling pass replaces the primal-dual
# iterations an expert must run on every new network, and that a deployed expert, which runs those
# iterations online, plays poor allocations while its multipliers are still growing. Both sides are measured
# here on new networks, with the policies sampling as chosen on validation (sampler, steps, margin and levels;
# on networks larger than their training ones, the degree they trained with).
#
# **Compute.** `gsdiff.evaluation.amortization` times the exact expert and the mean-field expert to their
# {glue:text}`savings.samples` samples per network (burn-in included) and each policy drawing as many, and
# puts the policy's quality beside its time: p5 and mean of its samples played as the papers play them,
# over those of the expert's own samples played the same way.

# %%
config = chapter.profile
f_min, radio = config.f_min, config.radio
dataset = chapter.dataset({"validation": (f_min,)})  # the training chapter's, for its sampling choices
policies = chapter.policies(dataset, kinds)
sampling = dict(chapter.tuned(dataset, policies).sampling)
for kind in kinds:  # the distilled students that ship (`gsdiff distill`), with their own few steps
    distilled = load_distilled(config, kind)
    if distilled is not None:
        policies[distilled_candidate(kind)], sampling[distilled_candidate(kind)] = (
            distilled,
            distilled.sampling,
        )
rows = amortization(
    amortization_pairs,
    policies,
    radio,
    config.expert,
    config.evaluation,
    f_min=f_min,
    density_per_km2=density,
    num_samples=amortization_samples,
    num_networks=amortization_networks,
    exact_max_pairs=exact_max_pairs,
    sampling=sampling,
    seed=config.seed,
)
display(Markdown(amortization_table(rows)))
first = next(iter(policies))
record("savings.samples", amortization_samples)
record("savings.threads", torch.get_num_threads())
record("savings.policy", first.label)
for name, row in (("small", rows[0]), ("large", rows[-1])):
    record(f"savings.{name}", row.num_pairs)
    record(f"savings.{name}_sampling", row.policy_sampling[first])
    record(f"savings.{name}_exact_speedup", (row.exact_seconds or math.nan) / row.policy_seconds[first])
    record(f"savings.{name}_mean_field_speedup", row.mean_field_seconds / row.policy_seconds[first])
    record(f"savings.{name}_p5", row.p5_ratio[first])
large_row = rows[-1]
fastest = min(large_row.policy_seconds, key=large_row.policy_seconds.get)
record("savings.fastest", fastest.label)
record(
    "savings.fastest_exact_speedup", (large_row.exact_seconds or math.nan) / large_row.policy_seconds[fastest]
)
record("savings.fastest_mean_field_speedup", large_row.mean_field_seconds / large_row.policy_seconds[fastest])
record("savings.fastest_p5", large_row.p5_ratio[fastest])
record("savings.fastest_mean", large_row.mean_ratio[fastest])

# %% [markdown]
# **Table.** Seconds per new network on {glue:text}`savings.threads` CPU threads (a shared machine: read the
# ratios of one run), and the quality of the same samples. At $N$ = {glue:text}`savings.small`, the
# {glue:text}`savings.policy` ({glue:text}`savings.small_sampling`) draws its samples
# {glue:text}`savings.small_exact_speedup:.2f` times as fast as the exact expert runs to its own, with p5
# {glue:text}`savings.small_p5:.2f` times the expert's; at $N$ = {glue:text}`savings.large` it is
# {glue:text}`savings.large_exact_speedup:.2f` times as fast as the exact expert and
# {glue:text}`savings.large_mean_field_speedup:.2f` times as fast as the mean-field one. The fastest policy
# there, {glue:text}`savings.fastest`, is {glue:text}`savings.fastest_exact_speedup:.2f` and
# {glue:text}`savings.fastest_mean_field_speedup:.2f` times as fast as the two experts, with p5
# {glue:text}`savings.fastest_p5:.2f` and mean {glue:text}`savings.fastest_mean:.3f` times the expert's.
# Below 1 the expert is the cheaper of the two: on this CPU, at these sizes, gsdiff's expert (exact moves on
# a few power levels, vectorized over users) costs a few tens of denoiser passes, and the policy must beat
# that with its few steps. `python benchmarks/amortization.py --before` measures the sizes that do not fit a
# build (400 and 1600 pairs) and the policies at the 20 DDIM steps they used before the few-step solvers.

# %% [markdown]
# **Slots.** `gsdiff.evaluation.transient` plays, from the first slot of a new network, the expert run
# online (its own iteration with no burn-in: multipliers from zero, updated from the rates it observes in
# each slot, every iterate played), the expert after its offline burn-in (the steady state the online one
# approaches, its chain in order) and each policy's samples in the order drawn. Each user's rate is its
# time-shared average so far; the figure follows the 5th percentile over users, slot by slot.

# %%
transients = []
record("transient_networks", transient_networks)
for n in transient_pairs:
    gains = drop_networks(
        transient_networks, DropConfig(num_pairs=n, density_per_km2=density), seed=config.seed + 1
    ).gains
    expert = expert_for_size(config.expert, n)
    result = transient(
        gains,
        f_min,
        policies,
        radio,
        expert,
        num_slots=transient_slots,
        seed=config.seed,
        sampling=sampling,
        interferers=expert.interferers,
    )
    transients.append(result)
show(transient_figure(transients))
display(Markdown(transient_table(transients)))
for name, result in (("small", transients[0]), ("large", transients[-1])):
    record(f"transient.{name}", result.num_pairs)
    for who, candidate in (("online", EXPERT_ONLINE), ("policy", first)):
        slots = result.slots_to_f_min[candidate]
        record(f"transient.{name}_{who}_slots", "never" if slots is None else slots)
        record(f"transient.{name}_{who}_deficit", result.tail_deficit[candidate])

# %% [markdown]
# **Figure and table.** The running 5th percentile of the users' time-shared rates against the slot (log
# scale; the dotted line is $f_{\min}$), on {glue:text}`transient_networks` new networks per size, and, per
# candidate, the first slot from which it stays at or above $f_{\min}$ and the tail's deficit (the sum over
# slots of how far it is below $f_{\min}$). At $N$ = {glue:text}`transient.small`, the online expert needs
# {glue:text}`transient.small_online_slots` slots (deficit {glue:text}`transient.small_online_deficit:.1f`),
# the {glue:text}`savings.policy` {glue:text}`transient.small_policy_slots`
# (deficit {glue:text}`transient.small_policy_deficit:.1f`); at $N$ = {glue:text}`transient.large`,
# {glue:text}`transient.large_online_slots` against {glue:text}`transient.large_policy_slots` (deficits
# {glue:text}`transient.large_online_deficit:.1f` and {glue:text}`transient.large_policy_deficit:.1f`).
# Every candidate starts at 0: one slot of any allocation leaves someone off, so time-sharing itself needs a
# few slots; the online expert's extra slots are its transient, the cost of learning the multipliers on the
# network itself. Where the policy's tail falls short of the expert's at the larger size (the results
# chapter's size study), its line settles below the others: it starts faster and ends lower.

# %%
chapter.finish()
