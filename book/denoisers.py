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
# # Graph denoisers: the GNN and the U-GNN
#
# The denoiser $\epsilon_\theta(x_k, k; H, u)$ predicts the noise in a noisy allocation. An allocation is a
# signal on the channel graph, one value per transmitter–receiver pair, so the denoiser is a graph neural
# network: it must treat every relabelling of the pairs alike (permutation equivariance), work for networks
# of any size, and see who interferes with whom. This chapter builds both denoisers of the papers, the
# CAMSAP GNN and the U-GNN of the extended paper, and looks inside them on a real network.

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
import math
from dataclasses import replace

import torch
from IPython.display import Markdown, display

from gsdiff.config import policy_candidate
from gsdiff.graph import channel_graph, edge_weights
from gsdiff.notebooks import open_chapter, record
from gsdiff.viz import channel_graph_figure, show, ugnn_levels_figure
from gsdiff.wireless import drop_networks

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # experiment size: "ci" (tiny), "book" (default), "paper" (GPU scale)
seed = 0  # seed of the network drawn and of the noisy inputs
noise_step = None  # diffusion step of the noisy input shown to the U-GNN; None: a quarter of K
profile_settings = {}  # profile settings changed for this run, as `gsdiff train --set`: {"seed": 1}

# %%
chapter = open_chapter(globals())  # checks and records the parameters, resolves the profile
config = chapter.profile
f_min, radio = config.f_min, config.radio
dataset = chapter.dataset(())  # the splits used here: none (a policy trained here builds its own)
policies = chapter.policies(dataset, ["gnn", "ugnn"])

# %% [markdown]
# ## Graph signals and graph filters
#
# Nodes are pairs; an edge $j \to i$ carries the interference of transmitter $j$ at receiver $i$ and the
# self-loop carries the direct link. Every node also carries the condition signal $u_i$: its direct-link
# strength, its aggregate interference at full power (both as log-SNRs scaled so that 60 dB is 1), and
# $f_{\min}$. With the degree-normalized edge weights as the shift operator $S$
# ($S_{ij} = w_{ji}/\sqrt{d_i d_j}$, $d_i = \sum_j w_{ji}$), a K-hop graph filter maps a signal $Z$ with $F$
# features per node to
#
# $$
# \sum_{m=0}^{K} S^m Z\, \Theta_m ,
# $$
#
# a polynomial in $S$ with learned $F \times F'$ taps $\Theta_m$: $S^m Z$ mixes what is $m$ interference hops
# away, and the same taps serve every node, so relabelling the pairs relabels the output the same way.
#
# Three choices of ours depart from the papers, each measured to give a better policy
# (`python benchmarks/denoiser_ablation.py`; the figures are in the project's CHANGELOG):
#
# - **Edge weights.** The papers weight edge $j \to i$ by the log-SNR of the link at full power. A filter
#   sums its neighbours with these weights, so an interferer 30 dB below a receiver's strong direct link still
#   weighs half as much as the direct link, although it hardly matters. gsdiff's default weighs interference
#   against the receiver's own link, $w_{ji} = \log_{10}(1 + 10\, g_{ji}/g_{ii})$: the self-loop weighs 1.04,
#   an interferer 10 dB below the direct link 0.30, one 20 dB below 0.04 (`GraphConfig(edge_weight=...)`).
#   The absolute strengths are still in $u$.
# - **Both directions.** $S$ moves information along *incoming* interference: pair $i$ hears about the
#   pairs that disturb it. Whether $i$ should back off depends as much on the pairs *it* disturbs, which travel
#   along $S^\top$. The denoisers here filter with both,
#   $\sum_m S^m Z\Theta_m + \sum_{m \ge 1} (S^\top)^m Z \Phi_m$ (`DenoiserConfig(directions="both")`;
#   `"in"` is the single-operator filter of the papers).
# - **State-gated shifts.** A linear filter weighs a neighbour by the channel alone, never by what the two
#   pairs are doing, yet whether a weak receiver can transmit depends on whether its strongest interferers are
#   silent *in this sample*. With `DenoiserConfig(gate_heads=H)` each filter gates its shifts by the states at
#   both ends of every edge, $S^{(h)}_{ij} = S_{ij}\,\sigma(a_h^\top z_i + b_h^\top z_j + c_h S_{ij})$, in $H$
#   heads that each shift their own block of the channels (in the spirit of gated graph convolutions). A gate
#   depends only on an edge and its two end nodes, so the filter stays permutation-equivariant; `gate_heads=0`
#   is the linear filter of the papers.

# %%
net = drop_networks(1, config.drop(config.densities_per_km2[-1]), seed=seed)
show(channel_graph_figure(net.gains[0], f_min, radio, config.graph))
papers = replace(config.graph, edge_weight="log_snr")
relative_db = 10 * torch.log10(net.gains[0] / torch.diagonal(net.gains[0])[None, :])  # [j, i] g_ji / g_ii
weak = (relative_db < -20) & ~torch.eye(net.num_pairs, dtype=torch.bool)
shares = {
    name: (
        edge_weights(net.gains[0], radio, graph_config)[weak].sum()
        / edge_weights(net.gains[0], radio, graph_config).sum()
    )
    for name, graph_config in (("log-SNR (papers)", papers), ("coupling (gsdiff)", config.graph))
}
display(
    Markdown(
        f"On this network {int(weak.sum())} of {net.num_pairs * (net.num_pairs - 1)} interference links are more "
        "than 20 dB below their receiver's direct link; they carry "
        + " and ".join(
            f"{share:.0%} of the total edge weight with {name} weights" for name, share in shares.items()
        )
        + "."
    )
)

