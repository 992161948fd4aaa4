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
# # Training and evaluating the policy
#
# Both denoisers are trained to imitate the expert: the diffusion loss on the expert's samples of the training
# networks, every density and every $f_{\min}$ level at once. This chapter shows how they trained, then finds
# what a time-shared policy loses by drawing a finite number of independent samples and how much of it
# quasi-random initial noise wins back, evaluates the policies on held-out test networks over fading slots
# against the expert, full power and average power, checks the quality targets, and probes generalization to
# $f_{\min}$ levels and network sizes the policies never saw. Beside the papers' protocol (independent samples,
# one per window) it evaluates **dual time-sharing**, an addition of ours: the expert's dual dynamics choose
# which of a policy's samples to play in each window.

# %% tags=["hide-output"]
# On Colab: install gsdiff first (Colab's own torch is kept; the URL is the project's repository).
import sys

if "google.colab" in sys.modules:
    import subprocess

    GSDIFF_SOURCE = "gsdiff @ git+https://github.com/gsdiff/gsdiff"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", GSDIFF_SOURCE], check=True)

# %%
import time

import torch
from IPython.display import Markdown, display

from gsdiff.config import PolicyTargets, get_profile
from gsdiff.policy import (
    DUAL_SUFFIX,
    candidate_samples,
    choose_dual_margin,
    choose_sampling,
    compare_over_f_mins,
    compare_over_sizes,
    evaluate_candidates,
    load_or_build_dataset,
    policy_for,
    sample_count_study,
    tail_coordination,
)
from gsdiff.solvers import random_levels, run_expert
from gsdiff.viz import (
    markdown_table,
    metrics_table,
    p5_mean_table,
    percentile_curves_figure,
    sample_count_figure,
    show,
    target_report,
    training_caption,
    training_curves_figure,
)
from gsdiff.wireless import bootstrap_ratios, played_rates, rate_metrics

# %% tags=["parameters"]
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 0  # seed of the samples and of the fading slots
kinds = ["ugnn", "gnn"]  # denoisers compared: the U-GNN and the CAMSAP GNN
retrain = False  # True: train here even when gsdiff ships a checkpoint for this profile
eval_networks_per_density = 32  # test (and validation) networks per density, capped at the split's size
num_samples = 100  # policy samples per network (500 slots, held 5 slots each: 100 are played)
margins = [0.05, 0.1]  # bits/s/Hz: requested f_min + margin, tried on validation (0: the figure above)
try_levels = True  # also try projecting samples onto the expert's power levels (chosen on validation too)
dual_margins = [0.1, 0.15, 0.2, 0.25, 0.3]  # bits/s/Hz: dual time-sharing targets f_min + margin (validation)
sample_counts = [25, 50, 100]  # samples per network for the finite-sample study
count_networks_per_density = 4  # validation networks per density for the finite-sample study
unseen_f_mins = [0.45, 0.75, 0.9]  # f_min levels (bits/s/Hz) outside the training grid
unseen_networks_per_density = 4  # test networks per density for the unseen f_min levels
transfer_pairs = [40]  # network sizes N for the transfer test (the policy trained on the profile's N)
transfer_networks_per_density = 2  # new networks per density for each transfer size

# %%
config = get_profile(profile)
f_min, radio, evaluation = config.f_min, config.radio, config.evaluation
started = time.perf_counter()
dataset = load_or_build_dataset(config, progress=False)
policies, sources = {}, {}
for kind in kinds:
    policies[kind.upper()], sources[kind.upper()] = policy_for(config, dataset, kind, retrain=retrain)
display(Markdown("; ".join(f"{k}: {v}" for k, v in sources.items()) + "."))

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
# Over 500 slots held 5 slots each, a policy plays 100 allocations per network. A user whose turn comes in a
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
# line is the quasi-random pool of $S$ samples played by **dual time-sharing** over the evaluator's 100
# windows (`gsdiff.solvers.dual_time_sharing` with its default margin; the section on held-out networks explains it).
# Every ratio is against the expert's exact value with all its samples.

