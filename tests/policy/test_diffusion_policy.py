"""DiffusionPolicy: sampling format, initial noise and margin, power levels, the reverse trajectory,
checkpoints (weights_only, config check)."""

from dataclasses import replace

import pytest
import torch

from gsdiff.config import SamplingSetting
from gsdiff.policy import DiffusionPolicy, project_to_levels, sampling_memory_gb
from tests.conftest import small_policy


def _policy(hidden: int = 8, steps: int = 4, **sampling) -> DiffusionPolicy:
    """A small untrained policy (20 diffusion steps) that samples with ``steps`` steps by default."""
    return small_policy(hidden=hidden, steps=steps, **sampling)


def test_sample_shapes_any_n_and_range():
    torch.manual_seed(0)
    policy = _policy()
    for n in (4, 11):
        gains = torch.rand(3, n, n) * 1e-9 + torch.eye(n) * 1e-7
        out = policy.sample(
            gains, torch.tensor([0.4, 0.5, 0.6]), 7, generator=torch.Generator().manual_seed(1)
        )
        assert out.shape == (3, 7, n) and out.min() >= 0 and out.max() <= policy.max_power_w
    again = policy.sample(gains, torch.tensor([0.4, 0.5, 0.6]), 7, generator=torch.Generator().manual_seed(1))
    assert torch.equal(out, again)
    chunked = policy.sample(
        gains,
        torch.tensor([0.4, 0.5, 0.6]),
        7,
        generator=torch.Generator().manual_seed(1),
        chunk_nodes=2 * 11,
    )  # two signals at a time: one network's samples in four chunks, the same samples to round-off
    assert torch.allclose(out, chunked, atol=1e-8)
    with pytest.raises(ValueError, match="f_min"):
        policy.sample(gains, -0.1, 2)
    with pytest.raises(ValueError, match="num_samples"):
        policy.sample(gains, 0.5, 0)
    on_levels = policy.sample(
        gains,
        torch.tensor([0.4, 0.5, 0.6]),
        7,
        replace(policy.sampling, power_levels=5),
        generator=torch.Generator().manual_seed(1),
    )
    assert torch.equal(on_levels, project_to_levels(out, policy.max_power_w, 5))
    with pytest.raises(ValueError, match="power_levels must be an integer >= 2, got 1"):
        replace(policy.sampling, power_levels=1)
    with pytest.raises(ValueError, match="steps must be at most the policy's 20 diffusion steps, got 21"):
        policy.sample(gains, 0.5, 2, replace(policy.sampling, steps=21))


def test_sample_noise_kinds_and_margin():
    """``initial_noise`` picks the initial noise (``gsdiff.diffusion.initial_noise``); ``margin`` conditions
    on f_min + margin."""
    torch.manual_seed(0)
    policy = _policy()
    assert policy.sampling.initial_noise == "sobol"
    gains = torch.rand(2, 6, 6) * 1e-9 + torch.eye(6) * 1e-7

    def draw(f_min=0.5, **changes):
        setting = replace(policy.sampling, **changes)
        return policy.sample(gains, f_min, 8, setting, generator=torch.Generator().manual_seed(3))

    assert torch.equal(draw(), draw(initial_noise="sobol"))
    assert not torch.equal(draw(), draw(initial_noise="gaussian"))
    # DDIM with eta = 0 is a deterministic map of the initial noise: the same noise gives the same samples
    from gsdiff.diffusion import DDIMSampler, from_diffusion_space, initial_noise

    z = initial_noise(2, 8, 6, "sobol", generator=torch.Generator().manual_seed(3))
    x, solver = z.transpose(1, 2), DDIMSampler(policy.schedule)  # [B, N, S]: the samples share a graph
    solver.set_timesteps(4)
    g = policy.graphs(gains, 0.5)
    with torch.no_grad():
        for t in solver.timesteps.tolist():
            x, _ = solver.step(policy.denoiser(x, torch.full((2, 8), t), g), t, x)
    expected = from_diffusion_space(x, policy.max_power_w).transpose(1, 2)
    assert torch.allclose(draw(), expected, atol=1e-7)
    assert torch.equal(draw(0.5, margin=0.2), draw(0.7))
    assert not torch.equal(draw(0.5, margin=0.2), draw(0.5))
    with pytest.raises(ValueError, match=r"f_min \+ margin must be >= 0, got margin -0.6 with f_min 0.5"):
        draw(0.5, margin=-0.6)
    with pytest.raises(ValueError, match="margin must be a finite number of bits/s/Hz, got nan"):
        draw(0.5, margin=float("nan"))
    with pytest.raises(ValueError, match=r"initial_noise must be one of 'sobol', 'gaussian'; got 'uniform'"):
        draw(initial_noise="uniform")


