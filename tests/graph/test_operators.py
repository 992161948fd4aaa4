"""The sparse operators' gradients: training through a fixed in-degree graph gives the gradients of the
same model on dense blocks."""

import torch

from gsdiff.config import DenoiserConfig, GraphConfig, RadioConfig
from gsdiff.denoisers import UGNN, GNNDenoiser
from gsdiff.graph import channel_graph


def test_sparse_and_dense_graphs_give_the_same_gradients(generator):
    gains = torch.rand(2, 10, 10, generator=generator, dtype=torch.float64) * 1e-9 + torch.eye(10) * 1e-7
    graph = GraphConfig(top_k=4)
    dense = channel_graph(gains, 0.5, RadioConfig(), graph, layout="dense")
    sparse = channel_graph(gains, 0.5, RadioConfig(), graph, layout="sparse")
    x = torch.randn(2, 10, 3, generator=generator, dtype=torch.float64)
    t = torch.tensor([[5, 40, 90], [1, 2, 3]])
    for model in (
        UGNN(DenoiserConfig(hidden=8, depth=2, gate_heads=2)).double(),
        GNNDenoiser(DenoiserConfig(kind="gnn", hidden=8, num_layers=2, gate_heads=0)).double(),
    ):
        grads = []
        for g in (dense, sparse):
            model.zero_grad()
            xs = x.clone().requires_grad_()
            model(xs, t, g).square().sum().backward()
            grads.append([xs.grad] + [p.grad.clone() for p in model.parameters() if p.grad is not None])
        for a, b in zip(*grads, strict=True):
            assert torch.allclose(a, b, rtol=1e-9, atol=1e-12)


def test_sampling_without_gradients_gives_the_same_products(generator):
    """Under no_grad the forward operator skips the transpose's values and the products run on 32-bit
    indices: the same numbers to the bit as with gradients on."""
    gains = torch.rand(2, 12, 12, generator=generator) * 1e-9 + torch.eye(12) * 1e-7
    sparse = channel_graph(gains, 0.5, RadioConfig(), GraphConfig(top_k=4), layout="sparse")
    model = UGNN(DenoiserConfig(hidden=8, depth=2, gate_heads=2))
    x = torch.randn(2, 12, 3, generator=generator)
    t = torch.tensor([[5, 40, 90], [1, 2, 3]])
    with torch.no_grad():
        quiet = model(x, t, sparse)
    assert torch.equal(quiet, model(x, t, sparse).detach())
    pattern = next(iter(sparse.shifts("in")[0]._cache.values())).forward
    assert pattern.col.dtype == pattern.crow.dtype == torch.int32
