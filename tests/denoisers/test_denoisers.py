"""The GNN and U-GNN denoisers: shapes, permutation equivariance, pooling, signals sharing one graph, the two
shift forms agreeing, conditioning."""

import pytest
import torch

from gsdiff.config import DenoiserConfig, DropConfig, GraphConfig, RadioConfig
from gsdiff.denoisers import build_denoiser
from gsdiff.denoisers.gnn import GNNDenoiser
from gsdiff.denoisers.ugnn import UGNN, _top_fraction
from gsdiff.diffusion.embeddings import sinusoidal_embedding
from gsdiff.graph.signals import channel_graph
from gsdiff.wireless.channel import drop_networks

N = 9


def _gains(num_networks, dtype=torch.float32, num_pairs=N, seed=1):
    config = DropConfig(num_pairs=num_pairs, density_per_km2=10.0)
    return drop_networks(num_networks, config, seed=seed, dtype=dtype).gains


def _graph(gains, layout="dense"):
    f_min = torch.tensor([0.4, 0.7, 0.5], dtype=gains.dtype)[: gains.shape[0]]
    return channel_graph(gains, f_min, RadioConfig(), GraphConfig(), layout=layout)


def _inputs(gains, num_signals=2, seed=0):
    """Noisy values x [B, N, M] and steps t [B, M] (every signal at its own step)."""
    gen = torch.Generator().manual_seed(seed)
    b, n = gains.shape[0], gains.shape[-1]
    x = torch.randn(b, n, num_signals, generator=gen, dtype=gains.dtype)
    t = torch.randint(0, 500, (b, num_signals), generator=gen)
    return x, t


MODELS = [  # the defaults (gated shifts, two heads, S and S^T) and the papers' linear filters (gate_heads=0)
    ("gnn", lambda: GNNDenoiser(DenoiserConfig(kind="gnn", hidden=16, num_layers=3))),
    (
        "gnn-in-linear",
        lambda: GNNDenoiser(
            DenoiserConfig(kind="gnn", hidden=16, num_layers=3, directions="in", gate_heads=0)
        ),
    ),
    ("ugnn-topk", lambda: UGNN(DenoiserConfig(hidden=16, depth=3, pooling="topk"))),
    ("ugnn-in-linear", lambda: UGNN(DenoiserConfig(hidden=16, depth=3, directions="in", gate_heads=0))),
    ("gnn-4-heads", lambda: GNNDenoiser(DenoiserConfig(kind="gnn", hidden=16, num_layers=3, gate_heads=4))),
    ("ugnn-2-heads", lambda: UGNN(DenoiserConfig(hidden=16, depth=3, gate_heads=2))),
]


# one gated GNN, one gated and one linear U-GNN: what the sparse form is run on besides the dense one
SOME_MODELS = [m for m in MODELS if m[0] in {"gnn", "ugnn-topk", "ugnn-in-linear"}]
EVERY_FORM = [(*m, "dense") for m in MODELS] + [(*m, "sparse") for m in SOME_MODELS]


@pytest.mark.parametrize(("name", "make", "form"), EVERY_FORM)
def test_permutation_equivariance(name, make, form):
    """Relabelling the pairs of a network relabels the predicted noise the same way (every signal on it)."""
    torch.manual_seed(0)
    model = make().double()
    gains = _gains(2, torch.float64)
    x, t = _inputs(gains)
    perm = torch.randperm(N, generator=torch.Generator().manual_seed(5))
    permuted = gains.clone()
    permuted[0] = gains[0][perm][:, perm]
    x_perm = x.clone()
    x_perm[0] = x[0][perm]
    with torch.no_grad():
        out = model(x, t, _graph(gains, form))
        out_perm = model(x_perm, t, _graph(permuted, form))
    assert out.shape == (2, N, 2)
    assert torch.allclose(out_perm[0], out[0][perm], atol=1e-10)
    assert torch.allclose(out_perm[1], out[1], atol=1e-10)


