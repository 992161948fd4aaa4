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
# # The problem: ergodic power control and why it is stochastic
#
# Transmitters in an ad-hoc network share a band and interfere. We want every receiver to get at least a
# minimum *ergodic* rate $f_{\min}$ — its rate averaged over fast fading and over time — while the mean rate of
# all users is as large as possible. This chapter states the problem, then shows on two users why the best
# policy is not one power allocation but a *distribution* over allocations, realized by time-sharing.

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
from dataclasses import replace

import torch
from IPython.display import Markdown, display

from gsdiff.notebooks import open_chapter, record
from gsdiff.viz import rate_region_figure, show, show_widget
from gsdiff.viz.widgets import two_user_panel
from gsdiff.wireless import (
    asymptotic_rates,
    best_deterministic,
    best_time_sharing,
    evaluate_time_sharing,
    rate_region,
)

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 0  # fading seed of the Monte-Carlo check
f_min = 0.6  # minimum ergodic rate of each user, bits/s/Hz (the papers' reference level)
direct_gain_db = -75.0  # large-scale gain of each direct link, dB (about 60 m at the papers' path loss)
cross_gains_db = [-30.0, -20.0, -10.0, -5.0, 0.0, 5.0]  # cross-link gain relative to the direct one, dB
num_levels = 41  # power levels per user in the grid of deterministic allocations
profile_settings = {}  # profile settings changed for this run, as `gsdiff train --set`: {"radio.max_power_dbm": 13}

# %%
chapter = open_chapter(globals())  # checks and records the parameters, resolves the profile
config = chapter.profile
radio = config.radio

# %% [markdown]
# ## The problem
#
# A network of $N$ transmitter–receiver pairs has large-scale gains $g_{ji}$ (from transmitter $j$ to
# receiver $i$, path loss and shadowing) and, in each 10 ms slot $t$, fast Rayleigh fading
# $|h_{ji}(t)|^2 \sim \mathrm{Exp}(1)$. With transmit powers $x \in [0, P_{\max}]^N$ the rate of receiver $i$ is
#
# $$
# r_i(x, t) = \log_2\Big(1 + \frac{x_i g_{ii} |h_{ii}(t)|^2}{W N_0 + \sum_{j \ne i} x_j g_{ji} |h_{ji}(t)|^2}\Big).
# $$
#
# A *policy* $\pi(x \mid H)$ is a distribution over allocations given the network $H$; in each slot the
# network plays a sample of it. The ergodic rate is $\bar r_i(\pi) = \mathbb{E}_{t, x \sim \pi}[r_i(x, t)]$,
# and the problem of both papers is
#
# $$
# \max_{\pi} \; \frac{1}{N} \sum_i \bar r_i(\pi) \quad \text{s.t.} \quad \bar r_i(\pi) \ge f_{\min}
# \;\; \text{for all } i.
# $$
#
# A deterministic policy is a single $x$. Because the ergodic rates are *averages*, a policy that mixes
# allocations reaches every convex combination of the rate vectors of its allocations: time-sharing
# convexifies the set of achievable ergodic rates. When interference is strong, that hull is much larger than
# what any single allocation achieves.
#
# ## Two users
#
# Two pairs with equal direct gains and equal cross gains. For every allocation on a grid over
# $[0, P_{\max}]^2$ we compute the exact ergodic rates under Rayleigh fading (the one-dimensional quadrature of
# `gsdiff.wireless.ergodic_rates_exact`, no Monte-Carlo noise). The best deterministic allocation meeting
# $f_{\min}$ is a search over the grid; the best time-sharing is a linear program over the convex hull of the
# grid's rate pairs, solved exactly as a polygon clipped by $\bar r_i \ge f_{\min}$.

# %%
direct = 10 ** (direct_gain_db / 10)
regions, rows = {}, []
for cross_db in cross_gains_db:
    cross = direct * 10 ** (cross_db / 10)
    gains = torch.tensor([[direct, cross], [cross, direct]], dtype=torch.float64)
    region = rate_region(gains, radio, num_levels=num_levels)
    regions[f"{cross_db:+g} dB"] = region
    det, _ = best_deterministic(region, f_min)
    ts, point = best_time_sharing(region, f_min)
    rows.append((cross_db, det, ts, point))

# %%
show(rate_region_figure(regions, f_min))

