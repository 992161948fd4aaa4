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
# # The network simulator
#
# Every number in this book comes from simulated networks: random geometric drops of transmitter–receiver
# pairs, dual-slope path loss, log-normal shadowing and Rayleigh fading, as in the papers' simulation
# setup (`gsdiff.config.RadioConfig` and `DropConfig` hold every constant). This chapter draws networks at the papers' four densities, looks at their
# channels and at the channel graph the diffusion policy will be conditioned on, and measures the two classic
# deterministic baselines, full power and WMMSE, over fading slots.

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
import time

import torch
from IPython.display import Markdown, display

from gsdiff.config import FULL_POWER, PAIRING_RULES, WMMSE, DropConfig, GraphConfig
from gsdiff.evaluation import EXACT_MAX_PAIRS, MEAN_FIELD_INTERFERERS, pairing_study
from gsdiff.graph import graph_batch
from gsdiff.notebooks import open_chapter, record, record_metrics
from gsdiff.solvers import full_power, wmmse
from gsdiff.viz import (
    channel_graph_figure,
    metrics_table,
    network_map,
    path_loss_figure,
    percentile_curves_figure,
    rate_cdf_figure,
    records_table,
    show,
)
from gsdiff.wireless import asymptotic_rates, drop_networks, evaluate_time_sharing

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 1  # seed of the network drops and of the fading
num_pairs = 100  # N pairs per network in this chapter (the map and baselines; cheap at any profile)
f_min = None  # minimum ergodic rate, bits/s/Hz; None takes the profile's (0.6)
top_k = 10  # strongest interferers kept per receiver in the sparse channel graph
pairing_sizes = [20, 400]  # network sizes N at which the two pairing rules are compared
pairing_networks_per_density = 4  # new networks per density at each of those sizes
profile_settings = {}  # profile settings changed for this run, as `gsdiff train --set`: {"evaluation.num_slots": 1000}

# %%
chapter = open_chapter(globals())  # checks and records the parameters, resolves the profile
config = chapter.profile
f_min = config.f_min if f_min is None else f_min
radio, evaluation = config.radio, config.evaluation
torch.manual_seed(seed)
display(
    Markdown(
        f"Profile `{profile}`: N = {num_pairs} pairs, densities {config.densities_per_km2} pairs/km², "
        f"{config.num_test_networks_per_density} test networks per density, {evaluation.num_slots} slots "
        f"(allocation held {evaluation.window_slots} slots), f_min = {f_min} bits/s/Hz; "
        f"P_max = {radio.max_power_w * 1e3:.0f} mW, noise {radio.noise_w:.3g} W."
    )
)

# %% [markdown]
# ## Drops
#
# Transmitters are uniform in a square of side $R = \sqrt{N/\rho}$ for density $\rho$, at least 50 m apart;
# each receiver lies 20–100 m from its own transmitter (uniform over the annulus), at a uniform angle. The same
# number of pairs spread over a larger square means weaker interference.

# %%
generator = torch.Generator().manual_seed(seed)
drops = {
    density: drop_networks(
        config.num_test_networks_per_density,
        DropConfig(num_pairs=num_pairs, density_per_km2=density),
        generator=generator,
    )
    for density in config.densities_per_km2
}
show(network_map({f"{d} pairs/km² (R = {net.side_m:.0f} m)": net for d, net in drops.items()}))

# %% [markdown]
# **Figure.** One network per density (dropdown). Triangles are transmitters, circles receivers; thick lines
# join each pair, coloured by the direct link's large-scale gain; thin red lines join each receiver to its two
# strongest interfering transmitters. Hover over a link's midpoint for its gain.
#
# ## Path loss and shadowing
#
# $\mathrm{PL}(d) = 39 + 20\log_{10} d$ dB up to 100 m and $79 + 40 \log_{10}(d/100)$ dB beyond — free-space
# decay, then the steeper decay past the breakpoint — plus 7 dB log-normal shadowing drawn per link. The gain is
# $g_{ji} = 10^{-(\mathrm{PL}(d_{ji}) + s_{ji})/10}$.

