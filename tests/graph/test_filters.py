"""Graph filters: the normalized shift, its transpose, hop reach, and a NumPy reference of the filter."""

import numpy as np
import pytest
import torch

from gsdiff.config import DenoiserConfig, DropConfig
from gsdiff.denoisers.gnn import GNNDenoiser
from gsdiff.denoisers.ugnn import UGNN
from gsdiff.graph.filters import HopFilter, gated_shift, shift_operator, shift_operators
from gsdiff.graph.signals import graph_tensors
from gsdiff.wireless.channel import drop_networks


def test_hop_filter_reaches_stride_times_hops():
    """On a path graph, a filter with K = 2 taps at stride 2 sees exactly 4 hops."""
    n = 12
    src = torch.arange(n - 1)
    edge_index = torch.cat([torch.stack([src, src + 1]), torch.stack([src + 1, src])], dim=1)
    shift = shift_operator(edge_index, None, n)
    f = HopFilter(1, 1, hops=2, stride=2)
    z = torch.zeros(n, 1)
    z[0] = 1.0
    reached = (shift @ (shift @ (shift @ (shift @ z)))).abs()[:, 0] > 0
    assert reached.nonzero().max().item() == 4
    with torch.no_grad():
        out = f(z, (shift,))[:, 0] - f.taps[0].bias
    assert (out[5:].abs() < 1e-12).all() and out[4].abs() > 0


def _directed_example():
    """Three nodes with self-loops and one edge 0 -> 1 (transmitter 0 disturbs receiver 1), weight 2."""
    edge_index = torch.tensor([[0, 1, 2, 0], [0, 1, 2, 1]])
    edge_weight = torch.tensor([1.0, 1.0, 1.0, 2.0], dtype=torch.float64)
    return edge_index, edge_weight


