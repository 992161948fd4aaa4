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
# # Generalization: unseen minimum rates and larger networks
#
# A policy that had to be retrained for every requirement and every network size would not replace the
# expert. This chapter asks the policies of the previous chapter, trained on networks of the profile's size
# $N$ at the five $f_{\min}$ levels of the dataset grid, for requirements they never saw and for networks
# many times larger (the papers' Fig. 4), and compares them with the expert run afresh on each problem.
# The policies sample exactly as the training chapter chose on validation networks (its choices are read
# back from the cache `gsdiff.policy.tuned_settings` keeps, or made again when nothing is cached).

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
import time
from dataclasses import replace

from IPython.display import Markdown, display

from gsdiff.config import get_profile
from gsdiff.notebooks import chapter_parameters, record, record_metrics
from gsdiff.policy import (
    DUAL_SUFFIX,
    TuningConfig,
    compare_over_f_mins,
    compare_over_sizes,
    load_or_build_dataset,
    policy_for,
    tuned_settings,
)
from gsdiff.viz import metrics_table, p5_mean_table, show, size_transfer_figure

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 0  # seed of the new networks, the samples and the expert runs
kinds = ["ugnn", "gnn"]  # denoisers compared: the U-GNN and the CAMSAP GNN
num_samples = 100  # policy samples per network at the unseen f_min levels
unseen_f_mins = [0.45, 0.75, 0.9]  # f_min levels (bits/s/Hz) outside the training grid
unseen_networks_per_density = 4  # test networks per density for the unseen f_min levels
transfer_pairs = []  # network sizes N of the transfer study; empty: the profile's (Profile.transfer_pairs)
transfer_networks_per_density = 1  # new networks per density at each transfer size
transfer_samples = 25  # policy samples per network at each transfer size (100 windows: each played 4 times)

# %%
parameters = chapter_parameters(globals())  # checked before any work
record("parameters", parameters)

# %%
config = get_profile(profile)
f_min, radio, evaluation = config.f_min, config.radio, config.evaluation
started = time.perf_counter()
dataset = load_or_build_dataset(
    config, progress=False, splits={"validation": (f_min,), "test": (f_min,)}
)  # what this chapter uses
policies = {kind.upper(): policy_for(config, dataset, kind)[0] for kind in kinds}
settings = tuned_settings(config, dataset, policies, TuningConfig(seed=seed))
dual = {name: settings.dual[name] for name in ["expert", *policies]}  # the pools compare_to_expert knows
options = {"sampling": settings.sampling, "evaluation": evaluation, "dual": dual}
display(
    Markdown(
        "Sampling: "
        + "; ".join(f"{name}: {s.label}" for name, s in settings.sampling.items())
        + ". Dual time-sharing margins: "
        + "; ".join(f"{name}: {settings.dual[name].margin:g}" for name in dual)
        + "."
    )
)

# %% [markdown]
# ## Unseen minimum rates
#
# $f_{\min}$ enters the denoiser only as a node feature, so the policy can be asked for levels it never
# trained on. On test networks, the expert runs afresh at each new level and the policies sample for it,
# played independently and by dual time-sharing (for the expert's samples too); rates are exact over
# fading, of the samples the evaluator plays.

# %%
unseen_gains, _ = dataset.at_f_min("test", f_min, unseen_networks_per_density)
unseen = compare_over_f_mins(
    policies, unseen_gains, unseen_f_mins, radio, config.expert, num_samples, seed=seed, **options
)
for level, scores in unseen.items():
    record_metrics(f"unseen.{level:g}", scores)
display(
    Markdown(p5_mean_table(unseen, "f_min", lambda f: f"{f:g}{'' if f in dataset.f_mins else ' (unseen)'}"))
)

# %% [markdown]
# **Table.** 5th-percentile and mean rates (bits/s/Hz) on test networks at $f_{\min}$ levels outside the
# training grid, against the expert run at each level and the deterministic baselines.
#
# ## Larger networks
#
# The denoisers have no parameter tied to $N$, so the policy trained on networks of the profile's size runs
# on larger ones. New networks of every density are drawn at each size (the same densities, so larger
# areas). Each receiver's graph keeps its $N - 1$ strongest interferers of training (`top_k`): a node sees
# as many neighbours as it did in training, and the cost of a denoiser pass grows as $N$, not $N^2$. From
# 100 pairs on, the expert's primal step, the dual time-sharing's pool rates and the scores keep each
# receiver's 16 strongest interferers exact and the rest by their mean field (`ExpertConfig.interferers`,
# `gsdiff.solvers.mean_field`; `benchmarks/expert_mean_field.py` measures its error against the exact
# expert at N = 50 to 400).

# %%
sizes = transfer_pairs or list(config.transfer_pairs)
degree = {name: replace(s, top_k=config.num_pairs - 1) for name, s in settings.sampling.items()}
transfer = compare_over_sizes(
    policies,
    sizes,
    config.densities_per_km2,
    transfer_networks_per_density,
    f_min,
    radio,
    config.expert,
    transfer_samples,
    seed=seed,
    exact_max_pairs=50,
    sampling=degree,
    evaluation=evaluation,
    dual=dual,
)
show(size_transfer_figure(transfer))

# %% [markdown]
# **Figure.** The policies trained at the profile's $N$, on new networks of other sizes: the pooled 5th
# percentile and the mean of the users' rates, each divided by the expert's on the same networks (exact
# rates over fading of the samples played, at $f_{\min}$).

# %%
count = transfer_networks_per_density * len(config.densities_per_km2)
for n, scores in transfer.items():
    record_metrics(f"transfer.{n}", scores)
    display(Markdown(f"**N = {n}** ({count} networks):\n\n" + metrics_table(scores)))

# %% [markdown]
# **Table.** The same runs in full; "seconds" is the time to run the expert or draw the samples (and, for
# dual time-sharing, to schedule them).

# %%
plays = [*policies, *(name + DUAL_SUFFIX for name in policies)]
lines = []
for name in plays:
    ratios = [f"{level:g}: {s[name]['p5'] / s['expert']['p5']:.2f}" for level, s in unseen.items()]
    grown = [f"N = {n}: {s[name]['p5'] / s['expert']['p5']:.2f}" for n, s in transfer.items()]
    lines.append(f"- {name}: p5 / expert p5 at f_min {', '.join(ratios)}; at {', '.join(grown)}.")
display(Markdown("\n".join(lines) + f"\n\nThis chapter ran in {time.perf_counter() - started:.0f} s."))
record("seconds", round(time.perf_counter() - started, 1))