# %% [markdown]
# **Figure.** The graph signal of a new network of the densest drop: the edge weights (left; row $i$,
# column $j$ is the interference of transmitter $j$ at receiver $i$, the diagonal the direct links) and the
# node conditions $u$ (right).
#
# ## The CAMSAP GNN
#
# The GNN of the CAMSAP paper is a cascade of such filters. A read-in maps each node's noisy value and
# conditions to hidden features and adds a sinusoidal embedding of the diffusion step $k$; each block applies a
# filter, layer normalization and a SiLU with a residual connection; a read-out MLP gives one noise value per
# node. All its filters see the same $K$ hops, so $L$ blocks reach $LK$ hops.
#
# ## The U-GNN
#
# The U-GNN of the extended paper is shaped like a U-Net. Its encoder levels filter the signal and then
# *pool*: a learned score ranks the pairs and each level keeps the top $1/\gamma$ of the pairs the previous
# level kept (or every $\gamma$-th pair; a learned top-k is permutation-equivariant, a stride is not). Dropped
# pairs are zeroed, so every level's signal still lives on the original graph, and level $l$ filters with
# powers of $S^{r^l}$ ($r$ the hop stride): coarser levels see fewer pairs but reach further. The decoder
# climbs back up, level by level; unpooling is the zero-fill itself, and each decoder block takes the
# encoder's output at its level through a skip connection, so the fine-scale detail is not lost. The step
# embedding and an encoding of $u$ are added in every block, so every level knows how noisy the input is and
# what each pair needs.

# %%
ugnn = policies[policy_candidate("ugnn")]
d = ugnn.configs["denoiser"]
k = ugnn.schedule.num_train_steps // 4 if noise_step is None else noise_step
g = channel_graph(net.gains, f_min, radio, config.graph)  # one network, built once
x = torch.randn(net.num_pairs, generator=torch.Generator().manual_seed(seed))
with torch.no_grad():  # signals [B, N, M]: one network, one noisy input at step k
    _, masks = ugnn.denoiser(x[None, :, None], torch.tensor([[k]]), g, return_masks=True)
masks = [mask[0, :, 0] for mask in masks]
rows = ["| level | pairs kept (here) | at most | filters in | reach (hops) |", "|---|---|---|---|---|"]
for level, mask in enumerate(masks):
    stride = d.hop_stride**level
    rows.append(
        f"| {level} | {int(mask.sum())} | ⌈N/γ^{level}⌉ = {math.ceil(net.num_pairs / d.pool_factor**level)} | "
        f"S^{stride} | {d.hops * stride} per filter |"
    )
display(Markdown("\n".join(rows)))

# %% [markdown]
# **Table.** The U-GNN's levels on this network of $N$ pairs: how many pairs each level keeps for one noisy
# input (step $k$ = a quarter of $K$), the operator its filters use and how far one filter reaches.

# %%
show(ugnn_levels_figure(net, 0, masks))

# %% [markdown]
# **Figure.** Which pairs each level keeps, on the network map: each receiver is marked by the deepest level
# that keeps its pair, for the same noisy input. The selection is learned and depends on the input.
#
# ## Size and equivariance, checked

# %%
perm = torch.randperm(net.num_pairs, generator=torch.Generator().manual_seed(seed + 1))
permuted = net.gains[0][perm][:, perm][None]
g_perm = channel_graph(permuted, f_min, radio, config.graph)
lines = []
for candidate, policy in policies.items():
    model = policy.denoiser
    with torch.no_grad():
        out = model(x[None, :, None], torch.tensor([[k]]), g)[0, :, 0]
        out_perm = model(x[perm][None, :, None], torch.tensor([[k]]), g_perm)[0, :, 0]
    gap = (out_perm - out[perm]).abs().max().item()
    params = sum(p.numel() for p in model.parameters())
    record(f"{candidate.name}.parameters", params)
    record(f"{candidate.name}.permutation_gap", gap)
    lines.append(
        f"- `{model!r}`: {params:,} parameters; relabelling the pairs changes the output by {gap:.1e}."
    )
display(Markdown("\n".join(lines)))

# %% [markdown]
# The differences ({glue:text}`ugnn.permutation_gap:.1e` for the U-GNN, {glue:text}`gnn.permutation_gap:.1e` for
# the GNN) are float32 round-off: both denoisers are permutation-equivariant (the test suite checks
# this in float64). Neither has anything tied to $N$, so a model trained on networks of one size runs on any.
# Next, {doc}`training` trains both on the expert's samples and compares them.

# %%
chapter.finish()
