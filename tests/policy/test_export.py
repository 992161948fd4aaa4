"""The policy exported for runtimes without Python: the sort-free top-k selection equals the library's, the
ONNX graph (channel graph and denoiser) matches PyTorch under onnxruntime for the shipped book U-GNN and for
small untrained denoisers, and the exported DDIM numbers drive the same reverse process as the sampler."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gsdiff.config import (
    DenoiserConfig,
    DiffusionConfig,
    DropConfig,
    GraphConfig,
    RadioConfig,
    SamplingSetting,
    get_profile,
)
from gsdiff.denoisers.ugnn import _top_fraction
from gsdiff.diffusion import reverse_process
from gsdiff.policy import (
    ChannelDenoiser,
    DiffusionPolicy,
    ReverseSteps,
    cached_export,
    export_denoiser,
    load_pretrained,
    pairwise_top_fraction,
)
from gsdiff.policy import export as export_module
from gsdiff.wireless.channel import drop_networks

TOLERANCE = 1e-4  # max |eps_onnx - eps_torch|: float32 kernels summing in another order (measured ~1e-5)


@pytest.mark.parametrize("factor", [2, 3])
def test_pairwise_top_fraction_equals_the_library_selection(factor):
    """Random scores, scores with ties (the lower index wins in both) and masks from a previous level."""
    gen = torch.Generator().manual_seed(0)
    score = torch.randn(4, 11, 5, generator=gen)
    score[1] = torch.randint(0, 3, (11, 5), generator=gen).float()  # many ties
    score[2] = 0.0  # all tied
    mask = torch.rand(4, 11, 5, generator=gen) < 0.7
    mask[3] = True
    for m in (mask, torch.ones_like(mask)):
        assert torch.equal(pairwise_top_fraction(score, m, factor), _top_fraction(score, m, factor))


def _gains(n: int, count: int) -> torch.Tensor:
    """``count`` networks of ``n`` pairs at each of a sparse and a dense density, [2 count, N, N]."""
    drops = [DropConfig(num_pairs=n, density_per_km2=d) for d in (6.6, 11.9)]
    return torch.cat([drop_networks(count, drop, seed=1).gains for drop in drops])


def _onnx_eps(session, x, t, gains, f_min) -> np.ndarray:
    feeds = {"x": x.numpy(), "t": t.numpy(), "gains": gains.numpy(), "f_min": f_min.numpy()}
    return session.run(None, feeds)[0]


def _max_difference(path, policy: DiffusionPolicy, gains: torch.Tensor, cases, top_k=None) -> float:
    """max |eps_onnx - eps_torch| over (networks, signals, step) cases, the graph built by the library."""
    import onnxruntime

    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    gen = torch.Generator().manual_seed(2)
    worst = 0.0
    for b, m, step in cases:
        x = torch.randn(b, gains.shape[-1], m, generator=gen)
        t = torch.full((b, m), step, dtype=torch.int64)
        f_min = torch.linspace(0.3, 0.9, b)
        with torch.no_grad():
            graph = policy.graphs(gains[:b], f_min, top_k=top_k)
            reference = policy.denoiser(x, t, graph)
        difference = np.abs(_onnx_eps(session, x, t, gains[:b], f_min) - reference.numpy())
        worst = max(worst, float(difference.max()))
    return worst


@pytest.fixture(scope="module")
def book_ugnn() -> DiffusionPolicy:
    policy = load_pretrained(get_profile("book"), "ugnn")
    assert policy is not None, "the book U-GNN checkpoint ships with gsdiff"
    return policy.eval()


@pytest.mark.slow  # exports ONNX (tens of seconds of tracing)
def test_shipped_book_ugnn_matches_pytorch(book_ugnn, tmp_path):
    path = export_denoiser(book_ugnn, tmp_path / "ugnn.onnx", 20)
    cases = [(1, 1, 0), (1, 100, 475), (2, 7, 250), (8, 3, 25), (1, 33, 499)]  # (B, M, t)
    worst = _max_difference(path, book_ugnn, _gains(20, 4), cases)
    assert worst <= TOLERANCE, f"max |eps_onnx - eps_torch| = {worst:.2e}"


@pytest.mark.slow  # exports ONNX
@pytest.mark.parametrize(
    "denoiser, top_k",
    [
        (DenoiserConfig(hidden=8, depth=3, pool_factor=3), None),  # top-k pooling, gated, S and S^T
        (DenoiserConfig(hidden=8, depth=2, pooling="stride", gate_heads=0, directions="in"), None),
        (DenoiserConfig(kind="gnn", hidden=8, num_layers=2), 3),  # and a top-k channel graph
    ],
    ids=["ugnn-topk", "ugnn-stride-linear", "gnn-topk-graph"],
)
def test_untrained_denoisers_match_pytorch(denoiser, top_k, tmp_path):
    torch.manual_seed(0)
    policy = DiffusionPolicy(
        denoiser,
        DiffusionConfig(num_train_steps=50),
        RadioConfig(),
        GraphConfig(),
        sampling=SamplingSetting(steps=5),
    ).eval()
    path = export_denoiser(policy, tmp_path / "small.onnx", 7, top_k=top_k)
    worst = _max_difference(path, policy, _gains(7, 2), [(1, 1, 0), (3, 5, 49), (4, 2, 10)], top_k)
    assert worst <= TOLERANCE, f"max |eps_onnx - eps_torch| = {worst:.2e}"


def test_channel_denoiser_builds_the_policy_graph(book_ugnn):
    gains = _gains(20, 1)
    x, t, f_min = torch.randn(2, 20, 3), torch.full((2, 3), 100), torch.tensor([0.5, 0.7])
    with torch.no_grad():
        expected = book_ugnn.denoiser(x, t, book_ugnn.graphs(gains, f_min))
        assert torch.equal(ChannelDenoiser(book_ugnn)(x, t, gains, f_min), expected)


def test_export_refuses_sizes_it_cannot_trace(book_ugnn, tmp_path):
    with pytest.raises(ValueError, match="num_pairs must be at most 128 .* got 129"):
        export_denoiser(book_ugnn, tmp_path / "big.onnx", 129)
    with pytest.raises(ValueError, match="num_pairs must be an integer >= 2, got 1"):
        export_denoiser(book_ugnn, tmp_path / "tiny.onnx", 1)


def test_cached_export_exports_once_per_policy_and_size(monkeypatch, tmp_path):
    calls = []

    def fake_export(policy, path, num_pairs, *, top_k=None):
        calls.append((num_pairs, top_k))
        path.write_bytes(b"onnx")
        return path

    monkeypatch.setattr(export_module, "export_denoiser", fake_export)
    torch.manual_seed(0)
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=20), RadioConfig(), GraphConfig()
    )
    first = cached_export(policy, 6, cache_dir=tmp_path)
    assert cached_export(policy, 6, cache_dir=tmp_path) == first and calls == [(6, None)]
    assert cached_export(policy, 7, cache_dir=tmp_path) != first  # another N, another file
    with torch.no_grad():
        next(policy.parameters()).add_(1.0)  # other weights, another file
    assert cached_export(policy, 6, cache_dir=tmp_path) != first and len(calls) == 3


@pytest.mark.parametrize(
    "setting",
    [SamplingSetting(steps=6), SamplingSetting(sampler="dpmsolver++", steps=4, timestep_spacing="trailing")],
)
def test_reverse_steps_drive_the_same_reverse_process(setting):
    """The exported numbers, stepped by the ReverseSteps formula, reproduce the library's loop (DDIM and
    DPM-Solver++, deterministic)."""
    torch.manual_seed(0)
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=50), RadioConfig(), GraphConfig()
    ).eval()
    steps = ReverseSteps.of(policy, setting)
    gains = _gains(5, 1)[:1]
    graph = policy.graphs(gains, 0.6)

    def predict(x, t):
        return policy.denoiser(x, torch.full((1, x.shape[2]), t), graph)

    z = torch.randn(1, 5, 4, generator=torch.Generator().manual_seed(3))
    x, x0_prev = z.clone(), torch.zeros_like(z)
    with torch.no_grad():
        for k, (t, a) in enumerate(zip(steps.timesteps, steps.alphas_cumprod, strict=True)):
            x0 = ((x - math.sqrt(1 - a) * predict(x, t)) / math.sqrt(a)).clamp(-0.5, 0.5)
            x = steps.x_scale[k] * x + steps.x0_scale[k] * x0 + steps.previous_x0_scale[k] * x0_prev
            x0_prev = x0
        expected = reverse_process(policy.sampler(setting), z, predict)
    assert steps.sampler == setting.sampler and steps.clip_range == 0.5 and not any(steps.noise_scale)
    assert steps.previous_x0_scale[0] == 0 and steps.previous_x0_scale[-1] == 0  # 1st order at both ends
    assert torch.allclose(x, expected, atol=1e-6)


def test_reverse_steps_carry_the_noise_and_refuse_unipc():
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=20), RadioConfig(), GraphConfig()
    )
    noisy = ReverseSteps.of(policy, SamplingSetting(eta=0.5, steps=4))
    assert all(s > 0 for s in noisy.noise_scale[:-1]) and noisy.noise_scale[-1] == 0  # none into x0
    with pytest.raises(ValueError, match="UniPC's corrector is not a LinearStep"):
        ReverseSteps.of(policy, SamplingSetting(sampler="unipc"))
