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
# # The primal–dual expert
#
# The diffusion policy learns by imitation, so it can only be as good as its expert. The expert is a
# primal–dual algorithm run on one network at a time; after a burn-in its primal iterates *are* samples of a
# near-optimal stochastic policy, and playing them in turn over time slots (time-sharing) meets the
# minimum-rate constraints that no deterministic allocation meets. This chapter runs the expert on one
# network, looks at the randomness of its iterates, checks it against the deterministic baselines over fading
# slots, and generates the dataset grid that the diffusion policy trains on.

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
import time
from dataclasses import replace

import numpy as np
from IPython.display import Markdown, display

from gsdiff.config import AVERAGE_POWER, BASELINE_CANDIDATES, EXPERT, EXPERT_CHAIN, FULL_POWER, ExpertTargets
from gsdiff.evaluation import candidate_rates, candidate_samples, evaluate_candidates
from gsdiff.notebooks import open_chapter, record, record_metrics
from gsdiff.solvers import run_expert, run_gnn_expert
from gsdiff.viz import (
    expert_trajectory_figure,
    grid_heatmap_figure,
    metrics_table,
    percentile_curves_figure,
    policy_slices_figure,
    show,
)
from gsdiff.wireless import asymptotic_rates, rate_metrics

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 0  # seed of the fading slots and of the single-network run
f_min = None  # minimum ergodic rate, bits/s/Hz; None takes the profile's (0.6)
gnn_networks = 16  # test networks (of the densest drop) on which the GNN-parametrized expert is compared
profile_settings = {}  # profile settings changed for this run, as `gsdiff train --set`: {"expert.margin": 0.2}

# %%
chapter = open_chapter(globals())  # checks and records the parameters, resolves the profile
config = chapter.profile
f_min = config.grid_f_min(f_min)  # one of the dataset's levels, checked before the dataset is built
radio, evaluation, expert = config.radio, config.evaluation, config.expert

# %% [markdown]
# ## The Lagrangian and the dual dynamics
#
# For one network with large-scale gains $H$, write $\bar r_i(x)$ for the ergodic rate of user $i$ when the
# allocation $x$ is used in every slot (exact under Rayleigh fading, by quadrature). With multipliers
# $\lambda \ge 0$ scaled as $\mu = N\lambda$, the Lagrangian of the deterministic problem is
#
# $$
# \mathcal{L}(x, \mu) = \frac{1}{N}\sum_i \big[(1 + \mu_i)\,\bar r_i(x) - \mu_i f_{\min}\big],
# $$
#
# and the expert alternates (eqs. (9)–(10) of the extended paper)
#
# $$
# x_{t+1} \approx \arg\max_{x \in [0, P_{\max}]^N} \mathcal{L}(x, \mu_t), \qquad
# \mu_{t+1} = \big[\mu_t - \eta\,(\hat r_{t+1} - f_{\min} - m)\big]_+ .
# $$
#
# *Primal step.* A few gradient steps get stuck: a receiver drowned by a strong interferer has rate ≈ 0, so
# its gradient cannot make the interferer yield, and its multiplier grows without bound. gsdiff's primal step
# is instead a randomized block-coordinate ascent over a grid of power levels: every user evaluates
# **exactly** (the quadrature factorizes over interferers) how $\mathcal{L}$ would change if it moved to each
# level, or moved while its strongest interferer switched off; users with an improving move propose it with
# probability ½, and of strongly coupled proposers only the best moves.
#
# *Dual step.* $\hat r$ is a moving average of the iterates' rates and $m$ a small margin (constraint
# tightening, so that a finite window of iterates meets $f_{\min}$). With the iterate's own rate instead of an
# average, every user that takes turns would accrue a multiplier whenever it is off, and turns would be split
# by a race of multipliers rather than by the constraints.

# %%
dataset_timer = time.perf_counter()
dataset = chapter.dataset({"validation": None, "test": (f_min,)})  # what this chapter uses
dataset_wall_s = time.perf_counter() - dataset_timer
gains, samples = dataset.at_f_min("test", f_min)  # [B, N, N], [B, S, N]: every test network at f_min

# %% [markdown]
# ## One network, iteration by iteration
#
# The run below records every iteration of the expert on one test network of the densest drop.

# %%
densest = gains.shape[0] - 1  # test problems are ordered by density: the last is in the densest drop
one = run_expert(gains[densest : densest + 1], f_min, radio, replace(expert, record_every=1), seed=seed)
show(expert_trajectory_figure(one, 0, f_min))

# %% [markdown]
# **Figure.** Top: the multipliers λ_i; middle: the transmit powers; bottom: each user's running mean of its
# ergodic rate. Users that can meet $f_{\min}$ on their own keep λ = 0. Users that drown each other take
# turns: their powers switch between levels and their multipliers rise while they wait and fall while they
# transmit — the iterates keep moving instead of converging, and their running rates settle above the dashed
# $f_{\min}$ line. The first iterations (burn-in) are discarded; the samples are thinned late iterates.
#
# ## Why the iterates are random
#
# Playing one allocation forever cannot serve two receivers that drown each other; alternating can. The
# expert's samples of a pair of strongly coupled users show it.

