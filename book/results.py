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
# # The papers' results
#
# This chapter reproduces, on held-out test networks, each figure of the two papers' results sections, and
# sets the papers' numbers beside ours. The setups differ, and the difference matters for every comparison
# below: the authors trained on networks of 400 pairs on a GPU; the policies here are the previous chapter's,
# trained on networks of the profile's size on a 2-core CPU (the `book` profile: 20 pairs), and sample exactly
# as that chapter chose on validation networks (read back from the cache `gsdiff.evaluation.tuned_settings`
# keeps, or chosen again when nothing is cached). The test networks never entered training or selection.
#
# **How a policy is compared with the expert.** As the papers do: the authors' evaluator fills each
# time-sharing slot (a window of 5 fading slots) with an independent draw among a network's samples, over
# several realizations of those draws whose metrics are averaged, takes each percentile over one network's
# users and averages over networks. A policy draws $K$ samples per network, so the expert is drawn the same
# way, $K$ independent draws of its own samples: a perfect imitator then scores 1. gsdiff adds a stricter
# reference beside it, the expert's chain of iterates played in order, whose turns the dual dynamics balance
# (the training chapter measures the gap as the finite-sample ceiling). Every verdict below is read under the
# papers' protocol; the stricter reading is reported beside it.
#
# | papers | figure | here |
# |---|---|---|
# | extended Fig. 2, CAMSAP Fig. 1 | cumulative p1, p5 and mean rates over time-sharing slots | [Over time slots](results-slots) |
# | CAMSAP Fig. 2, extended Fig. 1 | 2-D slices of the policy against the expert's | [Policy slices](results-slices) |
# | extended Fig. 3 | tail percentiles against seen and unseen $f_{\min}$ | [Unseen minimum rates](results-f-min) |
# | extended Fig. 4 | tail percentiles against the network size | [Larger networks](results-sizes) |
#
# The chapter ends with the papers' claims, each checked against this run's numbers under both readings.

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
from dataclasses import replace

import torch
from IPython.display import Markdown, display

from gsdiff.config import (
    AVERAGE_POWER,
    EXPERT,
    EXPERT_CHAIN,
    FULL_POWER,
    GNN_EXPERT,
    PAPER_RESULTS,
    RANDOM_LEVELS,
    WMMSE,
    PolicyTargets,
    dual_candidate,
)
from gsdiff.evaluation import (
    EXACT_MAX_PAIRS,
    MEAN_FIELD_INTERFERERS,
    candidate_samples,
    compare_experts,
    compare_over_f_mins,
    evaluate_candidates,
    expert_for_size,
    paper_claims,
    score_sizes,
    size_changes,
    size_runs,
)
from gsdiff.notebooks import open_chapter, record, record_metrics
from gsdiff.solvers import random_levels
from gsdiff.training import training_sizes
from gsdiff.viz import (
    claims_table,
    coordination_table,
    horizon_cdf_figure,
    metrics_table,
    percentile_curves_figure,
    policy_reports,
    policy_slices_figure,
    ratio_lines,
    settling_table,
    show,
    size_changes_table,
    tail_vs_f_min_figure,
    tail_vs_size_figure,
)
from gsdiff.wireless import drop_at_densities, settling_slots, varying_share

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 0  # seed of the samples, the draws, the fading slots, the new networks and the expert runs
kinds = ["ugnn", "gnn"]  # denoisers compared: the U-GNN and the CAMSAP GNN
eval_networks_per_density = 32  # test networks per density at f_min, capped at the split's size
num_samples = 100  # K samples per network, for the policies and the expert drawn alike
fading = "iid"  # fading of the evaluation slots: "iid" Rayleigh, or "jakes" (the authors' time-correlated)
early_horizon = 20  # time-sharing slots: the users' rate distribution is shown after these and after all
slice_pairs = 4  # most strongly coupled pairs of users per network in the policy slices
unseen_f_mins = [0.3, 0.45, 0.65, 0.9]  # bits/s/Hz: f_min levels between and outside the training grid
f_min_networks_per_density = 4  # test networks per density at each f_min level
transfer_pairs = []  # network sizes N beside the training size; empty: the profile's (Profile.transfer_pairs)
transfer_users_per_density = 120  # users per density at each size: max(1, round(this / N)) new networks
size_band = 0.1  # the policy's p1, p5, p10 at larger N may differ from the training size's by this fraction
experts_networks_per_density = 4  # test networks per density on which both experts meet full power
experts_transfer_pairs = 400  # N of the new networks on which both experts meet full power again (0: none)
profile_settings = {}  # profile settings changed for this run, as `gsdiff train --set`; pass the training
# chapter's too (e.g. {"tuning.margins": [0.0, 0.05]}), so that the sampling choices made there are read back

