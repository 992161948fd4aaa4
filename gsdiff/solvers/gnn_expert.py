"""The GNN-parametrized primal-dual expert (the papers' choice; state-augmented).

One shallow graph neural network maps every network's channel graph, node conditions u and current scaled
multipliers mu = N lambda to powers, x = P_max sigmoid(GNN(graph; u, log(1 + mu))), for all networks at
once. The primal step (9) is a few Adam steps on the GNN's weights that increase the mean over networks of
the Lagrangian (1/N) sum_i (1 + mu_i) rbar_i(x) with exact (quadrature) ergodic rates; the dual step (10) is
the same as the direct expert's (``gsdiff.solvers.expert``). After a burn-in, the GNN's outputs at the current
multipliers are the samples: the randomness comes from the multipliers moving, not from the network.
"""

from __future__ import annotations

import torch
from torch import nn
from torch_geometric.nn import TAGConv
from tqdm.auto import tqdm

from ..checks import check_networks, per_network_f_min
from ..config import GNNExpertConfig, GraphConfig, RadioConfig
from ..graph.signals import graph_batch
from ..wireless.rates import ergodic_rates_exact, ergodic_rates_mean_field
from .expert import ExpertResult, Recorder, dual_step

__all__ = ["PowerGNN", "run_gnn_expert"]


class PowerGNN(nn.Module):
    """A cascade of TAGConv layers (K-hop graph filters) with a P_max sigmoid read-out, one power per node.

    Args:
        in_channels: node features (here u and log(1 + mu): 4).
        hidden: hidden channels; num_layers: TAGConv layers; hops: K of each layer.
        max_power_w: P_max.
    """

    def __init__(self, in_channels: int, hidden: int, num_layers: int, hops: int, max_power_w: float) -> None:
        super().__init__()
        sizes = [in_channels] + [hidden] * (num_layers - 1) + [1]
        self.convs = nn.ModuleList(TAGConv(a, b, K=hops) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
        self.max_power_w = max_power_w

    def reset_parameters(self) -> None:
        for conv in self.convs:
            conv.reset_parameters()

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor, edge_weight: torch.Tensor | None = None):
        """Node features [V, C] -> powers [V] in W."""
        for k, conv in enumerate(self.convs):
            x = conv(x, edge_index, edge_weight)
            if k < len(self.convs) - 1:
                x = torch.nn.functional.leaky_relu(x, 0.1)
        return self.max_power_w * torch.sigmoid(x[:, 0])

    def __repr__(self) -> str:
        sizes = [c.in_channels for c in self.convs] + [1]
        return f"{type(self).__name__}(channels={sizes}, K={self.convs[0].K})"


def run_gnn_expert(
    gains: torch.Tensor,
    f_min: float | torch.Tensor,
    radio: RadioConfig,
    config: GNNExpertConfig,
    graph_config: GraphConfig,
    *,
    seed: int = 0,
    progress: bool = False,
) -> ExpertResult:
    """Train the GNN-parametrized expert on B networks [B, N, N] jointly and return its samples.

    The result has the direct expert's format (``gsdiff.solvers.ExpertResult``); trajectories are recorded
    every 10 iterations.
    """
    check_networks(gains)
    f = per_network_f_min(f_min, gains)
    b, n = gains.shape[0], gains.shape[-1]
    batch = graph_batch(gains, f, radio, graph_config)
    with torch.random.fork_rng(devices=[]):  # the GNN's initial weights, leaving the global RNG as it was
        torch.manual_seed(seed)
        model = PowerGNN(4, config.hidden, config.num_layers, config.hops, radio.max_power_w)
    model = model.to(device=gains.device, dtype=gains.dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)

    def powers(mu: torch.Tensor) -> torch.Tensor:  # [B, N]
        features = torch.cat([batch.x, torch.log1p(mu).reshape(-1, 1)], dim=1)  # [B N, 4]
        return model(features, batch.edge_index, batch.edge_weight).reshape(b, n)

    def rates(x: torch.Tensor) -> torch.Tensor:
        if config.interferers is not None:
            return ergodic_rates_mean_field(
                gains, x, radio.noise_w, config.interferers, quadrature_nodes=config.quadrature_nodes
            )
        return ergodic_rates_exact(gains, x, radio.noise_w, quadrature_nodes=config.quadrature_nodes)

    mu = torch.zeros(b, n, dtype=gains.dtype, device=gains.device)
    with torch.no_grad():
        average = rates(powers(mu))
    record = Recorder(config.sample_iterations, 10, config.num_iterations)
    for it in tqdm(range(config.num_iterations), desc="GNN expert", disable=not progress):
        for _ in range(config.primal_steps):  # primal step (9): ascend the Lagrangian in the GNN's weights
            optimizer.zero_grad()
            loss = -((1 + mu) * rates(powers(mu))).mean()
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            x = powers(mu)
            r = rates(x)
            average += config.rate_averaging * (r - average)
            mu = dual_step(mu, average, f[:, None], config.dual_step, config.margin)  # dual step (10)
        record(it, x, mu / n, r)
    return record.result()