# %%
densest = drops[max(drops)]
show(path_loss_figure(densest))

# %% [markdown]
# **Figure.** The path-loss curve, its ±1σ shadowing band, and the loss of every link of the densest drop
# (a subsample): direct links on the left (20–100 m), interference links spread to kilometres.
#
# ## The channel graph as a graph signal
#
# The diffusion policy sees a network as a graph: nodes are pairs, the edge $j \to i$ carries the
# interference of transmitter $j$ at receiver $i$ and the self-loop the direct link. The papers weight edges by
# a normalized log-SNR at full power; gsdiff's default weighs the interference against the receiver's own
# link, $w_{ji} = \log_{10}(1 + 10\, g_{ji}/g_{ii})$, so only couplings that matter to the receiver count
# (`GraphConfig(edge_weight=...)`; {doc}`denoisers` explains why). Each node carries the signal $u_i$ =
# (direct-link strength, aggregate interference at full power, $f_{\min}$), both as normalized log-SNRs. For
# large $N$ each receiver keeps only its `top_k` strongest interferers.

# %%
gains = densest.gains[0]
show(channel_graph_figure(gains, f_min, radio, config.graph))

# %%
all_gains = torch.cat([net.gains for net in drops.values()])  # [B, N, N] all test networks
off = ~torch.eye(num_pairs, dtype=torch.bool)
sparse = graph_batch(all_gains, f_min, radio, GraphConfig(top_k=top_k))
interference = all_gains * off  # [B, N, N]
kept = interference.topk(min(top_k, num_pairs - 1), dim=-2).values.sum(-2) / interference.sum(-2)  # [B, N]
display(
    Markdown(
        f"**Figure.** Left: edge weights of one network of the densest drop; right: its node signal. Across all "
        f"{all_gains.shape[0]} test networks, keeping each receiver's {top_k} strongest interferers keeps "
        f"{sparse.num_edges / sparse.num_graphs:.0f} of {num_pairs**2} edges per graph and, on median, "
        f"{kept.median():.1%} of a receiver's full-power interference (worst receiver: {kept.min():.1%})."
    )
)

# %% [markdown]
# ## Deterministic baselines over fading slots
#
# *Full power* (FP) lets every transmitter use $P_{\max}$. *WMMSE* maximizes the sum rate on the
# large-scale gains (100 iterations of the weighted-MMSE block-coordinate ascent), the classic sum-rate
# baseline. Both are deterministic: the same allocation in every slot. We evaluate them as the papers evaluate
# every policy: fresh Rayleigh fading in each slot, per-user ergodic rates as running averages, each
# percentile over one network's users and averaged over the test networks.

# %%
timer = time.perf_counter()
policies = {FULL_POWER: full_power(all_gains, radio), WMMSE: wmmse(all_gains, radio)}
results = {
    name: evaluate_time_sharing(all_gains, power, radio, evaluation, seed=seed)
    for name, power in policies.items()
}
eval_seconds = time.perf_counter() - timer
metrics = {name: res.metrics(f_min) for name, res in results.items()}
record_metrics("baselines", metrics)
display(Markdown(metrics_table(metrics)))

# %% [markdown]
# **Table.** Ergodic-rate metrics (bits/s/Hz, except the fraction of users meeting $f_{\min}$ and Jain's
# fairness index), percentiles per network and averaged.

# %%
show(rate_cdf_figure({name: res.ergodic_rates for name, res in results.items()}, f_min))

# %% [markdown]
# **Figure.** Distribution of per-user ergodic rates. WMMSE buys its higher mean by switching weak users off
# entirely (the mass at zero); full power leaves the most interfered users far below $f_{\min}$.

# %%
show(percentile_curves_figure(results, f_min))

# %% [markdown]
# **Figure.** Running ergodic rates over time-sharing slots: the 1st and 5th percentiles and the mean over all
# users. Deterministic policies settle within tens of slots, to values below $f_{\min}$ in the tail; this is
# the gap the stochastic policies of the next chapters close.

