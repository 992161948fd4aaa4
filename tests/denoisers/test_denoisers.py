"""The GNN and U-GNN denoisers: shapes, permutation equivariance, pooling, hop reach, conditioning."""

import pytest
import torch

from gsdiff.config import DenoiserConfig, DropConfig
from gsdiff.denoisers.gnn import GNNDenoiser
from gsdiff.denoisers.ugnn import UGNN, _top_fraction
from gsdiff.diffusion.embeddings import sinusoidal_embedding
from gsdiff.graph.signals import graph_batch
from gsdiff.wireless.channel import drop_networks

N = 9


def _inputs(gains, seed=0):
    batch = graph_batch(gains, torch.tensor([0.4, 0.7])[: gains.shape[0]])
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch.num_nodes, generator=gen)
    t = torch.tensor([3, 250])[: gains.shape[0]]
    return x, t, batch


def _run(model, gains, x, t):
    batch = graph_batch(gains, torch.tensor([0.4, 0.7])[: gains.shape[0]])
    return model(x, t, batch.x, batch.edge_index, batch.edge_weight, batch.batch)


MODELS = [  # the defaults (gated shifts, one head) and the papers' linear filters (gate_heads=0)
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


@pytest.mark.parametrize(("name", "make"), MODELS)
def test_permutation_equivariance(name, make):
    """Relabelling the pairs of a network relabels the predicted noise the same way."""
    torch.manual_seed(0)
    model = make().double()
    gains = drop_networks(2, DropConfig(num_pairs=N, density_per_km2=10.0), seed=1).gains.double()
    x, t, _ = _inputs(gains)
    x = x.double()
    perm = torch.randperm(N, generator=torch.Generator().manual_seed(5))
    permuted = gains.clone()
    permuted[0] = gains[0][perm][:, perm]
    x_perm = x.clone()
    x_perm[:N] = x[:N][perm]
    out, out_perm = _run(model, gains, x, t), _run(model, permuted, x_perm, t)
    assert out.shape == (2 * N,)
    assert torch.allclose(out_perm[:N], out[:N][perm], atol=1e-10)
    assert torch.allclose(out_perm[N:], out[N:], atol=1e-10)


def test_ugnn_levels_keep_fewer_nodes_and_decoder_zero_fills():
    torch.manual_seed(0)
    model = UGNN(DenoiserConfig(hidden=8, depth=3, pool_factor=2))
    gains = drop_networks(2, DropConfig(num_pairs=N, density_per_km2=10.0), seed=1).gains
    x, t, batch = _inputs(gains)
    _, masks = model(x, t, batch.x, batch.edge_index, batch.edge_weight, batch.batch, return_masks=True)
    counts = [[int(m[batch.batch == b].sum()) for b in range(2)] for m in masks]
    assert counts == [[9, 9], [5, 5], [3, 3]]  # ceil(9 / 2), ceil(5 / 2)
    assert all((later <= earlier).all() for earlier, later in zip(masks, masks[1:], strict=False))
    stride = UGNN(DenoiserConfig(hidden=8, depth=3, pooling="stride", pool_factor=2))
    local = [m[:N].nonzero()[:, 0].tolist() for m in stride.level_masks(batch.batch)]
    assert local == [list(range(9)), [0, 2, 4, 6, 8], [0, 4, 8]]


def test_top_fraction_picks_highest_scores_per_graph():
    score = torch.tensor([0.1, 0.9, 0.5, 0.3, 2.0, 1.0, -1.0])
    batch = torch.tensor([0, 0, 0, 0, 1, 1, 1])
    mask = torch.tensor([True, True, False, True, True, True, True])
    keep = _top_fraction(score, mask, batch, factor=2)
    assert keep.tolist() == [False, True, False, True, True, True, False]  # 2 of 3 active, 2 of 3


def test_conditioning_and_step_change_the_output():
    torch.manual_seed(0)
    model = UGNN(DenoiserConfig(hidden=8, depth=2))
    gains = drop_networks(1, DropConfig(num_pairs=N, density_per_km2=10.0), seed=1).gains
    x, t, batch = _inputs(gains)
    base = model(x, t, batch.x, batch.edge_index, batch.edge_weight, batch.batch)
    other_t = model(x, t + 100, batch.x, batch.edge_index, batch.edge_weight, batch.batch)
    u = batch.x.clone()
    u[:, 2] += 0.3  # another f_min
    other_u = model(x, t, u, batch.edge_index, batch.edge_weight, batch.batch)
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
        ({"gate_heads": -1}, r"gate_heads must be an integer >= 0, got -1"),
        ({"hidden": 16, "gate_heads": 3}, r"hidden \(16\) must be divisible by gate_heads \(3\)"),
    ],
)
def test_config_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DenoiserConfig(**kwargs)