# %%
chapter = open_chapter(globals())  # checks and records the parameters, resolves the profile
config = chapter.profile
f_min, radio = config.f_min, config.radio
evaluation = replace(config.evaluation, fading=fading)
dataset = chapter.dataset({"validation": (f_min,), "test": (f_min,)})  # what this chapter uses
policies = chapter.policies(dataset, kinds)
settings = chapter.tuned(dataset, policies)  # the training chapter's choices, read back
first = next(iter(policies))
display(
    Markdown(
        "Sampling: "
        + "; ".join(f"{c.label}: {s.label}" for c, s in settings.sampling.items())
        + ". Dual time-sharing margins: "
        + "; ".join(f"{c.label}: {s.margin:g}" for c, s in settings.dual.items())
        + f". Evaluation: {evaluation.num_slots} fading slots ({evaluation.fading} Rayleigh fading) in "
        f"{evaluation.num_windows} time-sharing slots, {evaluation.play} draws over {evaluation.repeats} "
        f"realizations, percentiles {evaluation.aggregate.replace('_', ' ')}."
    )
)
for key in ("num_slots", "num_windows", "repeats", "window_slots", "fading"):
    record(f"evaluation.{key}", getattr(evaluation, key))

# %% [markdown]
# (results-slots)=
# ## Over time slots (extended Fig. 2, CAMSAP Fig. 1)
#
# On the test networks of every density at $f_{\min}$, each policy draws {glue:text}`num_samples` allocations
# per network, and the evaluator plays them as the papers do: {glue:text}`evaluation.num_slots` fading slots
# ({glue:text}`evaluation.fading` Rayleigh fading; `fading = "jakes"` switches to the authors'
# time-correlated fading) in {glue:text}`evaluation.num_windows` time-sharing slots, each an independent draw
# among the network's samples, over {glue:text}`evaluation.repeats` realizations. The candidates: the expert
# drawn as the policies draw, and its chain in order (the stricter reference); each policy played
# independently (the papers' protocol) and by **dual time-sharing** (our addition, explained in the training
# chapter: the expert's dual dynamics choose which of the policy's samples each time-sharing slot plays, a
# schedule played in order); the expert's samples and a pool of random power levels under the same schedule
# (controls); and the deterministic baselines full power (FP), average power (AP, the mean of the expert's
# samples) and WMMSE (sum-rate, on the large-scale gains).

# %%
gains, expert_samples = dataset.at_f_min("test", f_min, eval_networks_per_density)
control = random_levels(
    gains, num_samples, config.expert.num_levels, radio, generator=torch.Generator().manual_seed(seed)
)
candidates = candidate_samples(
    gains,
    f_min,
    expert_samples,
    radio,
    policies=policies,
    num_samples=num_samples,
    sampling=settings.sampling,
    dual=settings.dual,
    pools={RANDOM_LEVELS: control},
    evaluation=evaluation,
    baselines=(FULL_POWER, AVERAGE_POWER, WMMSE),
    seed=seed,
)
results = evaluate_candidates(gains, candidates, radio, evaluation, seed=seed)
metrics = {name: res.metrics(f_min) for name, res in results.items()}
pooled = {name: res.metrics(f_min, aggregate="pooled") for name, res in results.items()}
record_metrics("test", metrics)
record_metrics("test_pooled", pooled)
record("ceiling", metrics[EXPERT]["p5"] / metrics[EXPERT_CHAIN]["p5"])  # a perfect imitator against the chain
record("num_samples", num_samples)
display(Markdown(metrics_table(metrics)))
display(Markdown(metrics_table(pooled, ["mean", "p1", "p5", "p10", "feasible_fraction"])))

