"""Devices: the checked ``device`` argument, the code following its inputs' device (checked on PyTorch's
meta device, where a tensor made on the host or a value read back to it fails), and the ``gpu`` tests that
run the key computations on CUDA against the CPU result (skipped, with the reason, without CUDA)."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from gsdiff.cli import main
from gsdiff.config import DenoiserConfig, DiffusionConfig, DropConfig, ExpertConfig, GraphConfig, RadioConfig
from gsdiff.data import load_or_build_dataset
from gsdiff.devices import resolve_device
from gsdiff.diffusion import make_sampler, noise_schedule, reverse_process
from gsdiff.policy import DiffusionPolicy
from gsdiff.solvers import run_expert
from gsdiff.training import train_policy
from gsdiff.wireless import asymptotic_rates, drop_networks

needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")


def _gains(num_networks: int = 3, num_pairs: int = 8, seed: int = 0) -> torch.Tensor:
    return drop_networks(num_networks, DropConfig(num_pairs=num_pairs, density_per_km2=10.0), seed=seed).gains


def test_resolve_device():
    assert resolve_device(None) == torch.device("cpu")
    assert resolve_device("cpu") == resolve_device(torch.device("cpu")) == torch.device("cpu")
    for bad in ("tpu", "gpu", 3.5):
        with pytest.raises(ValueError, match="device must be one of cpu, cuda"):
            resolve_device(bad)


@needs_no_cuda
def test_cuda_without_cuda_is_an_error_not_a_cpu_run(tmp_path, capsys):
    with pytest.raises(ValueError, match="asks for CUDA, but this machine has no CUDA device"):
        resolve_device("cuda:1")
    nets = tmp_path / "nets.npz"
    main(["drop", "--num-networks", "1", "--num-pairs", "4", "--density", "10", "--out", str(nets)])
    argv = ["expert", "--networks", str(nets), "--f-min", "0.5", "--out", str(tmp_path / "x.npy")]
    assert main([*argv, "--device", "cuda"]) == 2
    assert "has no CUDA device" in capsys.readouterr().err
    assert main([*argv, "--device", "tpu"]) == 2
    assert "device must be one of cpu, cuda" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["ugnn", "gnn"])
def test_a_training_step_follows_its_inputs_device_and_reads_nothing_back(kind):
    """Forward and backward of the loss on meta tensors: any tensor the step made on the host, or any value
    it read back (a device sync on a GPU), would fail here."""
    policy = DiffusionPolicy(
        DenoiserConfig(kind=kind, hidden=8, depth=2), DiffusionConfig(), RadioConfig(), GraphConfig()
    ).to("meta")
    assert policy.schedule.sqrt_alphas_cumprod.device.type == "meta"  # the schedule follows the weights
    p, s, n = 2, 3, 6
    meta = {"device": "meta"}
    loss = policy.loss_given(
        torch.rand(p, n, n, **meta),
        torch.full((p,), 0.6, **meta),
        torch.rand(p, s, n, **meta),
        torch.randint(0, 500, (p, s), **meta),
        torch.randn(p, s, n, **meta),
        check=False,
    )
    loss.backward()
    assert loss.device.type == "meta"
    assert all(q.grad is not None and q.grad.device.type == "meta" for q in policy.parameters())


# ---- on CUDA ---------------------------------------------------------------------------------------------


@pytest.mark.gpu
def test_rates_on_cuda_match_the_cpu(cuda):
    gains = _gains().double()
    power = RadioConfig().max_power_w * torch.rand(
        3, 5, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0)
    )
    expected = asymptotic_rates(gains, power, RadioConfig())
    got = asymptotic_rates(gains.to(cuda), power.to(cuda), RadioConfig())
    assert got.device.type == "cuda"
    torch.testing.assert_close(got.cpu(), expected, rtol=1e-10, atol=1e-12)


@pytest.mark.gpu
@pytest.mark.parametrize(("kind", "eta"), [("ddim", 0.0), ("ddpm", None)])
def test_sampler_steps_on_cuda_match_the_cpu(cuda, kind, eta):
    sampler = make_sampler(kind, noise_schedule("linear", 100), eta)
    sampler.set_timesteps(10)
    x = torch.randn(4, 8, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(1))

    def predict(y, t):  # a fixed smooth "denoiser"
        return torch.tanh(y) * (1 + t / 100)

    ddim = kind == "ddim"  # deterministic: the same path; DDPM draws its noise on each device's generator
    cpu = reverse_process(sampler, x, predict, generator=torch.Generator().manual_seed(2))
    gpu = reverse_process(sampler, x.to(cuda), predict, generator=torch.Generator(cuda).manual_seed(2))
    assert gpu.device.type == "cuda" and torch.isfinite(gpu).all()
    if ddim:
        torch.testing.assert_close(gpu.cpu(), cpu, rtol=1e-9, atol=1e-9)


@pytest.mark.gpu
@pytest.mark.parametrize(
    ("kind", "num_pairs", "top_k"), [("ugnn", 9, None), ("gnn", 9, None), ("ugnn", 150, 6)]
)
def test_denoiser_on_cuda_matches_the_cpu_and_is_equivariant(cuda, kind, num_pairs, top_k):
    """Dense (N = 9) and sparse CSR (N = 150, top-k) shifts; relabelling the pairs relabels the output."""
    policy = DiffusionPolicy(
        DenoiserConfig(kind=kind, hidden=16, depth=2),
        DiffusionConfig(),
        RadioConfig(),
        GraphConfig(top_k=top_k),
    )
    gains = _gains(2, num_pairs)
    gen = torch.Generator().manual_seed(3)
    samples, noise = torch.rand(2, 3, num_pairs, generator=gen), torch.randn(2, 3, num_pairs, generator=gen)
    t = torch.randint(0, 500, (2, 3), generator=gen)
    f_min = torch.tensor([0.5, 0.7])
    expected = policy.loss_given(gains, f_min, samples, t, noise)
    moved = policy.to(cuda)
    on_gpu = [x.to(cuda) for x in (gains, f_min, samples, t, noise)]
    torch.testing.assert_close(moved.loss_given(*on_gpu).cpu(), expected, rtol=1e-4, atol=1e-5)
    graph = moved.graphs(on_gpu[0], on_gpu[1])
    x = torch.randn(2, num_pairs, 3, device=cuda)
    out = moved.denoiser(x, on_gpu[3], graph)
    perm = torch.randperm(num_pairs, generator=gen).to(cuda)
    permuted_graph = moved.graphs(on_gpu[0][:, perm][:, :, perm], on_gpu[1])
    permuted = moved.denoiser(x[:, perm], on_gpu[3], permuted_graph)
    torch.testing.assert_close(permuted, out[:, perm], rtol=1e-4, atol=1e-4)


@pytest.mark.gpu
def test_a_cuda_training_step_never_waits_on_the_host(cuda):
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=16, depth=2), DiffusionConfig(), RadioConfig(), GraphConfig()
    ).to(cuda)
    gains, gen = _gains(4).to(cuda), torch.Generator(cuda).manual_seed(0)
    samples = torch.rand(4, 3, 8, device=cuda, generator=gen)
    t, noise = policy.draw_noise(samples, generator=gen)
    torch.cuda.set_sync_debug_mode("error")
    try:
        policy.loss_given(
            gains, torch.full((4,), 0.6, device=cuda), samples, t, noise, check=False
        ).backward()
    finally:
        torch.cuda.set_sync_debug_mode("default")


@pytest.mark.gpu
@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_a_few_training_steps_on_cuda(profile, tmp_path, cuda, precision):
    profile = dataclasses.replace(profile, train=dataclasses.replace(profile.train, precision=precision))
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False, device=cuda)
    result = train_policy(dataset, profile, work_dir=tmp_path / "run", progress=False, device=cuda)
    assert all(p.device.type == "cuda" for p in result.policy.parameters())
    assert all(torch.isfinite(torch.tensor(result.history["loss"])))
    loaded = DiffusionPolicy.load(tmp_path / "run" / "best.pt")  # weights_only, onto the CPU
    assert all(p.device.type == "cpu" for p in loaded.parameters())
    samples = result.policy.sample(dataset.gains[0, :2].to(cuda), 0.5, 4, generator=torch.Generator(cuda))
    assert samples.device.type == "cuda" and samples.shape == (2, 4, profile.num_pairs)


@pytest.mark.gpu
def test_the_expert_moves_on_cuda_as_on_the_cpu(cuda):
    """Other random numbers, the same algorithm: the late iterates' rates agree in distribution."""
    gains, config = _gains(16, 10).double(), ExpertConfig(num_iterations=300, burn_in=100, num_samples=50)
    cpu = run_expert(gains, 0.5, RadioConfig(), config, seed=0)
    gpu = run_expert(gains.to(cuda), 0.5, RadioConfig(), config, seed=0)
    assert gpu.samples_w.device.type == "cuda"
    rates = [
        asymptotic_rates(g, r.samples_w, RadioConfig()).cpu()
        for g, r in ((gains, cpu), (gains.to(cuda), gpu))
    ]
    assert rates[1].mean().item() == pytest.approx(rates[0].mean().item(), rel=0.05)
    assert rates[1].quantile(0.05).item() == pytest.approx(rates[0].quantile(0.05).item(), abs=0.1)


@pytest.mark.gpu
def test_cli_sample_on_cuda(tmp_path, capsys, cuda):
    model = tmp_path / "model.pt"
    DiffusionPolicy(DenoiserConfig(hidden=8, depth=2), DiffusionConfig(), RadioConfig(), GraphConfig()).save(
        model
    )
    nets = tmp_path / "nets.npz"
    main(["drop", "--num-networks", "2", "--num-pairs", "6", "--density", "10", "--out", str(nets)])
    capsys.readouterr()
    out = tmp_path / "s.npy"
    argv = [
        "sample",
        "--checkpoint",
        str(model),
        "--networks",
        str(nets),
        "--f-min",
        "0.5",
        "--num-samples",
        "3",
    ]
    assert main([*argv, "--device", "cuda", "--out", str(out)]) == 0
    assert json.loads(capsys.readouterr().out)["shape"] == [2, 3, 6]