# %%
show(policy_slices_figure(samples, gains))

# %% [markdown]
# **Figure.** Joint samples of the powers of the most strongly coupled pairs of users of a test network (the
# slider moves over networks); a point's size is how often the expert plays it. The mass sits on a few
# separated modes — one user on, the other off or backed off — rather than around one allocation: the policy
# is multi-modal and its mean (the average-power baseline) is an allocation it never plays.
#
# ## The expert against deterministic baselines
#
# On the held-out test networks of the dataset (all densities) at $f_{\min}$, we time-share the expert's
# samples over fading slots and compare with full power (FP), the average power of the same samples (AP)
# and WMMSE. The expert plays two ways: its chain of iterates in order, one per time-sharing slot, as it
# ran (the dual dynamics balance the turns), and drawn as the papers' evaluator plays every stochastic
# policy, each time-sharing slot an independent draw among $K$ of its samples (the results chapter compares
# the policies with this one). This chapter's target is read on the chain, the expert itself.

# %%
timer = time.perf_counter()
baselines = tuple(BASELINE_CANDIDATES.values())  # FP, AP and WMMSE
candidates = candidate_samples(gains, f_min, samples, radio, baselines=baselines)
results = evaluate_candidates(gains, candidates, radio, evaluation, seed=seed)
metrics = {name: res.metrics(f_min) for name, res in results.items()}
exact = {name: rate_metrics(r, f_min) for name, r in candidate_rates(gains, candidates, radio).items()}
eval_s = time.perf_counter() - timer
display(Markdown(metrics_table(metrics)))

# %% [markdown]
# **Table.** Ergodic-rate metrics after the evaluation slots: each percentile over one network's users,
# averaged over the test networks and the realizations of the draws (the papers' aggregation).

# %%
show(percentile_curves_figure(results, f_min))

# %% [markdown]
# **Figure.** Running ergodic rates over time-sharing slots (windows of {glue:text}`window_slots` fading
# slots): the 1st and 5th percentiles over every user of every test network, per realization and averaged,
# and the mean. The expert's tail needs some slots of time-sharing to climb above $f_{\min}$, the chain's
# sooner than the drawn expert's; the deterministic policies settle quickly, below it.

# %%
ex, drawn = metrics[EXPERT_CHAIN], metrics[EXPERT]
fp, ap = metrics[FULL_POWER], metrics[AVERAGE_POWER]
checks = ExpertTargets().check(metrics, f_min, EXPERT_CHAIN)
record_metrics("test", metrics)
record("targets.expert", checks)
record("window_slots", evaluation.window_slots)
target = all(checks.values())
display(
    Markdown(
        f"Over {evaluation.num_slots} slots, the expert's chain meets f_min = {f_min} for "
        f"{ex['feasible_fraction']:.1%} of the {gains.shape[0] * gains.shape[-1]} test users (p5 = {ex['p5']:.3f}, "
        f"p1 = {ex['p1']:.3f}, mean {ex['mean']:.3f}); with infinitely many slots (exact) "
        f"{exact[EXPERT_CHAIN]['feasible_fraction']:.1%} (p5 = {exact[EXPERT_CHAIN]['p5']:.3f}). Drawn as the "
        f"papers draw a policy's samples, it meets f_min for {drawn['feasible_fraction']:.1%} (p5 = "
        f"{drawn['p5']:.3f}): independent draws leave some users fewer turns than the chain gives them in "
        f"{evaluation.num_windows} time-sharing slots. Full power reaches "
        f"p5 = {fp['p5']:.3f} and average power p5 = {ap['p5']:.3f}. The target of this chapter — the expert "
        f"feasible for ≥ 99% of users with p5 ≥ f_min while FP and AP fall below f_min at p5 — is "
        f"**{'met' if target else 'NOT met'}** here. (Evaluating the {len(results)} candidates took {eval_s:.1f} s.)"
    )
)

# %% [markdown]
# ## The GNN-parametrized expert
#
# The papers parametrize the primal variable by a shallow GNN, $x = P_{\max}\,\sigma(\Phi(H; u, \mu))$: three
# TAGConv layers ($K = 2$) that see each network's channel graph, node conditions and current multipliers,
# trained jointly over many networks by a few Adam steps on the Lagrangian per iteration, with per-network
# multipliers (`gsdiff.solvers.gnn_expert`). Its iterates are samples in the same format. We run it on test networks
# of the densest drop and compare it with the direct expert on the same networks.

# %%
last = gains.shape[0]
chosen = slice(max(0, last - gnn_networks), last)  # the densest drop's test networks come last
timer = time.perf_counter()
gnn = run_gnn_expert(gains[chosen], f_min, radio, config.gnn_expert, config.graph, seed=seed)
gnn_s = time.perf_counter() - timer
side_by_side = {
    "direct expert": rate_metrics(asymptotic_rates(gains[chosen], samples[chosen], radio), f_min),
    "GNN expert": rate_metrics(asymptotic_rates(gains[chosen], gnn.samples_w, radio), f_min),
}
display(Markdown(metrics_table(side_by_side)))
record_metrics("gnn_expert", side_by_side)

