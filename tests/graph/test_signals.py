"""Networks as graph signals: PyG edges and weights, node conditions, and the channel graphs' shift in its
dense and fixed in-degree forms (against each other and against PyG's ``gcn_norm``)."""

import numpy as np
import pytest
import torch
from torch_geometric.nn.conv.gcn_conv import gcn_norm

from gsdiff.config import DropConfig, GraphConfig, RadioConfig
from gsdiff.graph.operators import DenseShift, SparseShift
from gsdiff.graph.signals import (
    DENSE_MAX_NODES,
    channel_graph,
    coupling_weight,
    graph_batch,
    graph_tensors,
    log_snr_weight,
    node_conditions,
)
from gsdiff.wireless.channel import drop_networks

RADIO = RadioConfig()


def np_weight(g: np.ndarray, scale_db: float = 60.0) -> np.ndarray:
    return np.log10(1 + RADIO.max_power_w * g / RADIO.noise_w) / (scale_db / 10)


def edges_of(data) -> dict[tuple[int, int], float]:
    """{(source j, target i): weight} of one graph."""
    src, dst = data.edge_index.numpy()
    return {(int(j), int(i)): float(w) for j, i, w in zip(src, dst, data.edge_weight.numpy(), strict=True)}


@pytest.fixture
def gains(seed):
    return drop_networks(
        3, DropConfig(num_pairs=8, density_per_km2=10.1), seed=seed, dtype=torch.float64
    ).gains


def test_shapes_full_graph(gains):
    batch = graph_batch(gains, 0.6, RADIO, GraphConfig())
    assert batch.num_graphs == 3
    assert batch.x.shape == (24, 3)
    assert batch.edge_index.shape == (2, 3 * 64)
    assert batch.edge_weight.shape == (3 * 64,)
    for k in range(3):
        data = batch.get_example(k)
        assert data.num_nodes == 8
        assert set(edges_of(data)) == {(j, i) for j in range(8) for i in range(8)}


def test_edge_weights_match_numpy(gains):
    batch = graph_batch(gains, 0.6, RADIO, GraphConfig(snr_scale_db=50.0, edge_weight="log_snr"))
    g = gains.numpy()
    for k in range(3):
        for (j, i), w in edges_of(batch.get_example(k)).items():
            assert w == pytest.approx(np_weight(g[k, j, i], 50.0), rel=1e-12)


def test_log_snr_weight_hand_value():
    # P_max g / noise = 1e6 (60 dB) -> log10(1 + 1e6) / 6 ~ 1.
    g = torch.tensor(1e6 * RADIO.noise_w / RADIO.max_power_w, dtype=torch.float64)
    assert log_snr_weight(g, RADIO, GraphConfig()).item() == pytest.approx(np.log10(1 + 1e6) / 6, rel=1e-12)
    assert log_snr_weight(torch.tensor(0.0), RADIO, GraphConfig()).item() == 0.0


def test_edge_direction_is_tx_to_rx():
    """A strong link from tx 0 to rx 1 (gains[0, 1]) appears as the edge 0 -> 1, not 1 -> 0."""
    g = torch.full((1, 3, 3), 1e-12, dtype=torch.float64)
    g[0, 0, 1] = 1e-7
    g[0, [0, 1, 2], [0, 1, 2]] = 1e-8
    data = graph_batch(g, 0.6, RADIO, GraphConfig(top_k=1, edge_weight="log_snr")).get_example(0)
    edges = edges_of(data)
    assert edges[(0, 1)] == pytest.approx(np_weight(1e-7))
    assert edges[(1, 0)] == pytest.approx(np_weight(1e-12))
    assert edges[(0, 1)] > edges[(1, 0)]
    # Each target keeps its strongest source: rx 1 keeps tx 0.
    assert (0, 1) in edges and (2, 1) not in edges