# %% [markdown]
# **Tables.** Every candidate on the test networks at $f_{\min}$ after all the slots. First the papers'
# aggregation, on which every verdict below rests: each percentile over one network's users, averaged over
# networks and realizations (at 20 users a network's 5th percentile sits near its worst user, so this is the
# tail of each network, not of the population); then gsdiff's pooled aggregation beside it, every user of
# every network as one population. The mean and the share meeting $f_{\min}$ are the same in both. The
# U-GNN's p5 is {glue:text}`test.ugnn.p5:.3f` against the expert's {glue:text}`test.expert.p5:.3f` drawn
# alike and {glue:text}`test.expert_chain.p5:.3f` for its chain; its mean {glue:text}`test.ugnn.mean:.3f`
# against {glue:text}`test.expert.mean:.3f`.

# %%
shown = [EXPERT, EXPERT_CHAIN, first, dual_candidate(first), FULL_POWER, AVERAGE_POWER, WMMSE]
show(percentile_curves_figure({name: results[name] for name in shown}, f_min))
settling = settling_slots(results, f_min)
for candidate, (first_window, settled, final) in settling.items():
    record(f"first_slot.{candidate.name}", "never" if first_window is None else first_window)
    record(f"settling_slot.{candidate.name}", "never" if settled is None else settled)
    record(f"final_p5.{candidate.name}", final)
display(Markdown(settling_table(settling, evaluation.window_slots)))

# %% [markdown]
# **Figure and table.** The 1st and 5th percentiles (over every user of every test network in each
# realization, averaged over realizations, as the papers' figure pools them) and the mean of the users'
# running ergodic rates over the time-sharing slots (the dashed line is $f_{\min}$); the time-sharing slot at
# which each candidate's running 5th percentile first reaches $f_{\min}$, the one from which it stays above
# it to the end (the running percentile of a finite set of users dips again as fading draws and turns come
# and go), the same in fading slots, and the curve's last value (pooled, so below the per-network p5 of the
# tables above). The papers report both the U-GNN's and the expert's 5th percentile
# above $f_{\min}$ within {glue:text}`paper.settling_slots` time-sharing slots; here the U-GNN's first
# reaches it at slot {glue:text}`first_slot.ugnn` and stays from slot {glue:text}`settling_slot.ugnn`, the
# expert's drawn alike at slot {glue:text}`first_slot.expert` and from slot {glue:text}`settling_slot.expert`.
# A stochastic policy's tail climbs as its samples take turns, while the deterministic baselines are flat
# from the first slots: fading averages out, the allocation never changes.

# %%
horizons = [min(early_horizon, evaluation.num_windows), evaluation.num_windows]
show(horizon_cdf_figure({name: results[name] for name in shown}, f_min, horizons))
record("horizons.early", horizons[0])
record("horizons.final", horizons[1])

# %% [markdown]
# **Figure.** The distribution of the users' running ergodic rates after {glue:text}`horizons.early`
# time-sharing slots and after all {glue:text}`horizons.final` (empirical CDFs over every user of every test
# network and realization; the dashed line is $f_{\min}$). Early on, a user's running rate still depends on
# which samples it happened to be served in; by the end, the stochastic policies' distributions have moved
# their lower tail to $f_{\min}$, while FP and AP leave a fixed share of users below it.

# %%
for candidate in [*settings.sampling, *(dual_candidate(base) for base in settings.sampling)]:
    record(f"targets.{candidate.name}", PolicyTargets().check(metrics, candidate, f_min))
display(Markdown(policy_reports(results, candidates, settings.sampling, settings.dual, f_min, seed=seed)))