# %%
direct_m, gnn_m = side_by_side["direct expert"], side_by_side["GNN expert"]
off_direct = (samples[chosen] < 0.01 * radio.max_power_w).double().mean().item()
off_gnn = (gnn.samples_w < 0.01 * radio.max_power_w).double().mean().item()
display(
    Markdown(
        f"**Table.** Exact ergodic-rate metrics of both experts on {gains[chosen].shape[0]} test networks of the "
        f"densest drop. The GNN expert ({config.gnn_expert.num_iterations} iterations, {gnn_s:.0f} s) meets "
        f"f_min for {gnn_m['feasible_fraction']:.1%} of users with p5 = {gnn_m['p5']:.3f} and a mean rate of "
        f"{gnn_m['mean']:.3f} bits/s/Hz, against {direct_m['feasible_fraction']:.1%}, {direct_m['p5']:.3f} and "
        f"{direct_m['mean']:.3f} for the direct expert ({(gnn_m['mean'] / direct_m['mean'] - 1):+.0%} in mean "
        f"rate). A user is (nearly) off — below 1% of P_max — in {off_gnn:.1%} of the GNN expert's samples and "
        f"{off_direct:.1%} of the direct expert's. One smooth function of (u, μ) for all networks is a coarser "
        f"primal step than exact per-network moves; the direct expert is gsdiff's default source of samples."
    )
)

# %% [markdown]
# ## The dataset grid
#
# The diffusion policy trains on expert samples for every density and QoS level: each density's networks are
# drawn once and split 5:1:2 by network into train, validation and test; the expert runs on the networks of
# each split at every $f_{\min}$, one seeded run per (density, $f_{\min}$, split). Cells are cached by a hash
# of everything that generates them, written atomically, an interrupted run resumes at the first missing
# cell, and a chapter builds only the cells it uses: with the shipped policies the book needs the
# validation split at every level and the test split at the reference $f_{\min}$, a small part of the full
# grid's work (the line below counts it).

# %%
d, f, m, s, n = dataset.samples_w.shape
held = dataset.num_built_cells  # (network, f_min) problems per density with expert samples
cell_s = dataset.seconds.numpy()
sizes = {k: v.stop - v.start for k, v in dataset.splits.items()}
display(
    Markdown(
        f"Grid: {d} densities × {f} f_min levels × {m} networks of N = {n} pairs, {s} samples each; splits "
        f"{sizes} networks per density. This run holds "
        + ", ".join(f"{name} at {level:g}" for name, level in dataset.built)
        + f" ({held} problems per density; the rest is built only to train). Generating them took "
        f"{cell_s.sum():.0f} s of expert time ({expert.num_iterations} iterations per network, "
        f"{cell_s.sum() / (d * held * expert.num_iterations) * 1e3:.2f} ms per network-iteration); this run "
        f"{'loaded them from the cache' if dataset_wall_s < 0.2 * cell_s.sum() else 'generated them'} in "
        f"{dataset_wall_s:.1f} s (cache key `{dataset.key}`)."
    )
)
record("dataset.ms_per_iteration", cell_s.sum() / (d * held * expert.num_iterations) * 1e3)
record("dataset.num_pairs", n)

# %%
cells = []
for i in range(d):
    row = []
    for j in range(f):
        part = dataset.splits["validation"]
        rates = asymptotic_rates(dataset.gains[i, part], dataset.samples_w[i, j, part], radio)
        row.append(rate_metrics(rates, dataset.f_mins[j]))
    cells.append(row)
feasible = np.array([[c["feasible_fraction"] for c in row] for row in cells])
p5_margin = np.array([[c["p5"] - fm for c, fm in zip(row, dataset.f_mins, strict=True)] for row in cells])
show(grid_heatmap_figure(feasible, dataset.densities_per_km2, dataset.f_mins, "share ≥ f_min", ".1%"))

# %% [markdown]
# **Figure.** Share of validation users whose exact (infinitely-many-slots) ergodic rate under the expert meets
# $f_{\min}$, for every cell of the grid.

# %%
show(grid_heatmap_figure(p5_margin, dataset.densities_per_km2, dataset.f_mins, "p5 − f_min", "+.2f"))

# %% [markdown]
# **Figure.** The 5th percentile of the validation users' exact ergodic rates minus $f_{\min}$: positive where at
# least 95% of the users meet the requirement with room to spare.
#
# ## What the paper's scale would cost
#
# The expert's cost per network-iteration grows with $N^2$ (every interferer at every receiver) times the
# quadrature nodes and power levels: the grid above cost {glue:text}`dataset.ms_per_iteration:.2f` ms per
# network-iteration at $N$ = {glue:text}`dataset.num_pairs`. The {doc}`Scaling chapter <scaling>` measures the
# `paper` profile's (`gsdiff.evaluation.measure_expert_cost`, at its $N$, with every interferer exact and with
# the mean-field primal step) and prices its whole grid on the machine that builds the book.

# %%
chapter.finish()
