"""DiffusionPolicy and training: sampling format, checkpoints (weights_only, config check), resume, CLI."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch

from gsdiff.cli import main
from gsdiff.config import DenoiserConfig, DiffusionConfig
from gsdiff.datasets import load_or_build_dataset
from gsdiff.policy import DiffusionPolicy, project_to_levels
from gsdiff.train import train_policy


def test_sample_shapes_any_n_and_range():
    torch.manual_seed(0)
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=20, sample_steps=4)
    )
    for n in (4, 11):
        gains = torch.rand(3, n, n) * 1e-9 + torch.eye(n) * 1e-7
        out = policy.sample(
            gains, torch.tensor([0.4, 0.5, 0.6]), 7, generator=torch.Generator().manual_seed(1)
        )
        assert out.shape == (3, 7, n) and out.min() >= 0 and out.max() <= policy.max_power_w
    again = policy.sample(gains, torch.tensor([0.4, 0.5, 0.6]), 7, generator=torch.Generator().manual_seed(1))
    assert torch.equal(out, again)
    chunked = policy.sample(
        gains, torch.tensor([0.4, 0.5, 0.6]), 7, generator=torch.Generator().manual_seed(1), chunk_graphs=100
    )
    assert torch.equal(out, chunked)
    with pytest.raises(ValueError, match="f_min"):
        policy.sample(gains, -0.1, 2)
    with pytest.raises(ValueError, match="num_samples"):
        policy.sample(gains, 0.5, 0)
    on_levels = policy.sample(
        gains, torch.tensor([0.4, 0.5, 0.6]), 7, generator=torch.Generator().manual_seed(1), levels=5
    )
    assert torch.equal(on_levels, project_to_levels(out, policy.max_power_w, 5))
    with pytest.raises(ValueError, match="levels must be an integer >= 2, got 1"):
        policy.sample(gains, 0.5, 2, levels=1)


def test_sample_noise_kinds_and_margin():
    """``noise`` picks the initial noise (``gsdiff.noise``); ``margin`` conditions on f_min + margin."""
    torch.manual_seed(0)
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=20, sample_steps=4)
    )
    assert policy.configs["diffusion"].noise == "sobol"
    gains = torch.rand(2, 6, 6) * 1e-9 + torch.eye(6) * 1e-7

    def draw(f_min=0.5, **kwargs):
        return policy.sample(gains, f_min, 8, generator=torch.Generator().manual_seed(3), **kwargs)

    assert torch.equal(draw(), draw(noise="sobol"))
    assert not torch.equal(draw(), draw(noise="gaussian"))
    # DDIM with eta = 0 is a deterministic map of the initial noise: the same noise gives the same samples
    from gsdiff.noise import initial_noise
    from gsdiff.schedule import DDIMSampler, from_diffusion_space

    z = initial_noise(2, 8, 6, "sobol", torch.Generator().manual_seed(3))
    x, solver = z.reshape(-1), DDIMSampler(policy.schedule)
    solver.set_timesteps(4)
    g = policy._graphs(gains.repeat_interleave(8, 0), 0.5)
    with torch.no_grad():
        for t in solver.timesteps.tolist():
            x, _ = solver.step(policy.denoiser(x, torch.full((16,), t), *g), t, x)
    assert torch.allclose(draw(), from_diffusion_space(x, policy.max_power_w).reshape(2, 8, 6), atol=1e-7)
    assert torch.equal(draw(0.5, margin=0.2), draw(0.7))
    assert not torch.equal(draw(0.5, margin=0.2), draw(0.5))
    with pytest.raises(ValueError, match=r"f_min \+ margin must be >= 0, got margin -0.6 with f_min 0.5"):
        draw(0.5, margin=-0.6)
    with pytest.raises(ValueError, match="margin must be a finite number of bits/s/Hz, got nan"):
        draw(0.5, margin=float("nan"))
    with pytest.raises(ValueError, match=r"noise must be one of \('sobol', 'gaussian'\), got 'uniform'"):
        draw(noise="uniform")


def test_project_to_levels_by_hand():
    x = torch.tensor([0.0, 0.12, 0.13, 0.5, 0.874, 0.876, 1.0])  # P_max = 1, levels 0, 0.25, 0.5, 0.75, 1
    expected = torch.tensor([0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0])
    assert torch.equal(project_to_levels(x, 1.0, 5), expected)
    assert torch.equal(project_to_levels(2e-3 * x, 2e-3, 2), 2e-3 * torch.tensor([0, 0, 0, 0, 1, 1, 1.0]))


def test_checkpoint_round_trip_and_config_mismatch(tmp_path):
    torch.manual_seed(0)
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2), DiffusionConfig(num_train_steps=20, sample_steps=4)
    )
    path = tmp_path / "model.pt"
    policy.save(path, note="hello")
    payload = torch.load(path, weights_only=True)  # plain data and tensors only
    assert payload["note"] == "hello"
    loaded = DiffusionPolicy.load(path, expected=policy)
    for a, b in zip(policy.state_dict().values(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    other = DiffusionPolicy(
        DenoiserConfig(hidden=16, depth=2), DiffusionConfig(num_train_steps=20, sample_steps=4)
    )
    with pytest.raises(ValueError, match=r"another config: denoiser.hidden: 8 vs expected 16"):
        DiffusionPolicy.load(path, expected=other)


@pytest.mark.parametrize("ema_decay", [0.0, 0.5])
def test_training_resumes_after_a_crash_and_keeps_the_best(profile, tmp_path, monkeypatch, ema_decay):
    profile = replace(profile, train=replace(profile.train, ema_decay=ema_decay))
    dataset = load_or_build_dataset(profile, tmp_path / "cache", progress=False)
    full = train_policy(profile, dataset, tmp_path / "a", progress=False)
    assert full.history["step"] == [4, 8, 12]
    h = full.history
    assert full.best_step == h["step"][int(np.argmin(h["val_loss"]))]  # the default select_by = "loss"
    balanced = replace(profile, train=replace(profile.train, select_by="balanced"))
    run = train_policy(balanced, dataset, tmp_path / "balanced", progress=False)
    score = np.minimum(run.history["val_p5_ratio"], run.history["val_mean_ratio"])
    assert run.best_step == run.history["step"][int(np.argmax(score))]

    import gsdiff.train as train_module

    calls = {"n": 0}
    clip = torch.nn.utils.clip_grad_norm_

    def crash_at_step_10(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 10:
            raise RuntimeError("simulated crash")
        return clip(*args, **kwargs)

    monkeypatch.setattr(train_module.torch.nn.utils, "clip_grad_norm_", crash_at_step_10)
    with pytest.raises(RuntimeError, match="simulated crash"):
        train_policy(profile, dataset, tmp_path / "b", progress=False)
    assert torch.load(tmp_path / "b" / "last.pt", weights_only=True)["step"] == 8  # the last checkpoint
    monkeypatch.setattr(train_module.torch.nn.utils, "clip_grad_norm_", clip)
    resumed = train_policy(profile, dataset, tmp_path / "b", progress=False)
    for key in ("step", "loss", "val_loss", "val_p5_margin", "val_p5_ratio", "val_mean_ratio"):
        assert resumed.history[key] == pytest.approx(full.history[key], rel=1e-6)
    for a, b in zip(full.policy.state_dict().values(), resumed.policy.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)


def test_weight_average_is_polyak(profile, tmp_path):
    """With ema_decay d, after one step the kept weights are d theta_0 + (1 - d) theta_1."""
    dataset = load_or_build_dataset(profile, tmp_path / "cache", progress=False)
    one = replace(profile, train=replace(profile.train, num_steps=1, ema_decay=0.9))
    train_policy(one, dataset, tmp_path / "a", progress=False)
    torch.manual_seed(one.seed)
    initial = DiffusionPolicy(one.denoiser, one.diffusion, one.radio, one.graph).state_dict()
    state = torch.load(tmp_path / "a" / "last.pt", weights_only=True)
    for name, theta0 in initial.items():
        expected = 0.9 * theta0 + 0.1 * state["state_dict"][name]
        assert torch.allclose(state["kept_state_dict"][name], expected, atol=1e-7), name
    best = DiffusionPolicy.load(tmp_path / "a" / "best.pt")
    assert all(torch.equal(v, state["kept_state_dict"][k]) for k, v in best.state_dict().items())


def test_training_refuses_to_resume_another_config(profile, tmp_path):
    dataset = load_or_build_dataset(profile, tmp_path / "cache", progress=False)
    short = replace(profile, train=replace(profile.train, num_steps=4))
    train_policy(short, dataset, tmp_path / "a", progress=False)
    wider = replace(short, denoiser=replace(short.denoiser, hidden=16))
    with pytest.raises(
        ValueError, match=r"resumable checkpoint .* another config: denoiser.hidden: 8 vs expected 16"
    ):
        train_policy(wider, dataset, tmp_path / "a", progress=False)
    longer = replace(short, train=replace(short.train, num_steps=8))
    with pytest.raises(ValueError, match=r"resumable checkpoint .* TrainConfig"):
        train_policy(longer, dataset, tmp_path / "a", progress=False)


def test_sampler_override_and_sweep(profile, tmp_path):
    from gsdiff.train import sampler_sweep, validate

    torch.manual_seed(0)
    policy = DiffusionPolicy(profile.denoiser, profile.diffusion, profile.radio, profile.graph)
    gains = torch.rand(2, 5, 5) * 1e-9 + torch.eye(5) * 1e-7
    f_min = torch.tensor([0.5, 0.7])
    ddpm = policy.sample(gains, f_min, 3, steps=4, sampler="ddpm", generator=torch.Generator().manual_seed(1))
    ddim = policy.sample(gains, f_min, 3, steps=4, sampler="ddim", generator=torch.Generator().manual_seed(1))
    assert ddpm.shape == ddim.shape == (2, 3, 5) and not torch.equal(ddpm, ddim)
    with pytest.raises(ValueError, match="sampler must be 'ddim' or 'ddpm', got 'euler'"):
        policy.sample(gains, f_min, 3, sampler="euler")
    rows = sampler_sweep(policy, gains, f_min, 3, [("ddim", 2), ("ddpm", 4)], seed=1)
    assert [(r["sampler"], r["steps"]) for r in rows] == [("DDIM", 2), ("DDPM", 4)]
    assert all(r["seconds_per_network"] > 0 and r["p5"] <= r["mean"] for r in rows)
    # the configured sampler and steps score exactly as in validation (rates minus f_min)
    (row,) = sampler_sweep(policy, gains, f_min, 3, [("ddim", profile.diffusion.sample_steps)], seed=1)
    scores = validate(policy, gains, f_min, 3, seed=1)
    assert row["p5"] == pytest.approx(scores["p5"]) and row["mean"] == pytest.approx(scores["mean"])


def test_validation_scores_and_selection_rule():
    from gsdiff.train import selection_score, validation_scores

    # 20 users in 2 problems: policy rates 1..20, expert rates 2..40 (so every ratio is 1/2)
    policy = torch.arange(1.0, 21.0, dtype=torch.float64).reshape(2, 10)
    f_min = torch.tensor([0.5, 1.0], dtype=torch.float64)
    scores = validation_scores(policy, f_min, 2 * policy)
    margins = (policy - f_min[:, None]).flatten().numpy()
    assert scores["p5_margin"] == pytest.approx(np.percentile(margins, 5))
    assert scores["p5_ratio"] == pytest.approx(0.5) and scores["mean_ratio"] == pytest.approx(0.5)
    # the tail is pooled in multiples of f_min: problem 0 (f_min 0.5) is at 2..20 f_min, problem 1 at
    # 11..20; an expert whose users all sit at 2 f_min has p5 2
    expert = torch.stack([torch.full((10,), 1.0), torch.full((10,), 2.0)]).double()
    relative = np.percentile((policy / f_min[:, None]).flatten().numpy(), 5)
    assert validation_scores(policy, f_min, expert)["p5_ratio"] == pytest.approx(relative / 2)
    # a problem without a requirement (f_min = 0) is left out of the tail ratio, not divided by zero
    none = torch.tensor([0.0, 1.0], dtype=torch.float64)
    scores = validation_scores(policy, none, expert)
    assert scores["p5_ratio"] == pytest.approx(np.percentile(np.arange(11.0, 21.0), 5) / 2)
    assert scores["mean_ratio"] == pytest.approx(10.5 / 1.5)
    assert validation_scores(policy, torch.zeros(2, dtype=torch.float64), 2 * policy)["p5_ratio"] == 0.5
    mixed = {"loss": 0.12, "p5_margin": -0.1, "p5_ratio": 1.1, "mean_ratio": 0.9}
    assert selection_score(mixed, "loss") == -0.12  # the lowest loss is the best
    assert selection_score(mixed, "balanced") == 0.9  # the weaker side
    assert selection_score(mixed, "p5") == -0.1
    with pytest.raises(ValueError, match="select_by must be one of"):
        selection_score(mixed, "mean")


def test_validation_loss_uses_common_random_numbers(profile, tmp_path):
    """The same draws at every call (so checkpoints differ only by fit); it equals the training loss (4)
    on those draws."""
    from gsdiff.train import validation_loss

    dataset = load_or_build_dataset(profile, tmp_path / "cache", progress=False)
    torch.manual_seed(0)
    policy = DiffusionPolicy(profile.denoiser, profile.diffusion, profile.radio, profile.graph)
    gains, f_min, samples = dataset.split("validation")
    first = validation_loss(policy, gains, f_min, samples, 3, chunk_problems=len(f_min), seed=5)
    assert validation_loss(policy, gains, f_min, samples, 3, chunk_problems=len(f_min), seed=5) == first
    generator = torch.Generator().manual_seed(5)
    which = torch.randint(0, samples.shape[1], (len(f_min), 3), generator=generator)
    with torch.no_grad():
        direct = policy.loss(gains, f_min, samples[torch.arange(len(f_min))[:, None], which], generator)
    assert first == pytest.approx(direct.item(), rel=1e-6)
    assert validation_loss(policy, gains, f_min, samples, 3, seed=6) != pytest.approx(first, rel=1e-6)
    with torch.no_grad():
        for p in policy.parameters():
            p.mul_(0.5)
    assert validation_loss(policy, gains, f_min, samples, 3, chunk_problems=len(f_min), seed=5) != first


def test_cli_train_and_sample(profile, tmp_path, capsys, monkeypatch):
    import gsdiff.cli as cli

    monkeypatch.setattr(cli, "get_profile", lambda name: profile)
    model = tmp_path / "model.pt"
    assert (
        main(["train", "--profile", "ci", "--out", str(model), "--cache-dir", str(tmp_path / "c"), "--quiet"])
        == 0
    )
    assert json.loads(capsys.readouterr().out)["out"] == str(model)
    nets, out = tmp_path / "nets.npz", tmp_path / "s.npy"
    main(["drop", "--num-networks", "2", "--num-pairs", "7", "--density", "10", "--out", str(nets)])
    argv = [
        "sample",
        "--checkpoint",
        str(model),
        "--networks",
        str(nets),
        "--f-min",
        "0.6",
        "--num-samples",
        "3",
    ]
    assert main([*argv, "--out", str(out)]) == 0
    assert np.load(out).shape == (2, 3, 7)
    levels = tmp_path / "levels.npy"
    assert main([*argv, "--levels", "3", "--out", str(levels)]) == 0
    p_max = DiffusionPolicy.load(model).max_power_w
    np.testing.assert_allclose(np.load(levels), project_to_levels(torch.from_numpy(np.load(out)), p_max, 3))
    margin, gaussian = tmp_path / "margin.npy", tmp_path / "gaussian.npy"
    assert main([*argv, "--margin", "0.1", "--out", str(margin)]) == 0
    stricter = [("0.7" if a == "0.6" else a) for a in argv]
    assert main([*stricter, "--out", str(tmp_path / "f07.npy")]) == 0
    np.testing.assert_allclose(np.load(margin), np.load(tmp_path / "f07.npy"), atol=1e-9)  # 0.6 + 0.1 != 0.7
    assert main([*argv, "--noise", "gaussian", "--out", str(gaussian)]) == 0
    assert not np.array_equal(np.load(gaussian), np.load(out))
    assert main([*argv, "--margin", "-1", "--out", str(margin)]) == 2
    assert "f_min + margin must be >= 0" in capsys.readouterr().err