# %% [markdown]
# The checks are the quality targets of the project for the `book` profile, computed on this run against the
# expert drawn as the policy draws. The intervals say how much of a ratio is the draw of test networks
# (`gsdiff.wireless.bootstrap_ratios` resamples whole networks, the same for policy and expert): a verdict is
# read off the point value; where the interval straddles the target, the test set cannot tell. Only the
# independent play is the papers' method; "against the expert's samples under the same schedule" separates
# what the schedule adds from what the denoiser's samples are worth.
#
# ### Where the tail is lost
#
# A user in the tail is typically served by turns: the expert lets it transmit in a minority of its samples,
# at full power, while its strongest interferers stay silent. For the users in each policy's bottom 5% (by
# time-shared rate), the table compares how the expert's chain and the policy treat them: the user's own
# power when it transmits and the mean power of its three strongest interferers (largest $g_{ji}/g_{ii}$)
# then.

# %%
display(Markdown(coordination_table(gains, results, candidates, list(policies), radio.max_power_w)))

# %% [markdown]
# **Table.** Coordination for the users the policies serve worst. Where a policy's interferers stay louder
# and its users' own power lower than the expert's, the policy has learned *how often* a weak user transmits
# better than *with whom*: the joint on/off pattern across neighbours is what a denoiser fits least well, and
# what the tail depends on.
#
# (results-slices)=
# ## Policy slices (CAMSAP Fig. 2, extended Fig. 1)
#
# The expert's policy is multi-modal: for a strongly coupled pair of users its samples sit at the corners
# (one on, the other off, in turns) rather than at a compromise in between. The figure draws, for the most
# strongly coupled pairs of one test network of each density, the U-GNN's samples over the expert's.

# %%
per_density = gains.shape[0] // len(config.densities_per_km2)
picked = slice(0, None, per_density)  # the first test network of each density
pools = {EXPERT: expert_samples[picked], first: candidates[first].samples_w[picked]}
show(policy_slices_figure(pools, gains[picked], len(config.densities_per_km2), slice_pairs))
varying = varying_share(expert_samples)
record("expert_varying_share", varying)
record("slice_pairs", slice_pairs)

# %% [markdown]
# **Figure.** Joint powers $(x_i, x_j)$ in mW of the {glue:text}`slice_pairs` most coupled pairs of a test
# network (the slider picks one network per density, densest last), the expert's samples and the U-GNN's;
# a point's size is how often it was drawn. Alternation shows as mass at the corners (one user on at full
# power, the other off); {glue:text}`expert_varying_share:.0%` of the test users have a power that varies
# between the expert's samples.
#
# (results-f-min)=
# ## Unseen minimum rates (extended Fig. 3)
#
# $f_{\min}$ enters the denoiser only as a node feature, so the policy can be asked for levels it never
# trained on. On test networks, the expert runs afresh at each level (trained and unseen alike, so every
# level is scored the same way) and the U-GNN samples for it (as in the papers' Figs. 3 and 4, this section
# and the next study the U-GNN alone), played independently and by dual time-sharing, the expert drawn alike
# and as its chain; rates are exact over fading, of the samples the evaluator plays.

# %%
f_mins_studied = sorted({*config.f_mins, *unseen_f_mins})
level_gains, _ = dataset.at_f_min("test", f_min, f_min_networks_per_density)
dual = {pool: settings.dual[pool] for pool in [EXPERT, first]}  # the pools compare_to_expert knows
options = {"sampling": settings.sampling, "dual": dual, "num_samples": num_samples, "seed": seed}
studied = {first: policies[first]}  # the papers' Figs. 3 and 4 show the U-GNN alone
by_level = compare_over_f_mins(
    level_gains, f_mins_studied, studied, radio, config.expert, evaluation, **options
)
for level, scores in by_level.items():
    record_metrics(f"f_min.{level:g}", scores)
plotted = [EXPERT, EXPERT_CHAIN, first, dual_candidate(first), FULL_POWER, AVERAGE_POWER]
show(tail_vs_f_min_figure(by_level, config.f_mins, names=plotted))
trained = [f for f in f_mins_studied if f in config.f_mins]
top = max(f_mins_studied)  # the prose quotes the highest level
record("f_min_top.level", top)
record("f_min_networks", level_gains.shape[0])
record("f_min_top.trained_max", max(config.f_mins))
record_metrics("f_min_top", by_level[top], keys=("p5",))