# %%
count_gains, count_expert = dataset.at_f_min("validation", f_min, count_networks_per_density)
first = kinds[0].upper()
curves = sample_count_study(
    policies[first], first, count_gains, count_expert, f_min, sample_counts, radio, evaluation, seed
)
show(sample_count_figure(sample_counts, curves))
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
# ## The policies on held-out networks
#
# On test networks of every density at $f_{\min}$, each policy draws allocations that we time-share over
# fading slots exactly like the expert's samples; full power and average power (the mean of the expert's
# samples, used in every slot) are the deterministic references.
#
# How each policy samples for the tests is picked first on the validation networks at $f_{\min}$, scored
# exactly as the test scores (the samples the evaluator plays, here with exact rates instead of fading draws)
# by the balanced score: the worse of p5 and mean relative to the expert. Two knobs are tried, both on the
# quasi-random noise above. The **margin**: the denoiser is asked for the stricter requirement $f_{\min}$ +
# margin, as the expert's own dual step aims at `ExpertConfig.margin` above $f_{\min}$; the imitation is
# imperfect, users' rates scatter around the expert's, and a small margin lifts the ones the scatter leaves
# below (no margin and no levels is the quasi-random line of the figure above). And the **levels**: the
# expert's samples live on a grid of power levels (its primal moves,
# `ExpertConfig.num_levels`), while a denoiser's samples land between them; projecting each sampled power onto
# the nearest level (`DiffusionPolicy.sample(..., levels=...)`) is the discrete analogue of the projection onto
# $[0, P_{\max}]$.

# %%
val_gains, val_expert = dataset.at_f_min("validation", f_min, eval_networks_per_density)
val_expert_rates = played_rates(val_gains, val_expert, radio, evaluation)
levels_tried = [None, config.expert.num_levels] if try_levels else [None]
searches = {
    name: choose_sampling(
        policy,
        val_gains,
        f_min,
        val_expert_rates,
        num_samples,
        margins,
        levels_tried,
        radio,
        evaluation,
        seed,
    )
    for name, policy in policies.items()
}
chosen = {name: search.best for name, search in searches.items()}
val_rows = {f"{name}, {label}": m for name, search in searches.items() for label, m in search.rows.items()}
val_rows["expert"] = rate_metrics(val_expert_rates, f_min) | {"balanced": 1.0}
display(Markdown(metrics_table(val_rows, ["p5", "p1", "mean", "feasible_fraction", "balanced"])))
display(Markdown("Used below: " + "; ".join(f"{k}: {v.label}" for k, v in chosen.items()) + "."))

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
dual_pools = {name: search.best_samples_w for name, search in searches.items()} | {"expert": val_expert}
dual_pools["random levels"] = random_levels(
    val_gains, num_samples, config.expert.num_levels, radio, torch.Generator().manual_seed(seed)
)
margin_searches = {
    name: choose_dual_margin(val_gains, pool, f_min, val_expert_rates, dual_margins, radio, evaluation)
    for name, pool in dual_pools.items()
}
dual_settings = {name: search.best for name, search in margin_searches.items()}
dual_rows = {
    f"{name}{DUAL_SUFFIX}, margin {margin:g}": row
    for name, search in margin_searches.items()
    for margin, row in search.rows.items()
}
dual_rows["expert"] = val_rows["expert"]
columns = ["p5", "p1", "mean", "feasible_fraction", "balanced", "distinct samples"]
display(Markdown(metrics_table(dual_rows, columns)))
used = [f"{name}{DUAL_SUFFIX}, margin {v.margin:g}" for name, v in dual_settings.items()]
display(Markdown("Used below: " + "; ".join(used) + "."))

# %% [markdown]
# **Table.** Dual time-sharing on the validation networks at $f_{\min}$: each pool (`num_samples` samples per
# network; the policies' drawn with the setting chosen above) scheduled with each margin, exact rates of the
# played samples; "distinct samples" is how many of the pool a network's schedule plays, on average. The
# expert row is its own iterates, as before.

# %%
gains, expert_samples = dataset.at_f_min("test", f_min, eval_networks_per_density)
control = random_levels(
    gains, num_samples, config.expert.num_levels, radio, torch.Generator().manual_seed(seed)
)
candidates = candidate_samples(
    gains,
    f_min,
    expert_samples,
    radio,
    policies=policies,
    num_samples=num_samples,
    sampling=chosen,
    dual=dual_settings,
    pools={"random levels": control},
    evaluation=evaluation,
    seed=seed,
)
results = evaluate_candidates(gains, candidates, radio, evaluation, seed)
metrics = {name: res.metrics(f_min) for name, res in results.items()}
display(Markdown(metrics_table(metrics)))

# %%
show(percentile_curves_figure(results, f_min))

# %% [markdown]
# **Figure.** Cumulative ergodic rates over slots for the policies (played independently and by dual
# time-sharing), the expert, its samples and random levels under dual time-sharing, and the baselines: the 1st
# and 5th percentiles over users and the mean. A stochastic policy's tail climbs as its samples take turns.

