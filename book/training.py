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
# # Training the policy
#
# Both denoisers are trained to imitate the expert: the diffusion loss on the expert's samples of the training
# networks, every density and every $f_{\min}$ level at once. This chapter shows how they trained, then finds
# what a time-shared policy loses by drawing a finite number of independent samples and how much of it
# quasi-random initial noise wins back, and chooses on validation networks how each policy samples. Beside
# the papers' protocol (independent samples, one per window) it tunes **dual time-sharing**, an addition of
# ours: the expert's dual dynamics choose which of a policy's samples to play in each window. The policies
# meet the held-out test networks in the next chapter, {doc}`The papers' results <results>`.

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
from IPython.display import Markdown, display

from gsdiff.config import dual_candidate, policy_candidate
from gsdiff.evaluation import sample_count_study, tune_on_validation
from gsdiff.notebooks import open_chapter, record
from gsdiff.viz import (
    metrics_table,
    sample_count_figure,
    show,
    training_caption,
    training_curves_figure,
)

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 0  # seed of the samples and of the fading slots
kinds = ["ugnn", "gnn"]  # denoisers compared: the U-GNN and the CAMSAP GNN
retrain = False  # True: train here even when gsdiff ships a checkpoint for this profile
sample_counts = [25, 50, 100]  # samples per network for the finite-sample study
count_networks_per_density = 4  # validation networks per density for the finite-sample study
profile_settings = {}  # profile settings changed for this run, as `gsdiff train --set`; the search on
# validation is the profile's `tuning`: e.g. {"tuning.margins": [0.0, 0.05, 0.1]} (pass the same to later chapters)

# %%
chapter = open_chapter(globals())  # checks and records the parameters, resolves the profile
config = chapter.profile
f_min, radio, evaluation = config.f_min, config.radio, config.evaluation
dataset = chapter.dataset({"validation": (f_min,), "test": (f_min,)})  # what this chapter uses
policies = chapter.policies(dataset, kinds, retrain=retrain)

# %% [markdown]
# ## Training
#
# A mini-batch holds `batch_problems` (network, $f_{\min}$) problems of the training split with
# `samples_per_problem` expert samples each; one model covers every density and $f_{\min}$ level ($f_{\min}$ is
# a node feature). AdamW with a cosine learning-rate schedule minimizes the ε-prediction loss, and the validated
# and kept weights are a moving average of the trained ones (`ema_decay`). Every `eval_every` steps two things
# are measured on the validation split. The **validation loss** is the same loss on every validation problem,
# with the same expert samples, diffusion steps and noise at every evaluation (common random numbers), so that
# it moves only with the fit. And the policy **draws allocations** for a subset of validation problems, which
# we time-share exactly (infinitely many fading slots) and score against the expert's own samples: the 5th
# percentile over users (in multiples of each problem's $f_{\min}$) and the mean rate, each divided by the
# expert's. The kept checkpoint has the lowest validation loss (`TrainConfig(select_by="loss")`); why not the
# sampled scores is the subject of the next section. Resumable checkpoints are written atomically every
# `checkpoint_every` steps.
#
# The `book` profile's checkpoints ship with gsdiff (`gsdiff/checkpoints/`), trained by
#
# ```bash
# python -m gsdiff train --profile book --kind ugnn --out gsdiff/checkpoints/book-ugnn.pt
# python -m gsdiff train --profile book --kind gnn --out gsdiff/checkpoints/book-gnn.pt
# ```
#
# and the `ci` profile trains from scratch in this chapter. Set `retrain = True` to train here.

# %%
show(training_curves_figure({name: p.checkpoint_info["history"] for name, p in policies.items()}))
display(Markdown(training_caption({name: p.checkpoint_info for name, p in policies.items()}, config.train)))