# %% [markdown]
# **Figure.** The 1st, 5th and 10th percentiles of the users' rates on test networks (every density, the
# papers' aggregation) against $f_{\min}$: filled markers at the levels of the training grid, hollow at
# levels the U-GNN never saw; the dotted diagonal is $r = f_{\min}$, above which a percentile meets the
# requirement.

# %%
lines = ratio_lines(
    by_level, [first, dual_candidate(first)], lambda f: f"f_min {f:g}{'' if f in trained else '*'}"
)
display(Markdown(lines + "\n\n(* unseen level.)"))

# %% [markdown]
# (results-sizes)=
# ## Larger networks (extended Fig. 4)
#
# The denoisers have no parameter tied to $N$, so the policy trained on networks of the profile's size runs
# on larger ones (the book's U-GNN trained on networks of {glue:text}`training_sizes` pairs, the first of
# them its base size, the "training size" below; the training chapter says why). New networks of every density are drawn at each size (the same densities, so larger
# areas), the training size included, about {glue:text}`transfer_users` users per density at each size (so
# {glue:text}`transfer_networks` networks at the training size and one per density at the largest); every
# size plays the same $K$ = {glue:text}`num_samples` samples per network, the papers' $K$ and this chapter's. Each receiver's graph keeps its $N - 1$
# strongest interferers of training (`top_k`): a node sees as many neighbours as it did in training, and the
# cost of a denoiser pass grows as $N$, not $N^2$. From {glue:text}`exact_max_pairs` pairs on, the expert's
# primal step, the dual time-sharing's pool rates and the scores keep each receiver's
# {glue:text}`mean_field_interferers` strongest interferers exact and the rest by their mean field
# (`gsdiff.solvers.mean_field`; `benchmarks/expert_mean_field.py` measures its error).
#
# **The criterion, stated before the numbers.** The papers run no expert at the new sizes: their Fig. 4 says
# that the policy's own tail percentiles stay where they were at the training size. Here the claim holds if
# the U-GNN's p1, p5 and p10 at every larger size stay within {glue:text}`size_band:.0%` of their values at
# the training size and its p5 stays above $f_{\min}$. Why that band: a size's point is the average of its
# networks' own percentiles, and the networks' spread (the table's "p5_spread", the standard deviation of a
# network's p5 between networks, divided by the square root of their count) puts a point's own noise at a
# few percent; a drift past the band is more than the draw of networks. Why the same $K$ everywhere: the
# training chapter's ceiling study shows how much a smaller $K$ alone lowers a drawn tail. The criterion
# cannot tell the policy's loss from the networks' own: at a fixed density a larger network has fewer users
# at the edge of the area, so more interference, and every allocation's tail falls. The expert drawn the
# same way measures that part, and the ratio to it is the stricter reading (affordable at every size here).

# %%
sizes = sorted({config.num_pairs, *(transfer_pairs or config.transfer_pairs)})
networks = {n: max(1, round(transfer_users_per_density / n)) for n in sizes}  # per density
degree = {first: replace(settings.sampling[first], top_k=config.num_pairs - 1)}
size_study = size_runs(  # kept: scored for the figure, and read again for what changes with size
    sizes,
    config.densities_per_km2,
    networks,
    f_min,
    studied,
    radio,
    config.expert,
    evaluation,
    num_samples=num_samples,
    seed=seed,
    pairing=config.pairing,
    exact_max_pairs=EXACT_MAX_PAIRS,
    sampling=degree,
    dual=dual,
)
by_size = score_sizes(size_study, evaluation, by_density=True)
for role, n in (("trained", config.num_pairs), ("largest", sizes[-1])):  # the prose quotes these two
    record_metrics(f"size.{role}", by_size[n]["all"], keys=("mean", "p1", "p5", "p10", "p5_spread"))
    record(f"size.{role}.pairs", n)
show(tail_vs_size_figure(by_size, names=plotted))
record("trained_pairs", config.num_pairs)
record("training_sizes", ", ".join(str(n) for n in training_sizes(config)))
record("transfer_users", transfer_users_per_density)
record("transfer_networks", networks[config.num_pairs] * len(config.densities_per_km2))
record("size_band", size_band)
record("exact_max_pairs", EXACT_MAX_PAIRS)
record("mean_field_interferers", MEAN_FIELD_INTERFERERS)

