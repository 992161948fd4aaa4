"""The GNN-parametrized expert: equivariance of its GNN, output format, determinism, feasibility, errors."""

import pytest
import torch

from gsdiff.config import DropConfig, GNNExpertConfig, GraphConfig, RadioConfig
from gsdiff.graph.signals import graph_batch
from gsdiff.solvers.gnn_expert import PowerGNN, run_gnn_expert
from gsdiff.wireless.channel import drop_networks
from gsdiff.wireless.metrics import rate_metrics
from gsdiff.wireless.time_sharing import asymptotic_rates

RADIO = RadioConfig()
SMALL = GNNExpertConfig(hidden=8, num_iterations=30, burn_in=10, num_samples=5)


def test_power_gnn_is_permutation_equivariant():
    gains = drop_networks(1, DropConfig(num_pairs=7, density_per_km2=10.0), seed=0).gains
    perm = torch.randperm(7, generator=torch.Generator().manual_seed(1))
    torch.manual_seed(0)
    model = PowerGNN(3, 8, 3, 2, RADIO.max_power_w)

    def out(g):
        batch = graph_batch(g, 0.6, RADIO, GraphConfig())
        return model(batch.x, batch.edge_index, batch.edge_weight)

    permuted = gains[:, perm][:, :, perm]
    assert torch.allclose(out(permuted), out(gains)[perm], atol=1e-6)
    assert "TAGConv" not in repr(model) and "K=2" in repr(model)


def test_format_and_determinism():
    gains = drop_networks(3, DropConfig(num_pairs=5, density_per_km2=10.0), seed=0).gains
    a = run_gnn_expert(gains, 0.6, RADIO, SMALL, GraphConfig(), seed=2)
    b = run_gnn_expert(gains, 0.6, RADIO, SMALL, GraphConfig(), seed=2)
    assert a.samples_w.shape == (3, 5, 5)
    assert torch.equal(a.samples_w, b.samples_w)
    assert a.samples_w.min() >= 0 and a.samples_w.max() <= RADIO.max_power_w
    assert a.duals.shape[1:] == (3, 5) and (a.duals >= 0).all()


@pytest.mark.slow
def test_feasible_on_dense_networks():
    """Where full power leaves users below f_min, the GNN expert's samples meet it for nearly all users."""
    gains = drop_networks(8, DropConfig(num_pairs=10, density_per_km2=11.9), seed=4).gains.double()
    fp = rate_metrics(
        asymptotic_rates(gains, torch.full((8, 10), RADIO.max_power_w, dtype=gains.dtype), RADIO), 0.6
    )
    config = GNNExpertConfig(hidden=32, num_iterations=600, burn_in=300, num_samples=50)
    result = run_gnn_expert(gains, 0.6, RADIO, config, GraphConfig(), seed=0)
    m = rate_metrics(asymptotic_rates(gains, result.samples_w, RADIO), 0.6)
    assert fp["feasible_fraction"] < 0.95
    assert m["feasible_fraction"] >= 0.95 and m["p5"] >= 0.6


def test_errors():
    gains = drop_networks(2, DropConfig(num_pairs=4, density_per_km2=10.0), seed=0).gains
    with pytest.raises(ValueError, match="f_min"):
        run_gnn_expert(gains, -1.0, RADIO, SMALL, GraphConfig())
    with pytest.raises(ValueError, match="one value per network"):
        run_gnn_expert(gains, torch.tensor([0.1, 0.2, 0.3]), RADIO, SMALL, GraphConfig())
    with pytest.raises(ValueError, match="num_samples"):
        GNNExpertConfig(num_iterations=100, burn_in=50, num_samples=60)
    with pytest.raises(ValueError, match="learning_rate"):
        GNNExpertConfig(learning_rate=0.0)