# %% [markdown]
# ## Time-sharing with finitely many samples
#
# Over the papers' 500 slots held 5 slots each, a policy plays 100 allocations per network. A user whose turn comes in a
# quarter of the policy's samples gets about 25 turns, but with independent samples that count is binomial,
# 25 ± 4.3, and a user's rate moves with its turns: independent sampling spreads the users' rates, and the
# spread lands in the lowest percentiles. The expert's samples are not independent: they are consecutive
# iterates of the dual dynamics, which hand out turns in proportion to each user's deficit, so a window of
# its iterates is balanced. The measurement below makes this concrete on validation networks at $f_{\min}$.
# It compares, as the number $S$ of time-shared samples grows: the expert's own iterates (evenly spaced, as the
# evaluator plays them), **independent draws from the expert's samples** (the same distribution, the balance
# forgotten: what a perfect imitator sampling independently would get), and the U-GNN's samples from
# independent Gaussian initial noise and from **quasi-random initial noise** (`initial_noise="sobol"`: a scrambled
# Sobol point set, see `gsdiff.diffusion.initial_noise`). DDIM with η = 0 maps its initial noise to an allocation
# deterministically, so initial noises spread evenly over the Gaussian spread the turns evenly too. The last
# line is the quasi-random pool of $S$ samples played by **dual time-sharing** over the evaluator's
# {glue:text}`num_windows` windows (`gsdiff.solvers.dual_time_sharing` with its default margin; the section on held-out networks explains it).
# Every ratio is against the expert's exact value with all its samples.

# %%
count_gains, count_expert = dataset.at_f_min("validation", f_min, count_networks_per_density)
first = policy_candidate(kinds[0])
curves = sample_count_study(
    count_gains,
    count_expert,
    f_min,
    policies[first],
    radio,
    evaluation,
    counts=sample_counts,
    name=first.label,
    seed=seed,
)
show(sample_count_figure(sample_counts, curves))
record("num_windows", evaluation.num_windows)
at = {name: points[-1] for name, points in curves.items()}
display(
    Markdown(
        f"**Figure.** The 5th percentile and the mean of the time-shared rates ({len(count_gains)} validation "
        f"networks at f_min = {f_min}, exact rates) against the number of samples, relative to the expert's "
        f"value with all {count_expert.shape[1]} of its samples. With {sample_counts[-1]} samples: "
        + "; ".join(
            f"{name} p5 {m['p5_ratio']:.3f} ×, mean {m['mean_ratio']:.3f} ×" for name, m in at.items()
        )
        + "."
    )
)

# %% [markdown]
# Played independently, the mean hardly depends on how the samples are drawn; the tail does, a lot. A policy
# that draws independent samples from exactly the expert's distribution keeps only part of the expert's tail
# at these sample counts, so no amount of training brings an independently sampled policy to the expert's tail
# on the test below. Sampled validation scores inherit the same noise, and it misleads checkpoint selection: a
# policy that has not yet learned to starve weak users as the expert does (early in training, see the figure
# above) hides the noise in the tail, and a rule that keeps the best sampled tail keeps an under-fitted,
# wasteful policy. The validation loss has no such bias, so it picks the checkpoint, and the sampling
# settings are chosen afterwards, on validation networks, with the evaluator's own sample count.
#
# Dual time-sharing (last line) takes the chance out of the turns, so its tail no longer waits for many
# samples; what it needs from the pool is variety, and its mean keeps rising with $S$ as the pool offers
# better combinations. Fewer samples mean a cheaper policy: drawing them is what costs time on a CPU (see
# the sampling times below).
#
# ## How each policy samples
#
# How each policy samples for the tests of the next chapter is picked on the validation networks at
# $f_{\min}$, scored
# exactly as the test scores (the samples the evaluator plays, here with exact rates instead of fading draws)
# by the balanced score: the worse of p5 and mean relative to the expert. Two knobs are tried, both on the
# quasi-random noise above. The **margin**: the denoiser is asked for the stricter requirement $f_{\min}$ +
# margin, as the expert's own dual step aims at `ExpertConfig.margin` above $f_{\min}$; the imitation is
# imperfect, users' rates scatter around the expert's, and a small margin lifts the ones the scatter leaves
# below (no margin and no levels is the quasi-random line of the figure above). And the **levels**: the
# expert's samples live on a grid of power levels (its primal moves,
# `ExpertConfig.num_levels`), while a denoiser's samples land between them; projecting each sampled power onto
# the nearest level (`SamplingSetting(power_levels=...)`) is the discrete analogue of the projection onto
# $[0, P_{\max}]$. The search is the profile's (`Profile.tuning`, here margins
# {glue:text}`tuning.margins` on {glue:text}`tuning.networks_per_density` validation networks per density with
# {glue:text}`tuning.num_samples` samples each), so every later chapter reads back the same choice.