# %% [markdown]
# **Figure.** The 1st, 5th and 10th percentiles of the users' rates (exact over fading, of the samples
# played, at $f_{\min}$) against the network size, for the U-GNN trained at {glue:text}`training_sizes`
# pairs; the menu switches between every density and each density alone.

# %%
columns = ["mean", "p1", "p5", "p10", "p5_spread", "feasible_fraction"]
for n, groups in by_size.items():
    display(Markdown(f"**N = {n}**:\n\n" + metrics_table(groups["all"], columns)))

# %% [markdown]
# **Tables.** The same runs in full, every density together; "p5_spread" is the standard deviation over the
# networks of their own 5th percentiles.
#
# **What changes with size.** From the same runs, for the U-GNN: the graph it sees (each receiver keeps the
# {glue:text}`trained_degree` strongest interferers of training), its tail against the expert's, and how it
# schedules its own worst users (each network's worst 5% by the U-GNN's rate): how often each of them
# transmits (power above a tenth of $P_{\max}$) in the U-GNN's samples and in the expert's.

# %%
changes = size_changes(size_study, first, radio.max_power_w, evaluation, top_k=config.num_pairs - 1)
display(Markdown(size_changes_table(changes)))
largest = changes[sizes[-1]]
record("trained_degree", config.num_pairs - 1)
for key in ("kept_interference", "tail_on_policy", "tail_on_expert", "p5_ratio"):
    record(f"changes.largest.{key}", largest[key])
    record(f"changes.trained.{key}", changes[config.num_pairs][key])

# %% [markdown]
# **Table.** At the largest size the kept neighbours carry {glue:text}`changes.largest.kept_interference:.0%`
# of a receiver's full-power interference; the U-GNN's worst users transmit in
# {glue:text}`changes.largest.tail_on_policy:.0%` of its samples and in
# {glue:text}`changes.largest.tail_on_expert:.0%` of the expert's (at the training size:
# {glue:text}`changes.trained.tail_on_policy:.0%` against {glue:text}`changes.trained.tail_on_expert:.0%`).
# Worst users left off more often than the expert leaves them are under-scheduled; where that happens
# the tail is lost by the schedule rather than by the graph (`benchmarks/transfer_diagnosis.py` has the
# longer account; `benchmarks/size_ablation.py` measures what training for size changes).
#
# ## Full power against both experts
#
# The papers find that full power (FP) reaches a higher mean rate than their policy at the price of its tail.
# Their expert is GNN-parametrized: one shallow graph network maps every network's state and multipliers to
# powers (`gsdiff.solvers.run_gnn_expert`); gsdiff's expert moves each network's powers directly, and is
# stronger. Which of the two FP beats is measured here: on {glue:text}`experts_networks` test networks of the
# training size, and on new networks of {glue:text}`experts_transfer_pairs` pairs (one per density, the
# experts mean-field beyond {glue:text}`exact_max_pairs` pairs).

# %%
experts_gains = dataset.at_f_min("test", f_min, experts_networks_per_density)[0]
both = {
    config.num_pairs: compare_experts(
        experts_gains, f_min, radio, config.expert, config.gnn_expert, config.graph, evaluation, seed=seed
    )
}
if experts_transfer_pairs:
    large = drop_at_densities(
        1, experts_transfer_pairs, config.densities_per_km2, seed=seed, pairing=config.pairing
    )
    k = expert_for_size(config.expert, experts_transfer_pairs).interferers
    both[experts_transfer_pairs] = compare_experts(
        large,
        f_min,
        radio,
        expert_for_size(config.expert, experts_transfer_pairs),
        replace(config.gnn_expert, interferers=k),
        replace(config.graph, top_k=config.num_pairs - 1),
        evaluation,
        seed=seed,
        interferers=k,
    )