# %%
exact = {name: asymptotic_rates(all_gains, power, radio) for name, power in policies.items()}
gap = {name: (results[name].ergodic_rates - exact[name]).abs().mean().item() for name in policies}
record("num_slots", evaluation.num_slots)
record("monte_carlo_gap", max(gap.values()))
record("eval_seconds", round(eval_seconds, 1))

# %% [markdown]
# Over {glue:text}`num_slots` slots the Monte-Carlo ergodic rates are within {glue:text}`monte_carlo_gap:.3f`
# bits/s/Hz (mean absolute difference per user) of their exact infinite-slot values. WMMSE raises the mean
# rate from {glue:text}`baselines.full_power.mean:.2f` to {glue:text}`baselines.wmmse.mean:.2f` bits/s/Hz
# but drops the 5th percentile from {glue:text}`baselines.full_power.p5:.2f` to
# {glue:text}`baselines.wmmse.p5:.2f`; full power meets $f_{\min}$ for
# {glue:text}`baselines.full_power.feasible_fraction:.1%` of users, WMMSE for
# {glue:text}`baselines.wmmse.feasible_fraction:.1%`. Evaluating both policies took
# {glue:text}`eval_seconds` s.

# %% [markdown]
# ## Who is paired with whom
#
# Each receiver above is dropped around its own transmitter, as the setup prescribes; with 7 dB shadowing
# some receivers then hear another transmitter better than their own. The authors' simulator instead
# re-pairs receivers with the transmitters they hear best (and redraws a drop where its test fails, which at
# a few hundred pairs it nearly always does). gsdiff offers both as `DropConfig(pairing=...)`: `"as_dropped"`
# (the default) and `"strongest"`, a greedy matching on the large-scale gains that finishes at any $N$
# (`gsdiff.wireless.strongest_pairing`). The table measures what the rule changes, on the same drops at
# {glue:text}`pairing.networks` networks per size: the share of receivers that hear a stronger interferer,
# and full power's exact mean and tail (beyond {glue:text}`pairing.exact_max_pairs` pairs, each receiver's
# {glue:text}`pairing.interferers` strongest interferers exact and the rest by their mean field).

# %%
pairing_rows = pairing_study(
    pairing_sizes,
    config.densities_per_km2,
    pairing_networks_per_density,
    f_min,
    radio,
    evaluation,
    seed=seed,
    exact_max_pairs=EXACT_MAX_PAIRS,
)
display(Markdown(records_table(pairing_rows)))
for row in pairing_rows:
    if row["num_pairs"] == max(pairing_sizes):  # the prose quotes the largest size
        for key in ("stronger_interferer_share", "fp_mean", "fp_p5"):
            record(f"pairing.{row['pairing']}.{key}", row[key])
record("pairing.largest", max(pairing_sizes))
record("pairing.networks", pairing_networks_per_density * len(config.densities_per_km2))
record("pairing.exact_max_pairs", EXACT_MAX_PAIRS)
record("pairing.interferers", MEAN_FIELD_INTERFERERS)
record("pairing.default", PAIRING_RULES[0])

# %% [markdown]
# **Table.** The two pairing rules on the same drops (full power's rates exact over fading, percentiles per
# network as the papers aggregate them). At {glue:text}`pairing.largest` pairs, re-pairing lowers the share
# of receivers hearing a stronger interferer from {glue:text}`pairing.as_dropped.stronger_interferer_share:.1%`
# to {glue:text}`pairing.strongest.stronger_interferer_share:.1%` and moves full power's mean from
# {glue:text}`pairing.as_dropped.fp_mean:.3f` to {glue:text}`pairing.strongest.fp_mean:.3f` and its p5 from
# {glue:text}`pairing.as_dropped.fp_p5:.3f` to {glue:text}`pairing.strongest.fp_p5:.3f` bits/s/Hz.
#
# Every profile keeps the {glue:text}`pairing.default` rule: it is the drop the setup states, the shipped datasets
# and policies were drawn with it, and the rule changes the channel statistics the method meets, not the way
# it is scored: a policy and its expert always play on the same drops. A profile setting switches it (`--set
# pairing=strongest`; the dataset's cache key changes with it).

# %%
chapter.finish()