# %%
tuning = tune_on_validation(dataset, policies, config)  # the profile's search (`config.tuning`)
chosen, dual_settings = tuning.settings.sampling, tuning.settings.dual
for key in ("margins", "networks_per_density", "num_samples", "dual_margins"):
    value = getattr(config.tuning, key)
    record(f"tuning.{key}", ", ".join(f"{v:g}" for v in value) if isinstance(value, tuple) else value)
display(
    Markdown(metrics_table(tuning.sampling_rows(), ["p5", "p1", "mean", "feasible_fraction", "balanced"]))
)
display(Markdown("Chosen: " + "; ".join(f"{k}: {v.label}" for k, v in chosen.items()) + "."))

# %% [markdown]
# **Table.** The policies on the validation networks at $f_{\min}$ (every density) with each sampling
# setting, and the expert; exact rates of the samples the evaluator plays. "balanced" is min(p5 / expert's
# p5, mean / expert's mean), the score that picks the setting.

# %% [markdown]
# ### Dual time-sharing of the samples
#
# The finite-sample study showed what independent play costs in the tail, and why the expert does not pay
# it: its dual step hands out turns by deficit. `gsdiff.solvers.dual_time_sharing` gives a pool of samples the same
# dynamics. The policy draws its allocations once; the exact ergodic rate of every pooled sample follows from
# the large-scale gains (the quadrature the expert uses); then the expert's iterations (9)–(10) run with the
# primal step restricted to the pool: each window plays the pooled sample with the largest Lagrangian, and
# the multiplier of a user below $f_{\min}$ + margin grows until a sample that serves it wins. Time-sharing a
# fixed pool is a linear program, and these iterations approach its solution (`tests/solvers/test_dual_time_sharing.py`
# checks it against an LP solver). This is **not the papers' policy**, which plays independent samples: it
# adds the rate model to a policy that already sees the gains, and makes the denoiser a proposal
# distribution for a small optimization. Two controls say what each part contributes: the same schedule over
# the expert's own samples, and over a pool of **random levels** (every power uniform on the expert's grid),
# which knows nothing of the network. The margin is chosen on the validation networks for each pool, by the
# balanced score as above.

# %%
columns = ["p5", "p1", "mean", "feasible_fraction", "balanced", "distinct samples"]
display(Markdown(metrics_table(tuning.dual_rows(), columns)))
used = [f"{dual_candidate(pool).label}, margin {v.margin:g}" for pool, v in dual_settings.items()]
display(Markdown("Chosen: " + "; ".join(used) + "."))

# %% [markdown]
# **Table.** Dual time-sharing on the validation networks at $f_{\min}$: each pool
# ({glue:text}`tuning.num_samples` samples per network; the policies' drawn with the setting chosen above)
# scheduled with each margin ({glue:text}`tuning.dual_margins` bits/s/Hz), exact rates of the
# played samples; "distinct samples" is how many of the pool a network's schedule plays, on average. The
# expert row is its own iterates, as before.

# %% [markdown]
# The chosen settings are cached (`gsdiff.evaluation.tuned_settings`): the next chapter, {doc}`The papers'
# results <results>`, reads them back and plays every policy on the held-out test networks with them.

# %%
chapter.finish()
