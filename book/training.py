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

from gsdiff.config import (
    BOOK_BASE_SETTINGS,
    dual_candidate,
    get_profile,
    override_profile,
    policy_candidate,
)
from gsdiff.evaluation import IMITATOR, sample_count_study, tune_on_validation
from gsdiff.notebooks import open_chapter, record
from gsdiff.policy import initial_policy, with_kind
from gsdiff.training import training_sizes
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
# The `book` profile's checkpoints ship with gsdiff (`gsdiff/checkpoints/`), trained in two stages. First
# {glue:text}`base_steps` steps from random weights on networks of {glue:text}`base_pairs` pairs, whose
# graphs are complete ({glue:text}`base_degree` neighbours each); the policies apply to networks 20 times
# larger, where each receiver keeps its {glue:text}`base_degree` strongest interferers, and there the first
# stage loses part of the tail against the expert (`benchmarks/size_ablation.py`; the results chapter
# measures what changes with size). So the profile's run starts
# from those weights (`TrainConfig.init_from`) and trains {glue:text}`train_steps` more steps on networks of
# {glue:text}`train_sizes` pairs (`Profile.train_pairs`: each step draws one size; the larger networks with
# as many users per density as the first, the expert exact up to 50 pairs and mean-field above, and graphs
# of the same degree as at inference). The validation loss below is averaged over the sizes. The ablation
# compares it with the first stage alone and with as many more steps at 20 pairs only. Both stages are one command each, resumable:
#
# ```bash
# python -m gsdiff train --profile book --kind ugnn --set train_pairs=[] --set train.init_from=None \
#     --set train.num_steps=12000 --set train.learning_rate=1e-3 --set train.eval_every=500 \
#     --out gsdiff/checkpoints/book-ugnn-n20.pt        # the first stage (gsdiff.config.BOOK_BASE_SETTINGS)
# python -m gsdiff train --profile book --kind ugnn --out gsdiff/checkpoints/book-ugnn.pt
# ```
#
# (and the same with `--kind gnn`). `gsdiff train` ends by choosing the sampling setting on validation
# networks, as the search at the end of this chapter does, and stores it in the checkpoint: `gsdiff sample`
# uses it unless a flag says otherwise. The `ci` profile trains from scratch in this chapter. Set
# `retrain = True` to train here.

# %%
curves = {name: p.checkpoint_info["history"] for name, p in policies.items()}
infos = {name: p.checkpoint_info for name, p in policies.items()}
for name, kind in zip(policies, kinds, strict=True):
    start = initial_policy(with_kind(config, kind))  # the weights the profile's run started from, if any
    if start is not None:
        curves[f"{name}, first stage"] = start.checkpoint_info["history"]
        infos[f"{name}, first stage"] = start.checkpoint_info
show(training_curves_figure(curves))
display(Markdown(training_caption(infos, config.train)))
book = get_profile("book")  # the prose above describes the book's shipped checkpoints, whatever the profile
record("base_steps", override_profile(book, BOOK_BASE_SETTINGS).train.num_steps)
record("base_pairs", book.num_pairs)
record("base_degree", book.num_pairs - 1)
record("train_steps", book.train.num_steps)
record("train_sizes", ", ".join(str(n) for n in training_sizes(book)))

# %% [markdown]
# ## Time-sharing with finitely many samples: the ceiling of a perfect imitator
#
# Over the papers' 500 slots held 5 slots each, a policy plays 100 time-sharing slots per network, and the
# authors' evaluator fills each by an independent draw among the policy's $K$ samples. A user whose turn comes
# in a quarter of the samples gets about 25 turns, but with independent draws that count is binomial,
# 25 ± 4.3, and a user's rate moves with its turns: independent play spreads the users' rates, and the spread
# lands in the lowest percentiles. The expert's *chain* is not independent: its iterates follow the dual
# dynamics, which hand out turns in proportion to each user's deficit, so its iterates played in order are
# balanced. Hence two references for a policy that draws $K$ samples:
#
# - **the expert drawn the same way** ($K$ independent draws of its samples, played by the same rule): the
#   papers' comparison, like for like. A *perfect imitator*, drawing from exactly the expert's distribution,
#   is the same random object and scores 1 at every $K$ but for sampling noise;
# - **the expert's chain in order**: gsdiff's stricter reference. Against it the perfect imitator's score is
#   a **ceiling** that no policy playing $K$ independent samples can pass, however well trained.
#
# The measurement below, on validation networks at $f_{\min}$ under the papers' protocol (i.i.d. draws over
# {glue:text}`evaluation.repeats` realizations, percentiles per network; exact rates over fading), draws $K$
# samples in four ways: the perfect imitator, the U-GNN from independent Gaussian initial noise and from
# **quasi-random initial noise** (`initial_noise="sobol"`: a scrambled Sobol point set,
# `gsdiff.diffusion.initial_noise`), and the quasi-random pool played by **dual time-sharing** over the
# evaluator's {glue:text}`num_windows` time-sharing slots (a schedule, played in order:
# `gsdiff.solvers.dual_time_sharing` with its default margin; the section on held-out networks explains it).

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
record("evaluation.repeats", evaluation.repeats)
record("count_networks", len(count_gains))
record("largest_count", sample_counts[-1])
imitator, sobol = curves[IMITATOR], curves[f"{first.label}, sobol noise"]
for k, point in zip(sample_counts, imitator, strict=True):
    record(f"ceiling.{k}", point["p5_ratio_chain"])