# %%
ex, targets = metrics["expert"], PolicyTargets()
plays = {}  # each policy played independently and by dual time-sharing, and how it was sampled
for base, setting in chosen.items():
    plays[base] = setting.label
    plays[base + DUAL_SUFFIX] = f"dual time-sharing, margin {dual_settings[base].margin:g}"
lines = []
for name, how in plays.items():
    spread = bootstrap_ratios(
        results[name].ergodic_rates,
        results["expert"].ergodic_rates,
        generator=torch.Generator().manual_seed(seed),
    )
    line = target_report(name, metrics, targets.check(metrics, name, f_min), spread)
    m, seconds = metrics[name], candidates[name].seconds
    if name not in chosen:
        same, pool = metrics["expert" + DUAL_SUFFIX], name.removesuffix(DUAL_SUFFIX)
        line += (
            f"Against the expert's samples under the same schedule: p5 {m['p5'] / same['p5']:.3f} ×, mean "
            f"{m['mean'] / same['mean']:.3f} ×. Scheduling the pools of {gains.shape[0]} networks ({how}) "
            f"took {seconds - candidates[pool].seconds:.1f} s."
        )
    else:
        line += (
            f"Drawing {num_samples} allocations ({how}) for each of {gains.shape[0]} networks took "
            f"{seconds:.0f} s ({seconds / gains.shape[0]:.2f} s per network)."
        )
    lines.append(line)
timer = time.perf_counter()
run_expert(gains[:1], f_min, radio, config.expert, seed=seed)
expert_s = time.perf_counter() - timer
display(
    Markdown(
        "\n".join(lines) + f"\n\nFor comparison, the expert needs {expert_s:.1f} s for one new network "
        f"({config.expert.num_iterations} iterations)."
    )
)

# %% [markdown]
# The checks are the quality targets of the project for the `book` profile, computed on this run. The
# intervals say how much of a ratio is the draw of test networks: a pooled 5th percentile is set by the few
# networks whose users fall lowest, so it moves far more between network sets than the mean does
# (`gsdiff.wireless.bootstrap_ratios` resamples whole networks, the same for policy and expert). A verdict
# is read off the point value; where the interval straddles the target, the test set cannot tell. The
# targets are checked for both ways of playing a policy's samples; only the independent one is the papers'
# method, and "against the expert's samples under the same schedule" separates what the schedule adds from
# what the denoiser's samples are worth.
#
# ### Where the tail is lost
#
# A user in the tail is typically served by turns: the expert lets it transmit in a minority of its samples,
# at full power, while its strongest interferers stay silent. Below, for the users in each policy's bottom 5%
# (by time-shared rate), we compare how the expert and the policy treat them: the user's own power when it
# transmits and the mean power of its three strongest interferers (largest $g_{ji}/g_{ii}$) in those samples.

# %%
rows = []
for name in policies:
    pools = {"expert": expert_samples, name: candidates[name].samples_w}
    shares = tail_coordination(gains, results[name].ergodic_rates, pools, radio.max_power_w)
    rows += [
        [f"bottom 5% of {name}", label, f"{own:.0%} of P_max", f"{cleared:.0%} of P_max"]
        for label, (own, cleared) in shares.items()
    ]
header = ["users", "policy", "own power when on", "interferers' power when it is on"]
display(Markdown(markdown_table(header, rows)))

# %% [markdown]
# **Table.** Coordination for the users the policies serve worst. Where a policy's interferers stay louder
# and its users' own power lower than the expert's, the policy has learned *how often* a weak user transmits
# better than *with whom*: the joint on/off pattern across neighbours is what a denoiser fits least well, and
# what the tail depends on.
#
# ### Where this falls short

# %%
lines = []
for name in policies:
    m, v = metrics[name], searches[name].best_scores
    lines.append(
        f"- {name}: with {chosen[name].label}, p5 {v['p5_ratio']:.3f} × and mean "
        f"{v['mean_ratio']:.3f} × the expert's on the validation networks; on the test networks "
        f"{m['p5'] / ex['p5']:.3f} × and {m['mean'] / ex['mean']:.3f} ×."
    )
    margin = dual_settings[name].margin
    d, vd = metrics[name + DUAL_SUFFIX], margin_searches[name].rows[margin]
    lines.append(
        f"  By dual time-sharing (margin {margin:g}): p5 {vd['p5'] / val_rows['expert']['p5']:.3f} × "
        f"and mean {vd['mean'] / val_rows['expert']['mean']:.3f} × on validation; {d['p5'] / ex['p5']:.3f} × "
        f"and {d['mean'] / ex['mean']:.3f} × on test."
    )
display(Markdown("\n".join(lines)))