for role, n in zip(("trained", "large"), both, strict=False):  # the prose quotes both sizes
    record_metrics(f"experts.{role}", both[n], keys=("mean", "p5", "jain", "seconds"))
    record(f"experts.{role}.pairs", n)
for n, scores in both.items():
    display(Markdown(f"**N = {n}**:\n\n" + metrics_table(scores, ["mean", "p1", "p5", "jain", "seconds"])))
record("experts_networks", experts_gains.shape[0])
record("experts_transfer_pairs", experts_transfer_pairs)

# %% [markdown]
# **Tables.** The direct expert, the GNN-parametrized one and full power on the same networks (the experts'
# samples played by the papers' rule; "seconds" to run each expert). At {glue:text}`experts.trained.pairs`
# pairs FP's mean is {glue:text}`experts.trained.full_power.mean:.3f` against the direct expert's
# {glue:text}`experts.trained.expert.mean:.3f` and the GNN-parametrized expert's
# {glue:text}`experts.trained.gnn_expert.mean:.3f`; at {glue:text}`experts.large.pairs` pairs
# {glue:text}`experts.large.full_power.mean:.3f` against {glue:text}`experts.large.expert.mean:.3f` and
# {glue:text}`experts.large.gnn_expert.mean:.3f`. The claims below judge FP as the papers describe it:
# a higher mean "at the expense of severe QoS unfairness", the QoS being the $f_{\min}$ constraint FP fails
# to meet, so FP's p5 below $f_{\min}$ where the other meets it. Jain's fairness index is shown beside,
# not judged: it rewards equal rates, which a policy that meets $f_{\min}$ by letting strong users take more
# need not have.
#
# ## The papers' claims, checked
#
# Each qualitative claim of the papers' results sections, with the numbers that support or contradict it
# here, under the papers' protocol (the verdict) and under gsdiff's stricter reading beside it (the expert's
# chain in order; "for good" where the papers say "within"). The papers' numbers are theirs at 400 pairs on a
# GPU (`gsdiff.config.PAPER_RESULTS`); ours are this run's at the profile's size. Each row states its
# criterion; "our target" is the project's quality target (`gsdiff.config.PolicyTargets`), the same one the
# checks above use.

# %%
fp_against = {"the policy": {FULL_POWER: metrics[FULL_POWER], first: metrics[first]}}
for n, scores in both.items():
    for expert, label in ((EXPERT, "the direct expert"), (GNN_EXPERT, "the GNN-parametrized expert")):
        fp_against[f"{label} (N = {n})"] = {FULL_POWER: scores[FULL_POWER], expert: scores[expert]}
claims = paper_claims(
    metrics,
    f_min,
    first,
    settling,
    varying,
    fp_against=fp_against,
    by_f_min=by_level,
    trained_f_mins=trained,
    sizes={n: groups["all"] for n, groups in by_size.items()},
    trained_pairs=config.num_pairs,
    size_band=size_band,
)
record("claims_held", sum(c.holds for c in claims))
record("claims_held_stricter", sum(c.stricter.holds for c in claims if c.stricter))
record("claims_stricter", sum(c.stricter is not None for c in claims))
record("claims", len(claims))
display(Markdown(claims_table(claims)))
for key in ("num_pairs", "policy_mean", "policy_p1", "policy_p5", "p5_gap", "settling_slots"):
    record(f"paper.{key}", getattr(PAPER_RESULTS, key))