# %% [markdown]
# **Figure.** Ergodic rates of user 1 and user 2 for every deterministic allocation on the grid (blue dots),
# the convex hull that time-sharing reaches (green), and the best sum rate meeting $f_{\min}$ (dashed lines)
# for each (red square: one allocation; green star: time-sharing). Move the slider from weak to strong
# interference: the dots bend inward, away from the hull, and the gap between square and star opens.

# %%
lines = [
    "| cross / direct gain | best deterministic sum rate | best time-sharing sum rate | gain |",
    "|---|---|---|---|",
]
for cross_db, det, ts, _ in rows:
    gain = "infeasible deterministic" if det != det else f"{(ts / det - 1):+.0%}"
    lines.append(f"| {cross_db:+g} dB | {det:.2f} | {ts:.2f} | {gain} |")
display(Markdown("\n".join(lines)))
for end, (cross_db, det, ts, _) in (("weak", rows[0]), ("strong", rows[-1])):
    record(f"two_user.{end}.cross_db", f"{cross_db:+g}")
    record(f"two_user.{end}.deterministic", "no allocation" if det != det else f"{det:.2f}")
    record(f"two_user.{end}.time_sharing", f"{ts:.2f}")

# %% [markdown]
# Under weak interference one allocation (both at full power) is already optimal and time-sharing adds
# nothing: at {glue:text}`two_user.weak.cross_db` dB the best deterministic sum rate is
# {glue:text}`two_user.weak.deterministic` bits/s/Hz and time-sharing's {glue:text}`two_user.weak.time_sharing`.
# As the cross gain approaches the direct gain, the best deterministic allocation has to back both users off
# to keep both above $f_{\min}$, while time-sharing lets them *take turns* at full power: at
# {glue:text}`two_user.strong.cross_db` dB, {glue:text}`two_user.strong.deterministic` against
# {glue:text}`two_user.strong.time_sharing`.
#
# ## Time-sharing in practice
#
# The hull is reached by playing allocations in turn over slots. Take the strongest-interference case and the
# simplest stochastic policy: alternate $(P_{\max}, 0)$ and $(0, P_{\max})$, each held for a window of
# slots, under fresh fading in every slot (`gsdiff.wireless.evaluate_time_sharing`). Its running ergodic
# rates approach the exact value of playing both equally often.

# %%
cross = direct * 10 ** (cross_gains_db[-1] / 10)
gains = torch.tensor([[[direct, cross], [cross, direct]]], dtype=torch.float64)  # [1, 2, 2]
p = radio.max_power_w
alternate = torch.tensor([[[p, 0.0], [0.0, p]]], dtype=torch.float64)  # [B=1, S=2, N=2]
evaluation = replace(config.evaluation, play="ordered", repeats=1)  # turns in order: one realization
result = evaluate_time_sharing(gains, alternate, radio, evaluation, seed=seed)
exact = asymptotic_rates(gains, alternate, radio)[0]
mc = result.ergodic_rates[0, 0]  # realization 0, network 0
full = asymptotic_rates(gains, torch.full((1, 2), p, dtype=torch.float64), radio)[0]
record("alternating.monte_carlo_rates", mc.tolist())
record("alternating.exact_rates", exact.tolist())
display(
    Markdown(
        f"Alternating over {evaluation.num_slots} slots (window {evaluation.window_slots}): ergodic rates "
        f"({mc[0]:.2f}, {mc[1]:.2f}) bits/s/Hz by Monte-Carlo, ({exact[0]:.2f}, {exact[1]:.2f}) exactly; both at "
        f"full power all the time: ({full[0]:.2f}, {full[1]:.2f})."
    )
)

# %% [markdown]
# ## Try it
#
# In a live kernel (Jupyter, Colab) the panel below recomputes the region for any direct gain, cross gain and
# $f_{\min}$.

# %%
show_widget(
    lambda: two_user_panel(radio),
    "Run this chapter in Jupyter or Colab for sliders over the direct gain, the cross gain and f_min.",
)

# %% [markdown]
# In a network of hundreds of users nobody can draw the hull. The next chapters build the networks
# (the simulator), then an expert algorithm whose iterates *are* samples of a near-optimal stochastic policy,
# and finally a diffusion model that learns to draw such samples for a network it has never seen.

# %%
chapter.finish()
