"""Training: best-checkpoint keeping, resuming after a crash, the weight average, the validation loss."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gsdiff.data import load_or_build_dataset, load_training_datasets
from gsdiff.policy import DiffusionPolicy, initial_policy
from gsdiff.training import (
    train_policy,
    training_degree,
    training_key,
    training_sizes,
    validation_loss,
)


def _crash_at_step(step, profile, dataset, work, monkeypatch):
    """Train until a simulated crash in optimizer step ``step`` (in its gradient clipping); undo the patch."""
    import gsdiff.training.train as train_module

    calls = {"n": 0}
    clip = torch.nn.utils.clip_grad_norm_

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == step:
            raise RuntimeError("simulated crash")
        return clip(*args, **kwargs)

    monkeypatch.setattr(train_module.torch.nn.utils, "clip_grad_norm_", crashing)
    with pytest.raises(RuntimeError, match="simulated crash"):
        train_policy(dataset, profile, work_dir=work, progress=False)
    monkeypatch.setattr(train_module.torch.nn.utils, "clip_grad_norm_", clip)


@pytest.mark.parametrize("ema_decay", [0.0, 0.5])
def test_training_resumes_after_a_crash_and_keeps_the_best(profile, tmp_path, monkeypatch, ema_decay):
    profile = replace(profile, train=replace(profile.train, ema_decay=ema_decay))
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    full = train_policy(dataset, profile, work_dir=tmp_path / "a", progress=False)
    assert full.history["step"] == [4, 8, 12]
    h = full.history
    assert full.best_step == h["step"][int(np.argmin(h["val_loss"]))]  # the default select_by = "loss"
    balanced = replace(profile, train=replace(profile.train, select_by="balanced"))
    run = train_policy(dataset, balanced, work_dir=tmp_path / "balanced", progress=False)
    score = np.minimum(run.history["val_p5_ratio"], run.history["val_mean_ratio"])
    assert run.best_step == run.history["step"][int(np.argmax(score))]

    _crash_at_step(10, profile, dataset, tmp_path / "b", monkeypatch)
    assert torch.load(tmp_path / "b" / "last.pt", weights_only=True)["step"] == 8  # the last checkpoint
    resumed = train_policy(dataset, profile, work_dir=tmp_path / "b", progress=False)
    for key in ("step", "loss", "val_loss", "val_p5_margin", "val_p5_ratio", "val_mean_ratio"):
        assert resumed.history[key] == pytest.approx(full.history[key], rel=1e-6)
    for a, b in zip(full.policy.state_dict().values(), resumed.policy.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)


def test_weight_average_is_polyak(profile, tmp_path):
    """With ema_decay d, after one step the kept weights are d theta_0 + (1 - d) theta_1."""
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    one = replace(profile, train=replace(profile.train, num_steps=1, ema_decay=0.9))
    train_policy(dataset, one, work_dir=tmp_path / "a", progress=False)
    torch.manual_seed(one.seed)
    initial = DiffusionPolicy.from_profile(one).state_dict()
    state = torch.load(tmp_path / "a" / "last.pt", weights_only=True)
    for name, theta0 in initial.items():
        expected = 0.9 * theta0 + 0.1 * state["state_dict"][name]
        assert torch.allclose(state["kept_state_dict"][name], expected, atol=1e-7), name
    best = DiffusionPolicy.load(tmp_path / "a" / "best.pt")
    assert all(torch.equal(v, state["kept_state_dict"][k]) for k, v in best.state_dict().items())


def test_training_refuses_to_resume_another_config(profile, tmp_path):
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    short = replace(profile, train=replace(profile.train, num_steps=4))
    train_policy(dataset, short, work_dir=tmp_path / "a", progress=False)
    wider = replace(short, denoiser=replace(short.denoiser, hidden=16))
    with pytest.raises(
        ValueError, match=r"resumable checkpoint .* another config: denoiser.hidden: 8 vs expected 16"
    ):
        train_policy(dataset, wider, work_dir=tmp_path / "a", progress=False)
    longer = replace(short, train=replace(short.train, num_steps=8))
    with pytest.raises(ValueError, match=r"resumable checkpoint .* TrainConfig"):
        train_policy(dataset, longer, work_dir=tmp_path / "a", progress=False)


def test_validation_loss_uses_common_random_numbers(profile, tmp_path):
    """The same draws at every call (so checkpoints differ only by fit); it equals the training loss (4)
    on those draws."""
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    torch.manual_seed(0)
    policy = DiffusionPolicy.from_profile(profile)
    gains, f_min, samples = dataset.split("validation")
    first = validation_loss(
        gains, f_min, samples, policy, samples_per_problem=3, chunk_problems=len(f_min), seed=5
    )
    assert (
        validation_loss(
            gains, f_min, samples, policy, samples_per_problem=3, chunk_problems=len(f_min), seed=5
        )
        == first
    )
    generator = torch.Generator().manual_seed(5)
    which = torch.randint(0, samples.shape[1], (len(f_min), 3), generator=generator)
    with torch.no_grad():
        direct = policy.loss(
            gains, f_min, samples[torch.arange(len(f_min))[:, None], which], generator=generator
        )
    assert first == pytest.approx(direct.item(), rel=1e-6)
    assert validation_loss(gains, f_min, samples, policy, samples_per_problem=3, seed=6) != pytest.approx(
        first, rel=1e-6
    )
    with torch.no_grad():
        for p in policy.parameters():
            p.mul_(0.5)
    assert (
        validation_loss(
            gains, f_min, samples, policy, samples_per_problem=3, chunk_problems=len(f_min), seed=5
        )
        != first
    )


def test_training_leaves_the_global_rng_alone(profile, tmp_path):
    """The initial weights come from the profile's seed, not from whatever the caller's RNG holds, and
    the caller's RNG is where it was (no library function reseeds it)."""
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    short = replace(profile, train=replace(profile.train, num_steps=2, eval_every=2, checkpoint_every=2))
    torch.manual_seed(123)
    before = torch.get_rng_state()
    first = train_policy(dataset, short, work_dir=tmp_path / "a", progress=False)
    assert torch.equal(torch.get_rng_state(), before)
    torch.manual_seed(456)
    second = train_policy(dataset, short, work_dir=tmp_path / "b", progress=False)
    for a, b in zip(first.policy.state_dict().values(), second.policy.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_a_resumed_run_records_the_uninterrupted_history(profile, tmp_path, monkeypatch):
    """A crash between records: the loss record spanning it averages every step, before and after."""
    profile = replace(profile, train=replace(profile.train, eval_every=6, checkpoint_every=4))
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    full = train_policy(dataset, profile, work_dir=tmp_path / "a", progress=False)
    assert full.history["step"] == [6, 12]

    _crash_at_step(11, profile, dataset, tmp_path / "b", monkeypatch)
    state = torch.load(tmp_path / "b" / "last.pt", weights_only=True)
    assert state["step"] == 8 and len(state["pending_losses"]) == 2  # steps 7 and 8, not yet recorded
    resumed = train_policy(dataset, profile, work_dir=tmp_path / "b", progress=False)
    for key in ("step", "loss", "val_loss", "val_p5_margin", "val_p5_ratio", "val_mean_ratio"):
        assert resumed.history[key] == full.history[key], key  # bit for bit, the spanning loss included
    for a, b in zip(full.policy.state_dict().values(), resumed.policy.state_dict().values(), strict=True):
        assert torch.equal(a, b)


def test_a_checkpoint_resumes_only_on_its_device_type(profile, tmp_path):
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    train_policy(dataset, profile, work_dir=tmp_path / "a", progress=False)
    last = tmp_path / "a" / "last.pt"
    state = torch.load(last, weights_only=True)
    torch.save({**state, "device_type": "cuda", "step": 4}, last)
    with pytest.raises(ValueError, match="made on device type 'cuda', not 'cpu'"):
        train_policy(dataset, profile, work_dir=tmp_path / "a", progress=False)


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_training_precision(profile, tmp_path, precision):
    """bfloat16 autocast trains (finite losses near the float32 run's); the kept weights stay float32."""
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    reference = train_policy(dataset, profile, work_dir=tmp_path / "f32", progress=False)
    run = train_policy(
        dataset,
        replace(profile, train=replace(profile.train, precision=precision)),
        work_dir=tmp_path / "run",
        progress=False,
    )
    assert all(np.isfinite(run.history["loss"]))
    assert all(p.dtype == torch.float32 for p in run.policy.parameters())
    if precision == "bfloat16":  # autocast took effect: the losses moved, by round-off-sized amounts
        assert run.history["loss"] != reference.history["loss"]
    assert run.history["loss"] == pytest.approx(
        reference.history["loss"], rel=0.05 if precision != "float32" else 0
    )


def test_training_on_several_sizes(profile, tmp_path, monkeypatch):
    """Each step trains on one size (both are drawn), larger sizes on graphs of the profile's degree; the
    validation loss is the mean over sizes; a crash resumes to the same weights."""
    sized = replace(profile, train_pairs=(8,))
    datasets = load_training_datasets(sized, cache_dir=tmp_path / "cache", progress=False)
    assert [d.gains.shape[-1] for d in datasets] == [5, 8]
    assert datasets[1].built == tuple((s, f) for s in ("train", "validation") for f in profile.f_mins)
    assert training_sizes(sized) == (5, 8)
    assert training_degree(sized, 5) is None and training_degree(sized, 8) == 4
    seen = []
    loss_given = DiffusionPolicy.loss_given

    def spy(self, gains, *args, top_k=None, **kwargs):
        seen.append((gains.shape[-1], top_k))
        return loss_given(self, gains, *args, top_k=top_k, **kwargs)

    monkeypatch.setattr(DiffusionPolicy, "loss_given", spy)
    full = train_policy(datasets, sized, work_dir=tmp_path / "a", progress=False)
    monkeypatch.undo()
    assert {(5, None), (8, 4)} <= set(seen)
    kept = DiffusionPolicy.load(tmp_path / "a" / "best.pt")
    common = dict(samples_per_problem=3, chunk_problems=4, seed=sized.seed)
    per_size = [
        validation_loss(*d.split("validation"), kept, top_k=training_degree(sized, n), **common)
        for d, n in zip(datasets, (5, 8), strict=True)
    ]
    best = full.history["step"].index(full.best_step)
    assert full.history["val_loss"][best] == pytest.approx(sum(per_size) / 2, rel=1e-6)

    _crash_at_step(10, sized, datasets, tmp_path / "b", monkeypatch)
    resumed = train_policy(datasets, sized, work_dir=tmp_path / "b", progress=False)
    for a, b in zip(full.policy.state_dict().values(), resumed.policy.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)
    with pytest.raises(ValueError, match=r"datasets must hold networks of \(5, 8\) pairs"):
        train_policy(datasets[:1], sized, work_dir=tmp_path / "c", progress=False)
    with pytest.raises(ValueError, match="resumable checkpoint .* datasets"):
        other = replace(sized, train_pairs=(9,))
        train_policy(
            load_training_datasets(other, cache_dir=tmp_path / "cache", progress=False),
            other,
            work_dir=tmp_path / "b",
            progress=False,
        )


def test_fine_tuning_starts_from_the_checkpoint(profile, tmp_path):
    """init_from: the run's weights before its first step are the checkpoint's; the key and the resumable
    state name them; a missing checkpoint or another denoiser is an error naming init_from."""
    dataset = load_or_build_dataset(profile, cache_dir=tmp_path / "cache", progress=False)
    first = train_policy(dataset, profile, work_dir=tmp_path / "a", progress=False)
    start = str(tmp_path / "a" / "best.pt")
    tuned = replace(profile, train=replace(profile.train, num_steps=1, learning_rate=1e-12, init_from=start))
    one = train_policy(dataset, tuned, work_dir=tmp_path / "b", progress=False)
    for a, b in zip(first.policy.state_dict().values(), one.policy.state_dict().values(), strict=True):
        assert torch.allclose(a, b, atol=1e-9)
    state = torch.load(tmp_path / "b" / "last.pt", weights_only=True)
    assert state["init_fingerprint"] == first.policy.fingerprint()
    assert training_key(dataset, tuned) != training_key(dataset, replace(tuned, train=profile.train))
    with pytest.raises(ValueError, match=r"train.init_from names .*nowhere.pt.* does not exist"):
        initial_policy(replace(tuned, train=replace(tuned.train, init_from=str(tmp_path / "nowhere.pt"))))
    wider = replace(tuned, denoiser=replace(tuned.denoiser, hidden=16))
    with pytest.raises(ValueError, match=r"init_from checkpoint .* denoiser.hidden: 8 vs expected 16"):
        initial_policy(wider)