# %% [markdown]
# **Table.** The papers' claims on this run: {glue:text}`claims_held` of {glue:text}`claims` hold under the
# papers' protocol, {glue:text}`claims_held_stricter` of the {glue:text}`claims_stricter` that have one under
# the stricter reading. For the papers' reference numbers at $N$ = {glue:text}`paper.num_pairs`: the U-GNN's
# mean {glue:text}`paper.policy_mean:.3f`, p1 {glue:text}`paper.policy_p1:.3f` and p5
# {glue:text}`paper.policy_p5:.3f` bits/s/Hz; ours at $N$ = {glue:text}`trained_pairs` are in the first
# table. Absolute rates are not comparable across network sizes and densities, which is why the claims
# compare each policy with the expert on the same networks.
#
# ### Where this falls short
#
# Each claim that does not hold above, with what this run measured about its cause:
#
# - **The expert drawn as a policy is drawn.** Played as the papers' evaluator plays a policy, the expert
#   meets $f_{\min}$ for {glue:text}`test.expert.feasible_fraction:.1%` of the test users; its chain, in
#   order, for {glue:text}`test.expert_chain.feasible_fraction:.1%`. The difference is the draws alone:
#   independent draws leave some users fewer turns than the dual dynamics gave them. The drawn expert's p5
#   is {glue:text}`ceiling:.3f` × its chain's, the most an imitator of the expert's samples can score
#   against the chain under this protocol (the training chapter's ceiling study), which is why the stricter
#   tail and feasibility readings ask more than any policy drawn this way can give. The papers' 99.1% is of
#   another pool: the authors' dataset keeps 200 of the expert's last 1000 iterates by a backward
#   elimination that first minimises the receivers below $f_{\min}$, where gsdiff keeps evenly spaced late
#   iterates, so that the reference is the expert's own process.
# - **Settling within 20 time-sharing slots.** The papers' Fig. 2 pools the receivers of every test
#   network. Pooled that way, the U-GNN's running p5 ends at {glue:text}`final_p5.ugnn:.3f` and the drawn
#   expert's at {glue:text}`final_p5.expert:.3f`, close above $f_{\min}$, so the curves, which rise as each
#   user's running average sheds its early luck, cross it late (time-sharing slots
#   {glue:text}`first_slot.ugnn` and {glue:text}`first_slot.expert`); the chain ends at
#   {glue:text}`final_p5.expert_chain:.3f` and crosses at slot {glue:text}`first_slot.expert_chain`. At 20
#   pairs a pooled 5th percentile is set by the worst users of the weakest networks, which the per-network
#   aggregation of the tables averages away.
# - **Unseen levels.** The U-GNN conditions on $f_{\min}$ as a node feature and trained on levels up to
#   {glue:text}`f_min_top.trained_max`; at {glue:text}`f_min_top.level`, beyond them, its p5 is
#   {glue:text}`f_min_top.ugnn.p5:.3f` against the expert's {glue:text}`f_min_top.expert.p5:.3f` drawn
#   alike (a level's point is {glue:text}`f_min_networks` networks): outside the grid the policy
#   extrapolates, and the highest level, where the requirement leaves least room, is where a shortfall shows
#   first.
# - **Full power's mean.** FP's mean is {glue:text}`test.full_power.mean:.3f` against the U-GNN's
#   {glue:text}`test.ugnn.mean:.3f` on the test networks: the policy, imitating an expert that meets the QoS
#   by turns, loses less mean to it than FP loses to interference. Against the two experts (the tables
#   above), only the GNN-parametrized expert, the authors' kind, has a lower mean than FP: the papers'
#   statement is about their expert, and a stronger one reverses it.
# - **Tails across sizes.** The U-GNN's p5 moves from {glue:text}`size.trained.ugnn.p5:.3f` at
#   {glue:text}`size.trained.pairs` pairs to {glue:text}`size.largest.ugnn.p5:.3f` at
#   {glue:text}`size.largest.pairs`, the expert's drawn the same way from
#   {glue:text}`size.trained.expert.p5:.3f` to {glue:text}`size.largest.expert.p5:.3f` and its chain's from
#   {glue:text}`size.trained.expert_chain.p5:.3f` to {glue:text}`size.largest.expert_chain.p5:.3f`: most of
#   the drift is the networks' (at one density a larger area has fewer users at its edge, so more
#   interference), which the papers' criterion, written for 400 pairs and up, does not separate (and the
#   training size's own point is the noisiest: its networks' p5 spread is
#   {glue:text}`size.trained.ugnn.p5_spread:.3f` over {glue:text}`transfer_networks` networks). What is
#   left is the policy's, trained on networks of {glue:text}`training_sizes` pairs, and the stricter
#   reading measures it ({glue:text}`changes.largest.p5_ratio:.3f` × the expert's p5 at the largest size);
#   the table of what changes with size says how its worst users are scheduled there.

# %%
chapter.finish()