@pytest.mark.parametrize("k", [1, 3, 6])
def test_top_k(gains, k):
    batch = graph_batch(gains, 0.6, RADIO, GraphConfig(top_k=k))
    g = gains.numpy()
    assert batch.edge_index.shape[1] == 3 * 8 * (k + 1)
    for b in range(3):
        edges = edges_of(batch.get_example(b))
        for i in range(8):
            sources = {j for (j, t) in edges if t == i}
            assert len(sources) == k + 1 and i in sources  # k interferers + the self-loop
            others = [j for j in range(8) if j != i]
            strongest = set(sorted(others, key=lambda j: -g[b, j, i])[:k])
            assert sources - {i} == strongest


def test_top_k_at_least_n_minus_1_keeps_all(gains):
    for k in (7, 20):
        assert graph_batch(gains, 0.6, RADIO, GraphConfig(top_k=k)).edge_index.shape[1] == 3 * 64


def test_node_features_match_numpy(gains):
    f = np.array([0.4, 0.6, 0.8])
    batch = graph_batch(gains, torch.tensor(f), RADIO, GraphConfig())
    g = gains.numpy()
    x = batch.x.numpy().reshape(3, 8, 3)
    direct = np.diagonal(g, axis1=1, axis2=2)
    interference = np.array(
        [[sum(g[b, j, i] for j in range(8) if j != i) for i in range(8)] for b in range(3)]
    )
    np.testing.assert_allclose(x[..., 0], np_weight(direct), rtol=1e-12)
    np.testing.assert_allclose(x[..., 1], np_weight(interference), rtol=1e-12)
    np.testing.assert_allclose(x[..., 2], np.repeat(f[:, None], 8, axis=1))


def test_f_min_shapes(gains, rng):
    scalar = node_conditions(gains, 0.5, RADIO, GraphConfig())
    assert scalar.shape == (3, 8, 3)
    assert bool((scalar[..., 2] == 0.5).all())
    per_user = rng.uniform(0, 1, size=(3, 8))
    got = node_conditions(gains, torch.tensor(per_user), RADIO, GraphConfig())
    np.testing.assert_allclose(got[..., 2].numpy(), per_user)
    np.testing.assert_allclose(got[..., :2].numpy(), scalar[..., :2].numpy())


@pytest.mark.parametrize("shape", [(2,), (4,), (8,), (3, 7), (1, 8), (3, 8, 1)])
def test_f_min_bad_shape(gains, shape):
    with pytest.raises(ValueError, match=r"f_min must be a scalar, \[B\] or \[B, N\] = \(3, 8\), got shape"):
        node_conditions(gains, torch.full(shape, 0.5), RADIO, GraphConfig())


def test_f_min_negative(gains):
    with pytest.raises(ValueError, match=r"f_min must be finite and >= 0 bits/s/Hz, got -0.1"):
        graph_batch(gains, -0.1, RADIO, GraphConfig())


def test_gains_must_be_batched():
    with pytest.raises(ValueError, match=r"gains must have shape \[B, N, N\], got \(4, 4\)"):
        graph_batch(torch.rand(4, 4), 0.6, RADIO, GraphConfig())


@pytest.mark.parametrize("top_k", [None, 3])
def test_permutation_consistency(gains, rng, top_k):
    """Relabel the pairs: node features and edges (with weights) relabel the same way."""
    perm = rng.permutation(8)  # new pair a is old pair perm[a]
    permuted = gains[:, perm][:, :, perm]
    graph = GraphConfig(top_k=top_k)
    a = graph_batch(gains, 0.6, RADIO, graph)
    b = graph_batch(permuted, 0.6, RADIO, graph)
    for k in range(3):
        ea, eb = edges_of(a.get_example(k)), edges_of(b.get_example(k))
        mapped = {(int(perm[j]), int(perm[i])): w for (j, i), w in eb.items()}
        assert mapped.keys() == ea.keys()
        for edge, w in mapped.items():
            assert w == pytest.approx(ea[edge], rel=1e-12)
        np.testing.assert_allclose(b.get_example(k).x.numpy(), a.get_example(k).x.numpy()[perm], rtol=1e-12)