for key in ("p5_ratio", "p5_ratio_chain", "mean_ratio", "mean_ratio_chain"):
    record(f"imitator.{key}", imitator[-1][key])
    record(f"policy_sobol.{key}", sobol[-1][key])

# %% [markdown]
# **Figure.** The 5th percentile and the mean of the time-shared rates ({glue:text}`count_networks`
# validation networks at $f_{\min}$) against the number of samples $K$, relative to the expert drawn the same
# way (solid) and to the expert's chain in order (dashed). The perfect imitator's dashed line is the ceiling:
# with $K$ = {glue:text}`largest_count` its p5 reaches {glue:text}`imitator.p5_ratio_chain:.3f` × the
# chain's (and {glue:text}`imitator.p5_ratio:.3f` × the expert drawn alike), the U-GNN from quasi-random
# noise {glue:text}`policy_sobol.p5_ratio_chain:.3f` × the chain's and
# {glue:text}`policy_sobol.p5_ratio:.3f` × the expert drawn alike (mean
# {glue:text}`policy_sobol.mean_ratio:.3f` ×).
#
# Played independently, the mean hardly depends on how the samples are drawn; the tail does, a lot, and a
# tail ratio against the chain measures the protocol as much as the policy. That is why every verdict of the
# next chapter compares like for like, as the papers do, and reports the chain beside it as a stricter
# reading. Sampled validation scores also inherit the noise of independent play, and it misleads checkpoint
# selection: a policy that has not yet learned to starve weak users as the expert does (early in training,
# see the figure above) hides the noise in the tail, and a rule that keeps the best sampled tail keeps an
# under-fitted, wasteful policy. The validation loss has no such bias, so it picks the checkpoint, and the
# sampling settings are chosen afterwards, on validation networks, like for like.
#
# Dual time-sharing (last line) takes the chance out of the turns, so its tail no longer waits for many
# samples; what it needs from the pool is variety, and its mean keeps rising with $K$ as the pool offers
# better combinations. Fewer samples mean a cheaper policy: drawing them is what costs time on a CPU (see
# the sampling times below).
#
# ## How each policy samples
#
# How each policy samples for the tests of the next chapter is picked on the validation networks at
# $f_{\min}$, scored exactly as the test scores (the samples the evaluator plays, by its i.i.d. draws and
# realizations, percentiles per network, here with exact rates instead of fading draws) against the expert
# drawn the same way, by the balanced score: the worse of p5 and mean relative to that expert. Two knobs are tried, both on the
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
columns = ["p5", "p1", "mean", "feasible_fraction", "balanced", "balanced_chain"]
display(Markdown(metrics_table(tuning.sampling_rows(), columns)))
display(Markdown("Chosen: " + "; ".join(f"{k}: {v.label}" for k, v in chosen.items()) + "."))
for candidate, search in tuning.sampling_searches.items():
    previous = search.best_by("balanced_chain", margins=(0.05, 0.1))  # the rule of gsdiff before
    now, before = search.rows[search.best.label], search.rows[previous.label]
    record(f"choice.{candidate.name}.now", search.best.label)
    record(f"choice.{candidate.name}.before", previous.label)
    for key in ("p5", "mean"):
        record(f"choice.{candidate.name}.{key}_now", now[key])
        record(f"choice.{candidate.name}.{key}_before", before[key])

# %% [markdown]
# **Table.** The policies on the validation networks at $f_{\min}$ (every density) with each sampling
# setting, and the expert drawn the same way; exact rates of the samples the evaluator plays. "balanced" is
# min(p5 / expert's p5, mean / expert's mean) against the expert drawn alike, the score that picks the
# setting; "balanced_chain" the same against the expert's chain in order.
#
# **What like for like changed.** Before, the settings were chosen against the expert's chain, among margins
# 0.05 and 0.1 only; against the chain the p5 ratio is held down by the finite-sample ceiling and always
# binds, so the choice bought tail with mean. That rule picks {glue:text}`choice.ugnn.before` for the U-GNN
# (validation p5 {glue:text}`choice.ugnn.p5_before:.3f`, mean {glue:text}`choice.ugnn.mean_before:.3f`);
# like for like, with margin 0 offered, the choice is {glue:text}`choice.ugnn.now` (p5
# {glue:text}`choice.ugnn.p5_now:.3f`, mean {glue:text}`choice.ugnn.mean_now:.3f`). For the GNN:
# {glue:text}`choice.gnn.before` (p5 {glue:text}`choice.gnn.p5_before:.3f`, mean
# {glue:text}`choice.gnn.mean_before:.3f`) before, {glue:text}`choice.gnn.now` (p5
# {glue:text}`choice.gnn.p5_now:.3f`, mean {glue:text}`choice.gnn.mean_now:.3f`) now.

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
# expert row is the expert drawn as the policies draw, the reference of every score.

# %% [markdown]
# The chosen settings are cached (`gsdiff.evaluation.tuned_settings`): the next chapter, {doc}`The papers'
# results <results>`, reads them back and plays every policy on the held-out test networks with them.

# %%
chapter.finish()