def test_project_to_levels_by_hand():
    x = torch.tensor([0.0, 0.12, 0.13, 0.5, 0.874, 0.876, 1.0])  # P_max = 1, levels 0, 0.25, 0.5, 0.75, 1
    expected = torch.tensor([0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0])
    assert torch.equal(project_to_levels(x, 1.0, 5), expected)
    assert torch.equal(project_to_levels(2e-3 * x, 2e-3, 2), 2e-3 * torch.tensor([0, 0, 0, 0, 1, 1, 1.0]))


def test_checkpoint_round_trip_and_config_mismatch(tmp_path):
    torch.manual_seed(0)
    policy = _policy(margin=0.05, power_levels=5)
    path = tmp_path / "model.pt"
    policy.save(path, note="hello")
    payload = torch.load(path, weights_only=True)  # plain data and tensors only
    assert payload["note"] == "hello" and payload["format"] == 3
    loaded = DiffusionPolicy.load(path, expected=policy)
    for a, b in zip(policy.state_dict().values(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    assert loaded.sampling == policy.sampling and loaded.fingerprint() == policy.fingerprint()
    assert loaded.checkpoint_info == {"note": "hello"}
    with pytest.raises(ValueError, match=r"another config: denoiser.hidden: 8 vs expected 16"):
        DiffusionPolicy.load(path, expected=_policy(hidden=16))
    # how the expected policy samples is never compared: it changes no weight
    DiffusionPolicy.load(path, expected=_policy(steps=10, sampler="ddpm"))


@pytest.mark.parametrize(("sampler", "initial_noise"), [("ddim", "sobol"), ("ddpm", "gaussian")])
def test_trajectory_follows_the_configured_sampler_and_noise(sampler, initial_noise):
    """One reverse process on one network: the configured sampler and initial noise, the same result as
    ``sample`` with one sample (its path ends where ``sample`` lands, before the projection on [0, P_max])."""
    from gsdiff.diffusion import from_diffusion_space
    from gsdiff.diffusion import initial_noise as noise_of

    torch.manual_seed(0)
    policy = _policy(sampler=sampler, initial_noise=initial_noise)
    gains = torch.rand(6, 6, generator=torch.Generator().manual_seed(1)) * 1e-9 + torch.eye(6) * 1e-7
    path = policy.trajectory(gains, 0.5, generator=torch.Generator().manual_seed(2))
    assert path.timesteps == [15, 10, 5, 0]
    assert path.samples.shape == (5, 6) and path.predicted_x0.shape == (4, 6)
    z = noise_of(1, 1, 6, initial_noise, generator=torch.Generator().manual_seed(2))[0, 0]
    assert torch.equal(path.samples[0], z)
    drawn = policy.sample(gains[None], 0.5, 1, generator=torch.Generator().manual_seed(2))[0, 0]
    assert torch.allclose(from_diffusion_space(path.samples[-1], policy.max_power_w), drawn, atol=1e-7)


def test_sampling_setting_label_and_checks():
    assert SamplingSetting().label == "margin 0"
    setting = SamplingSetting(margin=0.05, power_levels=5, steps=10)
    assert setting.label == "margin 0.05, 5 levels, steps 10"  # what differs from the default setting
    with pytest.raises(ValueError, match="eta applies to the DDIM sampler only; got eta = 0.5 with 'ddpm'"):
        SamplingSetting(sampler="ddpm", eta=0.5)
    with pytest.raises(ValueError, match="steps must be an integer >= 1, got 0"):
        SamplingSetting(steps=0)
    with pytest.raises(ValueError, match="margin must be a finite number of bits/s/Hz, got nan"):
        SamplingSetting(margin=float("nan"))
    with pytest.raises(ValueError, match="top_k must be an integer >= 1, got 0"):
        SamplingSetting(top_k=0)


def test_a_setting_passed_to_sample_replaces_the_policys_own():
    torch.manual_seed(0)
    policy = _policy(margin=0.2)
    gains = torch.rand(2, 6, 6, generator=torch.Generator().manual_seed(4)) * 1e-9 + torch.eye(6) * 1e-7
    own = policy.sample(gains, 0.5, 4, generator=torch.Generator().manual_seed(1))
    given = policy.sample(gains, 0.5, 4, policy.sampling, generator=torch.Generator().manual_seed(1))
    plain = policy.sample(gains, 0.7, 4, SamplingSetting(steps=4), generator=torch.Generator().manual_seed(1))
    assert torch.equal(own, given) and torch.equal(own, plain)  # margin 0.2 at 0.5 is no margin at 0.7


def test_float64_gains_sample_on_the_float32_weights_and_come_back_in_float64():
    policy = _policy(power_levels=5)
    gains = torch.rand(2, 6, 6) * 1e-9 + torch.eye(6) * 1e-7
    single = policy.sample(gains, 0.6, 3, generator=torch.Generator().manual_seed(2))
    double = policy.sample(gains.double(), 0.6, 3, generator=torch.Generator().manual_seed(2))
    assert double.dtype == torch.float64 and torch.equal(double, single.double())
    path = policy.trajectory(gains[0].double(), 0.6, generator=torch.Generator().manual_seed(2))
    assert path.samples.dtype == torch.float32


def test_larger_networks_sample_on_the_training_degree_by_default(tmp_path):
    """The fast path without a flag: above its training size a policy keeps the degree it learned on
    (training N - 1); an explicit top_k, or the graph config's, wins; the size survives its checkpoint."""
    torch.manual_seed(0)
    policy = _policy()
    policy.training_pairs = 5
    assert policy.graph_degree(5) is None and policy.graph_degree(12) == 4 and policy.graph_degree(12, 7) == 7
    gains = torch.rand(2, 12, 12, generator=torch.Generator().manual_seed(3)) * 1e-9 + torch.eye(12) * 1e-7
    default = policy.sample(gains, 0.5, 3, generator=torch.Generator().manual_seed(1))
    top_4 = policy.sample(
        gains, 0.5, 3, replace(policy.sampling, top_k=4), generator=torch.Generator().manual_seed(1)
    )
    complete = policy.sample(
        gains, 0.5, 3, replace(policy.sampling, top_k=11), generator=torch.Generator().manual_seed(1)
    )
    assert torch.equal(default, top_4) and not torch.equal(default, complete)
    policy.save(tmp_path / "p.pt")
    assert DiffusionPolicy.load(tmp_path / "p.pt").training_pairs == 5
    policy.training_pairs = None  # unknown: every interferer, as before
    assert policy.graph_degree(12) is None
    # a checkpoint written before the size was stored takes its profile's
    payload = torch.load(tmp_path / "p.pt", weights_only=True)
    del payload["training_pairs"]
    torch.save(payload | {"profile": "book"}, tmp_path / "old.pt")
    assert DiffusionPolicy.load(tmp_path / "old.pt").training_pairs == 20
    with pytest.raises(ValueError, match="training_pairs must be an integer >= 2, got 1"):
        DiffusionPolicy(*policy.configs.values(), training_pairs=1)


def test_sampling_that_would_not_fit_its_memory_budget_is_refused_up_front():
    torch.manual_seed(0)
    policy = _policy()
    gains = torch.rand(1, 40, 40, generator=torch.Generator().manual_seed(3)) * 1e-9 + torch.eye(40) * 1e-7
    need_gb = sampling_memory_gb(40 * 4, 39, policy.configs["denoiser"])
    with pytest.raises(
        ValueError, match=r"graphs of 39 neighbours .* over memory_gb = 1e-06: keep fewer .*--top-k"
    ):
        policy.sample(gains, 0.5, 4, memory_gb=1e-6)
    policy.sample(gains, 0.5, 4, memory_gb=need_gb * 1.01)  # fits
    policy.sample(gains, 0.5, 4, replace(policy.sampling, top_k=3), memory_gb=need_gb / 5)  # 4 of 40 entries
    with pytest.raises(ValueError, match="memory_gb must be a finite number > 0, got 0"):
        policy.sample(gains, 0.5, 4, memory_gb=0)