def test_graph_tensors_match_the_batch():
    gains = drop_networks(3, DropConfig(num_pairs=6, density_per_km2=10.0), seed=0).gains
    g, b = (
        graph_tensors(gains, 0.5, RADIO, GraphConfig(top_k=2)),
        graph_batch(gains, 0.5, RADIO, GraphConfig(top_k=2)),
    )
    assert torch.equal(g.edge_index, b.edge_index) and torch.equal(g.edge_weight, b.edge_weight)
    assert torch.equal(g.x, b.x) and torch.equal(g.batch, b.batch)


def test_coupling_weights_hand_worked():
    """w_ji = log10(1 + 10 g_ji / g_ii): tx 0 is 10 dB below rx 1's link, tx 1 is 20 dB below rx 0's."""
    gains = torch.tensor([[[1e-6, 1e-7], [1e-8, 1e-6]]], dtype=torch.float64)  # [B, j, i]
    expected = torch.log10(torch.tensor([[11.0, 2.0], [1.1, 11.0]], dtype=torch.float64))
    assert torch.allclose(coupling_weight(gains)[0], expected)
    g = graph_tensors(gains, 0.6, RADIO, GraphConfig(edge_weight="coupling"))
    as_matrix = torch.zeros(2, 2, dtype=torch.float64)
    as_matrix[g.edge_index[0], g.edge_index[1]] = g.edge_weight
    assert torch.allclose(as_matrix, expected)
    with pytest.raises(ValueError, match="edge_weight must be one of 'coupling', 'log_snr'; got 'gain'"):
        GraphConfig(edge_weight="gain")


# --- channel graphs: the shift S of each network, dense or as a fixed in-degree table -----------------------


def _networks(dtype, seed=2):
    return drop_networks(2, DropConfig(num_pairs=12, density_per_km2=10.0), seed=seed, dtype=dtype).gains


@pytest.mark.parametrize("edge_weight", ["coupling", "log_snr"])
@pytest.mark.parametrize("top_k", [6, None])  # 6 of 11 interferers: dense blocks by default
@pytest.mark.parametrize(
    ("dtype", "rtol", "atol"), [(torch.float32, 1e-6, 1e-7), (torch.float64, 1e-14, 0.0)]
)
def test_dense_and_sparse_shifts_agree(top_k, edge_weight, dtype, rtol, atol):
    """S held as dense blocks or as a table: S and S^T are the same matrices (to
    a few ulps: the degrees are summed in another order)."""
    gains = _networks(dtype)
    graph = GraphConfig(top_k=top_k, edge_weight=edge_weight)
    dense = channel_graph(gains, 0.6, RADIO, graph, layout="dense")
    sparse = channel_graph(gains, 0.6, RADIO, graph, layout="sparse")
    assert isinstance(dense.shift, DenseShift) and isinstance(sparse.shift, SparseShift)
    assert dense.shift.num_nodes == sparse.shift.num_nodes == 12
    for a, b in zip(dense.shifts("both"), sparse.shifts("both"), strict=True):
        assert a.to_dense().dtype == b.to_dense().dtype == dtype
        assert torch.allclose(a.to_dense(), b.to_dense(), rtol=rtol, atol=atol)
    s = dense.shift.to_dense()
    kept = (s > 0).sum(2)  # sources of each receiver: all, or the self-loop and top_k interferers
    assert bool((kept == (12 if top_k is None else top_k + 1)).all())
    assert torch.equal(dense.u, sparse.u)