# %% [markdown]
# The mean is what the imitation itself delivers: it rises with the fit (the training curves) and a margin
# spends a little of it. The tail depends on two things beyond the fit. The finite-sample effect above
# accounts for part of the gap between the policy and the expert, and the quasi-random noise recovers part of
# that. What remains is the imitation error of the joint pattern, which neighbours stay silent while a weak
# user transmits (the coordination table): users' rates scatter around the expert's, and the margin buys
# the low ones back at the cost in mean the validation table shows. The chosen setting's validation score
# is the best of several on one draw of noise over the validation networks, so it is optimistic, and the
# 5th percentile of a finite set of users moves between draws and between network sets: compare the
# validation and test lines above, and the bootstrap intervals of the test check. None of this used the
# test split. For scale, the authors report their own U-GNN 5.3% below the expert at the 5th percentile and
# 1% below in mean (2.81 against 2.84 bits/s/Hz) on networks of 400 pairs (SETUP.md): the targets here ask
# for about the papers' result at a twentieth of their network size, where each user's rate depends on the
# turns of fewer neighbours (`benchmarks/finite_sample_tail.py` measures how the independent-draw
# ceiling of the finite-sample study, and the shipped U-GNN, fare on fresh networks of larger $N$).
#
# Dual time-sharing removes the finite-sample effect by construction: turns are handed out by deficit, not
# by chance, and its margin sets where the scheduled tail sits (the balanced score picks the margin that
# reaches the expert's tail at the least cost in mean; the expert's tail lies above its own target f_min +
# `ExpertConfig.margin` since its users' rates spread above what it aims at). It also changes
# what the comparison measures. The schedule plays only a handful of each pool's samples (the "distinct
# samples" column), the best time-sharing of the pool given the rate model, so the denoiser's job becomes
# proposing good allocations rather than reproducing the expert's frequencies; and the same schedule over
# the expert's own samples does better than the expert's iterates, because the expert's dual dynamics
# spread time over all its late iterates, not only the best combination of them. Scheduled, the
# random-levels pool meets f_min for nearly every user too (any pool with enough variety can be scheduled
# towards feasibility), but its mean and its tail fall well short: the gap between it and the policies'
# pools is what the denoiser contributes. Under the schedule the U-GNN and the GNN are hard to tell apart;
# played independently the U-GNN is slightly ahead in mean. What remains untried on this CPU: training at
# larger $N$ and longer training of wider models (the `paper` profile).
#
# ## Unseen minimum rates
#
# $f_{\min}$ enters the denoiser only as a node feature, so the policy can be asked for levels it never
# trained on. On test networks, the expert runs afresh at each new level and the policies sample for it, with
# the settings picked above, played independently and by dual time-sharing (with the margins picked above, for
# the expert's samples too); rates are exact over fading, of the samples the evaluator plays.

# %%
unseen_gains, _ = dataset.at_f_min("test", f_min, unseen_networks_per_density)
compared_dual = {name: dual_settings[name] for name in ["expert", *chosen]}  # compare_to_expert's pools
options = {"sampling": chosen, "evaluation": evaluation, "dual": compared_dual}
unseen = compare_over_f_mins(
    policies, unseen_gains, unseen_f_mins, radio, config.expert, num_samples, seed=seed, **options
)
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
# on larger ones. New networks of every density are drawn at each size (the same densities, so larger areas),
# the expert runs on them, and the policies sample for them.

# %%
transfer = compare_over_sizes(
    policies,
    transfer_pairs,
    config.densities_per_km2,
    transfer_networks_per_density,
    f_min,
    radio,
    config.expert,
    num_samples,
    seed=seed,
    **options,
)
for n, scores in transfer.items():
    count = transfer_networks_per_density * len(config.densities_per_km2)
    display(Markdown(f"**N = {n}** ({count} networks):\n\n" + metrics_table(scores)))

# %% [markdown]
# **Table.** The policies trained at the profile's $N$ on networks of other sizes, against the expert run on
# each network (exact rates over fading at $f_{\min}$; "seconds" is the time to run the expert or draw the
# samples).

# %%
lines = []
for name in plays:
    ratios = [f"{level:g}: {s[name]['p5'] / s['expert']['p5']:.2f}" for level, s in unseen.items()]
    sizes = [f"N = {n}: {s[name]['p5'] / s['expert']['p5']:.2f}" for n, s in transfer.items()]
    lines.append(
        f"- {name}: p5 / expert p5 at unseen f_min {', '.join(ratios)}; at larger networks {', '.join(sizes)}."
    )
display(Markdown("\n".join(lines) + f"\n\nThis chapter ran in {time.perf_counter() - started:.0f} s."))
