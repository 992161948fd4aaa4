"""Graph filters: the normalized shift, its transpose, hop reach, and a NumPy reference of the filter."""

import numpy as np
import pytest
import torch

from gsdiff.graph_filter import HopFilter, shift_operator, shift_operators


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
    with pytest.raises(ValueError, match=r"directions must be one of \('in', 'both'\), got 'out'"):
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