@pytest.mark.parametrize("top_k", [1, 4, 11, 20, None])
def test_sparse_table_lists_the_self_loop_then_the_strongest_interferers(top_k):
    """Receiver i's first source is i itself, then its top_k strongest interferers by gain, strongest first;
    the node conditions are ``node_conditions``."""
    gains = _networks(torch.float64, seed=3)
    f_min = torch.tensor([0.4, 0.9], dtype=torch.float64)
    graph = GraphConfig(top_k=top_k)
    g = channel_graph(gains, f_min, RADIO, graph, layout="sparse")
    k = 11 if top_k is None else min(top_k, 11)
    assert g.shift.index.shape == g.shift.value.shape == (2, 12, k + 1)
    index, gn = g.shift.index.numpy(), gains.numpy()
    for b in range(2):
        for i in range(12):
            assert index[b, i, 0] == i
            by_gain = sorted((j for j in range(12) if j != i), key=lambda j: -gn[b, j, i])
            assert index[b, i, 1:].tolist() == by_gain[:k]
    assert bool((g.shift.value > 0).all())
    assert torch.equal(g.u, node_conditions(gains, f_min, RADIO, graph))
    assert g.u.shape == (2, 12, 3)


@pytest.mark.parametrize("edge_weight", ["coupling", "log_snr"])
@pytest.mark.parametrize("top_k", [3, None])
@pytest.mark.parametrize("layout", ["dense", "sparse"])
def test_shift_equals_pyg_gcn_norm(top_k, edge_weight, layout):
    """An independent reference: PyG's ``gcn_norm`` of ``graph_tensors``' edges (j -> i, self-loops included)
    gives w_ji / sqrt(d_j d_i) per edge, which laid out in rows i and columns j is the channel graph's S."""
    gains = _networks(torch.float64, seed=4)[:1]
    graph = GraphConfig(top_k=top_k, edge_weight=edge_weight)
    g = graph_tensors(gains, 0.6, RADIO, graph)
    edge_index, weight = gcn_norm(g.edge_index, g.edge_weight, num_nodes=12, add_self_loops=False)
    reference = torch.zeros(12, 12, dtype=torch.float64)
    reference[edge_index[1], edge_index[0]] = weight  # row: target i, column: source j
    shift = channel_graph(gains, 0.6, RADIO, graph, layout=layout).shift
    assert torch.allclose(shift.to_dense()[0], reference, rtol=1e-12, atol=1e-15)
    assert torch.allclose(shift.transpose().to_dense()[0], reference.T, rtol=1e-12, atol=1e-15)


def test_channel_graph_checks_its_inputs():
    with pytest.raises(ValueError, match=r"gains must have shape \[B, N, N\], got \(4, 4\)"):
        channel_graph(torch.rand(4, 4), 0.6, RADIO, GraphConfig())
    with pytest.raises(ValueError, match=r"f_min must be finite and >= 0 bits/s/Hz, got -0.1"):
        channel_graph(torch.rand(2, 4, 4), -0.1, RADIO, GraphConfig())


def test_the_auto_layout_follows_the_size_and_the_kept_share_of_each_row() -> None:
    """Dense blocks up to DENSE_MAX_NODES nodes while a receiver keeps at least half of the nodes, the
    in-degree table otherwise; an unknown layout is refused by name."""
    config = DropConfig(num_pairs=12, density_per_km2=10.0)
    gains = drop_networks(2, config, seed=4, dtype=torch.float64).gains
    half = channel_graph(gains, 0.6, RADIO, GraphConfig(top_k=5))  # 2 x (5 + 1) = 12 >= 12
    fewer = channel_graph(gains, 0.6, RADIO, GraphConfig(top_k=4))
    assert isinstance(half.shift, DenseShift) and isinstance(fewer.shift, SparseShift)
    forced = channel_graph(gains, 0.6, RADIO, GraphConfig(top_k=4), layout="dense")
    assert isinstance(forced.shift, DenseShift)
    large = drop_networks(1, DropConfig(num_pairs=DENSE_MAX_NODES + 1, density_per_km2=10.0), seed=4).gains
    assert isinstance(channel_graph(large, 0.6, RADIO, GraphConfig()).shift, SparseShift)
    with pytest.raises(ValueError, match="layout must be one of 'auto', 'dense', 'sparse'; got 'csr'"):
        channel_graph(gains, 0.6, RADIO, GraphConfig(), layout="csr")