def test_shift_matches_a_dense_reference():
    """S_ij = w_ji / sqrt(d_i d_j) with d the weighted in-degree; S^T is its transpose."""
    edge_index, edge_weight = _directed_example()
    w = np.zeros((3, 3))  # w[j, i]
    w[edge_index[0], edge_index[1]] = edge_weight.numpy()
    d = w.sum(0)  # in-degree of each receiver i
    expected = w.T / np.sqrt(np.outer(d, d))
    s, st = shift_operators(edge_index, edge_weight, 3, "both")
    np.testing.assert_allclose(s.to_dense().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(st.to_dense().numpy(), expected.T, rtol=1e-12)
    (only,) = shift_operators(edge_index, edge_weight, 3, "in")
    assert torch.equal(only.to_dense(), s.to_dense())
    with pytest.raises(ValueError, match=r"directions must be one of 'in', 'both'; got 'out'"):
        shift_operators(edge_index, edge_weight, 3, "out")


def test_filter_matches_the_polynomial_and_sees_both_directions():
    """out = Z T0 + b + sum_m S^m Z T_m + sum_m (S^T)^m Z P_m; node 0 hears node 1 only through S^T."""
    torch.manual_seed(0)
    edge_index, edge_weight = _directed_example()
    shifts = shift_operators(edge_index, edge_weight, 3, "both")
    f = HopFilter(2, 3, hops=2, num_shifts=2).double()
    z = torch.randn(3, 2, dtype=torch.float64)
    s, st = (x.to_dense() for x in shifts)
    taps = [t.weight.T for t in f.taps]
    expected = z @ taps[0] + f.taps[0].bias
    expected = expected + s @ z @ taps[1] + s @ s @ z @ taps[2] + st @ z @ taps[3] + st @ st @ z @ taps[4]
    with torch.no_grad():
        assert torch.allclose(f(z, shifts), expected, atol=1e-12)
        bumped = z.clone()
        bumped[1] += 1.0
        incoming = HopFilter(2, 3, hops=2).double()
        (s_only,) = shift_operators(edge_index, edge_weight, 3, "in")
        assert torch.equal(incoming(z, (s_only,))[0], incoming(bumped, (s_only,))[0])  # 0 does not hear 1
        assert not torch.allclose(f(z, shifts)[0], f(bumped, shifts)[0])  # ... unless along S^T
    with pytest.raises(ValueError, match="takes 2 shift operators, got 1"):
        f(z, (s_only,))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_gated_filter_matches_a_numpy_reference():
    """S^h_ij = S_ij sigmoid(a_h.z_i + b_h.z_j + c_h S_ij); head h shifts its block of channels."""
    torch.manual_seed(0)
    edge_index, edge_weight = _directed_example()
    shifts = shift_operators(edge_index, edge_weight, 3, "both")
    f = HopFilter(4, 3, hops=2, num_shifts=2, gate_heads=2).double()
    with torch.no_grad():
        f.edge_scales.copy_(torch.tensor([[0.5, -1.0], [2.0, 0.3]]))
    z = torch.randn(3, 4, dtype=torch.float64)
    zn = z.numpy()
    expected = zn @ f.taps[0].weight.detach().numpy().T + f.taps[0].bias.detach().numpy()
    for s, shift in enumerate(shifts):
        dense = shift.to_dense().numpy()
        w, bias = f.gates[s].weight.detach().numpy(), f.gates[s].bias.detach().numpy()
        logits = zn @ w.T + bias  # [3, 4]: a (receiving end) of heads 0, 1, then b (sending end)
        y = zn
        for m in range(2):
            out = np.zeros_like(y)
            for h in range(2):
                c = f.edge_scales[s, h].item()
                gated = dense * _sigmoid(logits[:, h][:, None] + logits[:, 2 + h][None, :] + c * dense)
                out[:, 2 * h : 2 * h + 2] = gated @ y[:, 2 * h : 2 * h + 2]
            y = out
            expected = expected + y @ f.taps[1 + 2 * s + m].weight.detach().numpy().T
    with torch.no_grad():
        np.testing.assert_allclose(f(z, shifts).numpy(), expected, rtol=1e-10, atol=1e-12)
        # the gates are state-dependent: node 0's state changes what node 1 hears from node 0
        gate_before = gated_shift(shifts[0], f.gates[0](z), f.edge_scales[0])
        bumped = z.clone()
        bumped[0] += 1.0
        gate_after = gated_shift(shifts[0], f.gates[0](bumped), f.edge_scales[0])
    assert not torch.allclose(gate_before, gate_after)
    with pytest.raises(ValueError, match=r"in_channels \(4\) must be divisible by gate_heads \(3\)"):
        HopFilter(4, 3, hops=2, gate_heads=3)


def test_dense_blocks_equal_the_sparse_operator():
    """Graphs of one size get block-dense operators; filtering with them equals the sparse path."""
    torch.manual_seed(0)
    gains = drop_networks(3, DropConfig(num_pairs=6, density_per_km2=10.0), seed=2).gains
    g = graph_tensors(gains, 0.6)
    dense = shift_operators(g.edge_index, g.edge_weight, len(g.x), "both", g.batch)
    sparse = shift_operators(g.edge_index, g.edge_weight, len(g.x), "both")
    assert dense[0].shape == (3, 6, 6) and sparse[0].is_sparse
    assert torch.allclose(torch.block_diag(*dense[0]), sparse[0].to_dense(), atol=1e-7)
    for heads in (0, 3):
        f = HopFilter(3, 4, hops=2, stride=2, num_shifts=2, gate_heads=heads)
        with torch.no_grad():
            assert torch.allclose(f(g.x, dense), f(g.x, sparse), atol=1e-6)
    mixed = torch.tensor([0, 0, 1, 1, 1, 2])  # graphs of different sizes stay sparse
    (s,) = shift_operators(torch.tensor([[0, 1], [1, 0]]), None, 6, "in", mixed)
    assert s.is_sparse


def test_denoisers_agree_on_mixed_and_uniform_batches():
    """A batch mixing network sizes (sparse path) gives each network the output of its own batch (dense)."""
    torch.manual_seed(0)
    small = drop_networks(1, DropConfig(num_pairs=5, density_per_km2=10.0), seed=3).gains
    large = drop_networks(1, DropConfig(num_pairs=8, density_per_km2=10.0), seed=4).gains
    for model in (
        UGNN(DenoiserConfig(hidden=8, depth=2, gate_heads=0)),
        UGNN(DenoiserConfig(hidden=8, depth=2, gate_heads=2)),
        GNNDenoiser(DenoiserConfig(kind="gnn", hidden=8, num_layers=2)),
    ):
        parts = [graph_tensors(gains, 0.6) for gains in (small, large)]
        x = torch.randn(13)
        t = torch.tensor([40, 40])
        with torch.no_grad():
            alone = [
                model(xp, t[:1], p.x, p.edge_index, p.edge_weight, p.batch)
                for xp, p in zip((x[:5], x[5:]), parts, strict=True)
            ]
            edge_index = torch.cat([parts[0].edge_index, parts[1].edge_index + 5], dim=1)
            together = model(
                x,
                t,
                torch.cat([p.x for p in parts]),
                edge_index,
                torch.cat([p.edge_weight for p in parts]),
                torch.cat([parts[0].batch, parts[1].batch + 1]),
            )
        assert torch.allclose(together, torch.cat(alone), atol=1e-5)
