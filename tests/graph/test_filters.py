"""Shift operators and graph filters: a hand-worked shift and its transpose, hop reach, NumPy references of
the linear and the gated filter, and the dense and fixed in-degree forms of the shift agreeing."""

import numpy as np
import pytest
import torch

from gsdiff.config import DropConfig, GraphConfig, RadioConfig
from gsdiff.graph.filters import HopFilter
from gsdiff.graph.operators import DenseShift, SparseShift
from gsdiff.graph.signals import channel_graph
from gsdiff.wireless.channel import drop_networks


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _shifted(matrix: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """Dense reference: (S z)[b, i, m] = sum_j S[b, i, j] z[b, j, m], S [B, N, N], z [B, N, M, C]."""
    return torch.einsum("bij,bjmc->bimc", matrix, z)


def _applied(applier, z: torch.Tensor, times: int = 1) -> torch.Tensor:
    enter, apply, leave = applier
    y = enter(z)
    for _ in range(times):
        y = apply(y)
    return leave(y)


def _gated_matrices(shift, p: torch.Tensor, q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    """The gated operators [B, M, H, N, N] of ``shift.gated(p, q, scale)``, read off by applying them to the
    unit vectors (head h acts on channels h N ... h N + N - 1)."""
    b, n, m, heads = p.shape
    eye = torch.eye(n, dtype=p.dtype).repeat(1, heads)  # [N, H N]: node j, channel h N + k -> delta_jk
    z = eye[None, :, None].expand(b, n, m, heads * n)
    out = _applied(shift.gated(p, q, scale), z)  # [B, N, M, H N]: (G^h e_k)_i = G^h_ik
    return out.reshape(b, n, m, heads, n).permute(0, 2, 3, 1, 4)


# --- a hand-worked graph ------------------------------------------------------------------------------------

COUPLING = GraphConfig(edge_weight="coupling")


def _directed_example():
    """Three pairs with equal direct links and one interferer: tx 0 disturbs rx 1 (gains[0, 1], 10 dB below
    rx 1's link), so w_01 = log10(1 + 10 * 0.1) = log10(2), w_ii = log10(11) and every other weight is 0."""
    gains = torch.zeros(1, 3, 3, dtype=torch.float64)
    gains[0, [0, 1, 2], [0, 1, 2]] = 1e-6
    gains[0, 0, 1] = 1e-7
    w = np.zeros((3, 3))  # w[j, i]
    w[[0, 1, 2], [0, 1, 2]] = np.log10(11.0)
    w[0, 1] = np.log10(2.0)
    return gains, w


@pytest.mark.parametrize("form", ["dense", "sparse"])
def test_shift_matches_a_hand_worked_reference(form):
    """S_ij = w_ji / sqrt(d_i d_j) with d the weighted in-degree; S^T is its transpose."""
    gains, w = _directed_example()
    d = w.sum(0)  # in-degree of each receiver i
    expected = w.T / np.sqrt(np.outer(d, d))
    assert expected[1, 0] == pytest.approx(np.log10(2) / np.sqrt(np.log10(11) * np.log10(22)), rel=1e-12)
    graph = channel_graph(gains, 0.6, RadioConfig(), COUPLING, layout=form)
    assert isinstance(graph.shift, DenseShift if form == "dense" else SparseShift)
    s, st = graph.shifts("both")
    np.testing.assert_allclose(s.to_dense()[0].numpy(), expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(st.to_dense()[0].numpy(), expected.T, rtol=1e-12, atol=1e-15)
    (only,) = graph.shifts("in")
    assert torch.equal(only.to_dense(), s.to_dense())
    assert torch.equal(st.transpose().to_dense(), s.to_dense())
    with pytest.raises(ValueError, match=r"directions must be one of 'in', 'both'; got 'out'"):
        graph.shifts("out")


@pytest.mark.parametrize("form", ["dense", "sparse"])
def test_filter_matches_the_polynomial_and_sees_both_directions(form):
    """out = Z T0 + b + sum_m S^m Z T_m + sum_m (S^T)^m Z P_m; node 0 hears node 1 only through S^T."""
    torch.manual_seed(0)
    gains, _ = _directed_example()
    graph = channel_graph(gains, 0.6, RadioConfig(), COUPLING, layout=form)
    shifts = graph.shifts("both")
    f = HopFilter(2, 3, hops=2, num_shifts=2).double()
    z = torch.randn(1, 3, 2, 2, dtype=torch.float64)  # M = 2 signals on the one graph
    s, st = (x.to_dense() for x in shifts)
    taps = [t.weight.T for t in f.taps]
    expected = z @ taps[0] + f.taps[0].bias
    for matrix, first in ((s, 1), (st, 3)):
        expected = expected + _shifted(matrix, z) @ taps[first]
        expected = expected + _shifted(matrix @ matrix, z) @ taps[first + 1]
    with torch.no_grad():
        out = f(z, shifts)
        assert out.shape == (1, 3, 2, 3)
        assert torch.allclose(out, expected, atol=1e-12)
        bumped = z.clone()
        bumped[0, 1] += 1.0
        incoming = HopFilter(2, 3, hops=2).double()
        s_only = graph.shifts("in")
        assert torch.equal(incoming(z, s_only)[0, 0], incoming(bumped, s_only)[0, 0])  # 0 does not hear 1
        assert not torch.allclose(incoming(z, s_only)[0, 1], incoming(bumped, s_only)[0, 1])  # 1 hears itself
        assert not torch.allclose(out[0, 0], f(bumped, shifts)[0, 0])  # ... unless along S^T
    with pytest.raises(ValueError, match="takes 2 shift operators, got 1"):
        f(z, s_only)


@pytest.mark.parametrize("form", ["dense", "sparse"])
def test_gated_filter_matches_a_numpy_reference(form):
    """S^h_ij = S_ij sigmoid(a_h.z_i + b_h.z_j + c_h S_ij); head h shifts its block of channels, and each
    signal m gates with its own states."""
    torch.manual_seed(0)
    gains, _ = _directed_example()
    shifts = channel_graph(gains, 0.6, RadioConfig(), COUPLING, layout=form).shifts("both")
    f = HopFilter(4, 3, hops=2, num_shifts=2, gate_heads=2).double()
    with torch.no_grad():
        f.edge_scales.copy_(torch.tensor([[0.5, -1.0], [2.0, 0.3]]))
    z = torch.randn(1, 3, 2, 4, dtype=torch.float64)  # M = 2 signals
    with torch.no_grad():
        out = f(z, shifts).numpy()
    for m in range(2):
        zn = z[0, :, m].numpy()
        expected = zn @ f.taps[0].weight.detach().numpy().T + f.taps[0].bias.detach().numpy()
        for s, shift in enumerate(shifts):
            dense = shift.to_dense()[0].numpy()
            w, bias = f.gates[s].weight.detach().numpy(), f.gates[s].bias.detach().numpy()
            logits = zn @ w.T + bias  # [3, 4]: a (receiving end) of heads 0, 1, then b (sending end)
            y = zn
            for hop in range(2):
                shifted = np.zeros_like(y)
                for h in range(2):
                    c = f.edge_scales[s, h].item()
                    gated = dense * _sigmoid(logits[:, h][:, None] + logits[:, 2 + h][None, :] + c * dense)
                    shifted[:, 2 * h : 2 * h + 2] = gated @ y[:, 2 * h : 2 * h + 2]
                y = shifted
                expected = expected + y @ f.taps[1 + 2 * s + hop].weight.detach().numpy().T
        np.testing.assert_allclose(out[0, :, m], expected, rtol=1e-10, atol=1e-12)
    with torch.no_grad():  # the gates are state-dependent: node 0's state changes what node 1 hears from 0
        p, q = f.gates[0](z).chunk(2, dim=-1)
        before = _gated_matrices(shifts[0], p, q, f.edge_scales[0])
        bumped = z.clone()
        bumped[0, 0] += 1.0
        p, q = f.gates[0](bumped).chunk(2, dim=-1)
        after = _gated_matrices(shifts[0], p, q, f.edge_scales[0])
    assert not torch.allclose(before[..., 1, 0], after[..., 1, 0])
    with pytest.raises(ValueError, match=r"in_channels \(4\) must be divisible by gate_heads \(3\)"):
        HopFilter(4, 3, hops=2, gate_heads=3)


# --- a hand-worked fixed in-degree table --------------------------------------------------------------------


def _table():
    """Two networks of 4 nodes, K = 3 sources per receiver; entries of value 0 are padding (one repeats a
    real source, one points at the self-loop) and must count for nothing."""
    index = torch.tensor(
        [
            [[0, 1, 0], [1, 0, 2], [2, 3, 2], [3, 1, 0]],
            [[0, 3, 2], [1, 2, 1], [2, 0, 3], [3, 3, 3]],
        ]
    )
    value = torch.tensor(
        [
            [[0.5, 0.2, 0.0], [0.4, 0.3, 0.1], [0.6, 0.25, 0.0], [0.7, 0.15, 0.05]],
            [[0.45, 0.35, 0.2], [0.5, 0.3, 0.0], [0.8, 0.1, 0.12], [0.9, 0.0, 0.0]],
        ],
        dtype=torch.float64,
    )
    dense = np.zeros((2, 4, 4))  # S[b, i, j]: receiver i, source j
    for b in range(2):
        for i in range(4):
            for k in range(3):
                dense[b, i, index[b, i, k]] += value[b, i, k].item()
    return index, value, dense


def test_sparse_table_to_dense_by_hand():
    index, value, dense = _table()
    assert dense[0, 0].tolist() == [0.5, 0.2, 0.0, 0.0] and dense[1, 3].tolist() == [0.0, 0.0, 0.0, 0.9]
    shift = SparseShift(index, value)
    assert shift.num_nodes == 4
    np.testing.assert_array_equal(shift.to_dense().numpy(), dense)
    np.testing.assert_array_equal(shift.transpose().to_dense().numpy(), dense.transpose(0, 2, 1))
    np.testing.assert_array_equal(shift.transpose().transpose().to_dense().numpy(), dense)


def test_sparse_linear_shift_matches_dense_products():
    """S z and S^T z of the table equal the matrix products (and those of DenseShift), repeated too."""
    index, value, dense = _table()
    z = torch.randn(2, 4, 3, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    s = torch.tensor(dense)
    for shift, matrix in ((SparseShift(index, value), s), (SparseShift(index, value).transpose(), s.mT)):
        for times in (1, 3):
            expected = z
            for _ in range(times):
                expected = _shifted(matrix, expected)
            assert torch.allclose(_applied(shift.linear(z), z, times), expected, rtol=1e-13, atol=1e-15)
            dense_shift = DenseShift(s) if matrix is s else DenseShift(s).transpose()
            assert torch.allclose(_applied(dense_shift.linear(z), z, times), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("transposed", [False, True])
def test_gated_shift_matches_a_numpy_reference(transposed):
    """Gated T^h_ij = T_ij sigmoid(p_ih + q_jh + c_h T_ij), T = S or S^T (for S^T the receiving end i is a
    column index of the table's S), per signal m; the table and the dense form give the same operators."""
    index, value, dense = _table()
    gen = torch.Generator().manual_seed(1)
    b, n, m, heads = 2, 4, 3, 2
    p = torch.randn(b, n, m, heads, generator=gen, dtype=torch.float64)
    q = torch.randn(b, n, m, heads, generator=gen, dtype=torch.float64)
    scale = torch.tensor([0.7, -1.5], dtype=torch.float64)
    t = dense.transpose(0, 2, 1) if transposed else dense
    pn, qn = p.numpy(), q.numpy()
    expected = np.zeros((b, m, heads, n, n))
    for net in range(b):
        for sig in range(m):
            for h in range(heads):
                for i in range(n):
                    for j in range(n):
                        logit = pn[net, i, sig, h] + qn[net, j, sig, h] + scale[h].item() * t[net, i, j]
                        expected[net, sig, h, i, j] = t[net, i, j] * _sigmoid(logit)
    sparse = SparseShift(index, value)
    dense_shift = DenseShift(torch.tensor(dense))
    if transposed:
        sparse, dense_shift = sparse.transpose(), dense_shift.transpose()
    for shift in (sparse, dense_shift):
        np.testing.assert_allclose(
            _gated_matrices(shift, p, q, scale).numpy(), expected, rtol=1e-12, atol=1e-15
        )
    # applied to features, head h mixes only its own channels
    z = torch.randn(b, n, m, 2 * heads, generator=gen, dtype=torch.float64)
    out = _applied(sparse.gated(p, q, scale), z)
    for h in range(heads):
        reference = np.einsum("bmij,bjmc->bimc", expected[:, :, h], z[..., 2 * h : 2 * h + 2].numpy())
        np.testing.assert_allclose(out[..., 2 * h : 2 * h + 2].numpy(), reference, rtol=1e-12, atol=1e-15)


# --- hop reach ----------------------------------------------------------------------------------------------


def _path_shifts(n: int):
    """S = D^-1/2 A D^-1/2 of the path 0 - 1 - ... - n-1 (no self-loops), dense and as a K = 2 table (the
    end nodes padded with a zero entry)."""
    a = torch.zeros(n, n, dtype=torch.float64)
    a[torch.arange(n - 1), torch.arange(1, n)] = 1.0
    a = a + a.T
    d = a.sum(1)
    s = a / torch.sqrt(torch.outer(d, d))
    index = torch.stack([(torch.arange(n) - 1).clamp(min=0), (torch.arange(n) + 1).clamp(max=n - 1)], dim=1)
    value = s[torch.arange(n)[:, None], index].clone()
    value[0, 0] = value[n - 1, 1] = 0.0  # padding
    return DenseShift(s[None]), SparseShift(index[None], value[None]), s


@pytest.mark.parametrize("form", ["dense", "sparse"])
def test_hop_filter_reaches_stride_times_hops(form):
    """On a path graph, a filter with K = 2 taps at stride 2 sees exactly 4 hops (and 2 at stride 1)."""
    n = 12
    dense, sparse, s = _path_shifts(n)
    assert torch.equal(sparse.to_dense()[0], s)
    shift = dense if form == "dense" else sparse
    z = torch.zeros(1, n, 2, 1, dtype=torch.float64)
    z[0, 0, 0] = 1.0  # signal 0 starts at node 0, signal 1 at node n - 1
    z[0, n - 1, 1] = 1.0
    reached = (torch.linalg.matrix_power(s, 4) @ z[0, :, 0, 0]).abs() > 0
    assert reached.nonzero().max().item() == 4
    for stride, reach in ((2, 4), (1, 2)):
        torch.manual_seed(0)
        f = HopFilter(1, 1, hops=2, stride=stride).double()
        with torch.no_grad():
            out = (f(z, (shift,)) - f.taps[0].bias)[0, :, :, 0]
        assert (out[reach + 1 :, 0] == 0).all() and out[reach, 0].abs() > 0
        assert (out[: n - 1 - reach, 1] == 0).all() and out[n - 1 - reach, 1].abs() > 0


# --- dense and fixed in-degree forms of channel graphs ------------------------------------------------------


@pytest.mark.parametrize("top_k", [6, None])  # 6 of 11 interferers: dense blocks by default
def test_filters_agree_on_dense_and_sparse_shifts(top_k):
    """A HopFilter (linear and gated, strides 1 and 2) gives the same output with the dense blocks and with
    the fixed in-degree table of the same channel graphs, for M = 3 signals per network."""
    config = DropConfig(num_pairs=12, density_per_km2=10.0)
    gains = drop_networks(2, config, seed=2, dtype=torch.float64).gains
    graph = GraphConfig(top_k=top_k)
    dense = channel_graph(gains, 0.6, RadioConfig(), graph).shifts("both")
    sparse = channel_graph(gains, 0.6, RadioConfig(), graph, layout="sparse").shifts("both")
    assert isinstance(dense[0], DenseShift) and isinstance(sparse[0], SparseShift)
    assert sparse[0].index.shape == (2, 12, 12 if top_k is None else top_k + 1)
    z = torch.randn(2, 12, 3, 4, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for heads in (0, 2):
        for stride in (1, 2):
            torch.manual_seed(heads + stride)
            f = HopFilter(4, 5, hops=2, stride=stride, num_shifts=2, gate_heads=heads).double()
            if heads:
                with torch.no_grad():
                    f.edge_scales.copy_(torch.tensor([[0.8, -0.4], [1.5, 0.2]]))
            with torch.no_grad():
                out = f(z, dense)
                assert out.shape == (2, 12, 3, 5)
                assert torch.allclose(out, f(z, sparse), rtol=1e-10, atol=1e-12)