@pytest.mark.parametrize("form", ["dense", "sparse"])
@pytest.mark.parametrize(("name", "make"), SOME_MODELS)
def test_signals_on_one_graph_do_not_mix(name, make, form):
    """M signals sharing a network's graph give what each gives alone (x[:, :, m:m+1] at t[:, m:m+1])."""
    torch.manual_seed(0)
    model = make().double()
    gains = _gains(2, torch.float64)
    graph = _graph(gains, form)
    x, t = _inputs(gains, num_signals=3, seed=1)
    with torch.no_grad():
        together = model(x, t, graph)
        alone = torch.cat([model(x[:, :, m : m + 1], t[:, m : m + 1], graph) for m in range(3)], dim=2)
    assert together.shape == (2, N, 3)
    assert torch.allclose(together, alone, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("top_k", [4, None])
@pytest.mark.parametrize(
    "config",
    [
        DenoiserConfig(hidden=8, depth=2, gate_heads=0),
        DenoiserConfig(hidden=8, depth=3, gate_heads=2),
        DenoiserConfig(hidden=8, depth=2, pooling="stride", directions="in"),
        DenoiserConfig(kind="gnn", hidden=8, num_layers=2),
        DenoiserConfig(kind="gnn", hidden=8, num_layers=2, gate_heads=0),
    ],
    ids=["ugnn-linear", "ugnn-gated", "ugnn-stride-in", "gnn-gated", "gnn-linear"],
)
def test_denoisers_agree_on_dense_and_sparse_shifts(config, top_k):
    """A channel graph held as dense blocks or as a fixed in-degree table gives the same predicted noise."""
    torch.manual_seed(0)
    model = build_denoiser(config).double()
    gains = _gains(2, torch.float64, num_pairs=12, seed=2)
    x, t = _inputs(gains, num_signals=3)
    graphs = [
        channel_graph(gains, 0.6, RadioConfig(), GraphConfig(top_k=top_k), layout=layout)
        for layout in ("dense", "sparse")
    ]
    with torch.no_grad():
        dense, sparse = (model(x, t, g) for g in graphs)
    assert dense.shape == (2, 12, 3)
    assert torch.allclose(dense, sparse, rtol=1e-10, atol=1e-12)


def test_ugnn_levels_keep_fewer_nodes_and_decoder_zero_fills():
    torch.manual_seed(0)
    model = UGNN(DenoiserConfig(hidden=8, depth=3, pool_factor=2))
    gains = _gains(2)
    x, t = _inputs(gains, num_signals=2)
    with torch.no_grad():
        _, masks = model(x, t, _graph(gains), return_masks=True)
    assert len(masks) == 3 and all(m.shape == (2, N, 2) and m.dtype == torch.bool for m in masks)
    for signal in range(2):  # in every network and every signal: ceil(9 / 2), ceil(5 / 2)
        counts = [[int(m[b, :, signal].sum()) for b in range(2)] for m in masks]
        assert counts == [[9, 9], [5, 5], [3, 3]]
    assert all((later <= earlier).all() for earlier, later in zip(masks, masks[1:], strict=False))
    stride = UGNN(DenoiserConfig(hidden=8, depth=3, pooling="stride", pool_factor=2))
    levels = stride.level_masks(N)
    assert [m.nonzero()[:, 0].tolist() for m in levels] == [list(range(9)), [0, 2, 4, 6, 8], [0, 4, 8]]
    with torch.no_grad():
        _, stride_masks = stride(x, t, _graph(gains), return_masks=True)
    for got, level in zip(stride_masks, levels, strict=True):
        assert torch.equal(got, level[None, :, None].expand(2, N, 2))


def test_top_fraction_picks_highest_scores_per_graph():
    """Per network and signal, ceil(active / factor) of the active nodes; ties go to the lower index."""
    score = torch.tensor(
        [
            [[0.1, 1.0], [0.9, 1.0], [0.5, 1.0], [0.3, 1.0]],
            [[2.0, 0.5], [1.0, 0.5], [-1.0, 0.7], [5.0, 0.5]],
        ]
    )  # [B = 2, N = 4, M = 2]
    mask = torch.tensor(
        [
            [[True, True], [True, True], [False, True], [True, True]],
            [[True, True], [True, True], [True, False], [False, True]],
        ]
    )
    keep = _top_fraction(score, mask, factor=2)
    assert keep.shape == (2, 4, 2)
    assert keep[0, :, 0].tolist() == [False, True, False, True]  # 2 of 3 active: 0.9, 0.3
    assert keep[1, :, 0].tolist() == [True, True, False, False]  # 2 of 3 active (5.0 is masked): 2.0, 1.0
    assert keep[0, :, 1].tolist() == [True, True, False, False]  # 2 of 4, all tied: the lower indices
    assert keep[1, :, 1].tolist() == [True, True, False, False]  # 2 of 3 tied (0.7 is masked)
    assert _top_fraction(score, mask, factor=3).sum(1).tolist() == [[1, 2], [1, 1]]


def test_conditioning_and_step_change_the_output():
    torch.manual_seed(0)
    model = UGNN(DenoiserConfig(hidden=8, depth=2))
    gains = _gains(1)
    x, t = _inputs(gains)
    graph = _graph(gains)
    with torch.no_grad():
        base = model(x, t, graph)
        other_t = model(x, t + 100, graph)
        u = graph.u.clone()
        u[..., 2] += 0.3  # another f_min
        other_u = model(x, t, graph._replace(u=u))
    assert not torch.allclose(base, other_t) and not torch.allclose(base, other_u)


def test_sinusoidal_embedding():
    emb = sinusoidal_embedding(torch.tensor([0.0, 1.0]), 4)
    assert torch.allclose(emb[0], torch.tensor([0.0, 0.0, 1.0, 1.0]))
    assert torch.allclose(
        emb[1],
        torch.tensor(
            [
                torch.sin(torch.tensor(1.0)),
                torch.sin(torch.tensor(0.01)),
                torch.cos(torch.tensor(1.0)),
                torch.cos(torch.tensor(0.01)),
            ]
        ),
    )
    assert sinusoidal_embedding(torch.zeros(2, 3), 6).shape == (2, 3, 6)  # steps [B, M]
    with pytest.raises(ValueError, match="dim"):
        sinusoidal_embedding(torch.zeros(1), 3)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "unet"}, "kind"),
        ({"pooling": "max"}, "pooling"),
        ({"pool_factor": 1}, "pool_factor"),
        ({"hidden": 7}, "hidden"),
        ({"depth": 0}, "depth"),
        ({"directions": "out"}, r"directions must be one of 'in', 'both'; got 'out'"),
        ({"gate_heads": -1}, r"gate_heads must be an integer >= 0, got -1"),
        ({"hidden": 16, "gate_heads": 3}, r"hidden \(16\) must be divisible by gate_heads \(3\)"),
    ],
)
def test_config_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DenoiserConfig(**kwargs)
