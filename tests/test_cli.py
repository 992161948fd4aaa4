import json
import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

from gsdiff.cli import main
from gsdiff.config import DualTimeSharingConfig, EvaluationConfig, ExpertConfig, RadioConfig, get_profile
from gsdiff.files import load_gains
from gsdiff.policy import DiffusionPolicy, project_to_levels
from gsdiff.solvers.dual_time_sharing import dual_time_sharing

RADIO = RadioConfig()
P = RADIO.max_power_w
METRIC_KEYS = {"mean", "min", "p0.1", "p1", "p5", "p10", "feasible_fraction", "jain"}


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, (json.loads(out) if status == 0 else None), err


@pytest.fixture
def nets(tmp_path, capsys):
    path = tmp_path / "nets.npz"
    status, out, _ = run(
        capsys,
        "drop",
        "--num-networks",
        "2",
        "--num-pairs",
        "6",
        "--density",
        "10.1",
        "--seed",
        "3",
        "--out",
        str(path),
    )
    assert status == 0
    assert out == {"out": str(path), "num_networks": 2, "num_pairs": 6}
    return path


def test_drop_writes_gains(nets):
    with np.load(nets) as data:
        gains = data["gains"]
    assert gains.shape == (2, 6, 6)
    assert np.issubdtype(gains.dtype, np.floating)
    assert (gains > 0).all()
    assert sorted(p.name for p in nets.parent.iterdir()) == ["nets.npz"]


def test_drop_seeded(nets, tmp_path, capsys):
    again = tmp_path / "again.npz"
    other = tmp_path / "other.npz"
    for path, seed in ((again, "3"), (other, "4")):
        assert (
            main(
                [
                    "drop",
                    "--num-networks",
                    "2",
                    "--num-pairs",
                    "6",
                    "--density",
                    "10.1",
                    "--seed",
                    seed,
                    "--out",
                    str(path),
                ]
            )
            == 0
        )
    capsys.readouterr()
    with np.load(nets) as a, np.load(again) as b, np.load(other) as c:
        np.testing.assert_array_equal(a["gains"], b["gains"])
        assert not np.array_equal(a["gains"], c["gains"])


@pytest.mark.parametrize("samples_shape", [(2, 3, 6), (2, 6)])
def test_evaluate_prints_metrics(nets, tmp_path, capsys, samples_shape):
    samples = tmp_path / "s.npy"
    np.save(samples, np.full(samples_shape, P / 2))
    status, out, _ = run(
        capsys,
        "evaluate",
        "--networks",
        str(nets),
        "--samples",
        str(samples),
        "--f-min",
        "0.5",
        "--slots",
        "30",
        "--window",
        "2",
    )
    assert status == 0
    assert METRIC_KEYS <= set(out)
    assert (
        out["num_networks"] == 2 and out["num_pairs"] == 6 and out["num_slots"] == 30 and out["f_min"] == 0.5
    )
    assert out["num_samples"] == (3 if len(samples_shape) == 3 else 1)
    assert 0 <= out["min"] <= out["p0.1"] <= out["p1"] <= out["p5"] <= out["p10"] <= out["mean"]
    assert 0 <= out["feasible_fraction"] <= 1 and 0 < out["jain"] <= 1


def test_evaluate_exact_closed_form(tmp_path, capsys, single_user_rate):
    """Any npz with 'gains' (made by NumPy alone); isolated links, so the exact rates have a closed form."""
    snr = np.array([[3.0, 30.0], [300.0, 3000.0]])
    gains = np.zeros((2, 2, 2))
    gains[:, [0, 1], [0, 1]] = snr * RADIO.noise_w / P
    np.savez(tmp_path / "g.npz", gains=gains)
    np.save(tmp_path / "s.npy", np.full((2, 2), P))
    status, out, _ = run(
        capsys,
        "evaluate",
        "--networks",
        str(tmp_path / "g.npz"),
        "--samples",
        str(tmp_path / "s.npy"),
        "--f-min",
        "2.0",
        "--exact",
    )
    assert status == 0 and out["aggregate"] == "per_network"  # the papers' aggregation by default
    rates = np.array([single_user_rate(s) for s in snr.ravel()])
    assert out["mean"] == pytest.approx(rates.mean(), rel=1e-6)
    assert out["min"] == pytest.approx(rates.reshape(2, 2).min(1).mean(), rel=1e-6)  # each network's worst
    assert out["feasible_fraction"] == pytest.approx((rates >= 2.0).mean())
    argv = ["evaluate", "--networks", str(tmp_path / "g.npz"), "--samples", str(tmp_path / "s.npy")]
    status, out, _ = run(capsys, *argv, "--f-min", "2.0", "--exact", "--aggregate", "pooled")
    assert status == 0 and out["min"] == pytest.approx(rates.min(), rel=1e-6)
    assert out["num_slots"] is None


def test_evaluate_jakes_and_all_off(nets, tmp_path, capsys):
    np.save(tmp_path / "zero.npy", np.zeros((2, 6)))
    status, out, _ = run(
        capsys,
        "evaluate",
        "--networks",
        str(nets),
        "--samples",
        str(tmp_path / "zero.npy"),
        "--f-min",
        "0.5",
        "--slots",
        "10",
        "--fading",
        "jakes",
    )
    assert status == 0
    assert out["mean"] == 0.0 and out["feasible_fraction"] == 0.0
    assert out["jain"] == 1.0  # finite, so the output is strict JSON


def test_module_subprocess(nets, tmp_path):
    np.save(tmp_path / "s.npy", np.full((2, 6), P))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "gsdiff",
            "evaluate",
            "--networks",
            str(nets),
            "--samples",
            str(tmp_path / "s.npy"),
            "--f-min",
            "0.6",
            "--slots",
            "20",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("\n") == 1
    assert METRIC_KEYS <= set(json.loads(proc.stdout, parse_constant=lambda c: pytest.fail(f"not JSON: {c}")))
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "gsdiff",
            "drop",
            "--num-networks",
            "1",
            "--num-pairs",
            "1",
            "--density",
            "10",
            "--out",
            str(tmp_path / "x.npz"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert bad.returncode == 2
    assert "num_pairs must be an integer >= 2, got 1" in bad.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--density", "-5"], "density_per_km2 must be a finite number > 0, got -5.0"),
        (["--density", "0"], "density_per_km2 must be a finite number > 0, got 0.0"),
        (["--num-pairs", "1"], "num_pairs must be an integer >= 2, got 1"),
        (["--num-networks", "0"], "num_networks must be an integer >= 1, got 0"),
        (["--density", "1000"], "density_per_km2 = 1000.0 is too high"),
    ],
)
def test_drop_bad_input(tmp_path, capsys, args, message):
    argv = {"--num-networks": "1", "--num-pairs": "4", "--density": "10", "--out": str(tmp_path / "x.npz")}
    argv.update(dict(zip(args[::2], args[1::2], strict=True)))
    status, _, err = run(capsys, "drop", *[t for kv in argv.items() for t in kv])
    assert status == 2
    assert err.startswith("gsdiff drop: error: ") and message in err
    assert not (tmp_path / "x.npz").exists()


def bad_gains_file(tmp_path, kind):
    path = tmp_path / f"{kind}.npz"
    gains = np.full((2, 6, 6), 1e-9)
    if kind == "nan":
        gains[0, 1, 2] = np.nan
    elif kind == "negative":
        gains[1, 0, 0] = -1e-9
    if kind == "nogains":
        np.savez(path, g=gains)
    elif kind == "npy":
        path = tmp_path / "gains.npy"
        np.save(path, gains)
    else:
        np.savez(path, gains=gains)
    return path


@pytest.mark.parametrize(
    ("gains_kind", "samples", "extra", "message"),
    [
        (
            "ok",
            np.full((2, 6), 0.01),
            ["--f-min", "-0.5"],
            "f_min must be finite and >= 0 bits/s/Hz, got -0.5",
        ),
        (
            "ok",
            np.full((2, 6), 0.02),
            [],
            "power_w must lie in [0, P_max = 0.01 W], got values in [0.02, 0.02] W",
        ),
        (
            "ok",
            np.full((2, 6), -0.01),
            [],
            "power_w must lie in [0, P_max = 0.01 W], got values in [-0.01, -0.01]",
        ),
        ("ok", np.full((2, 6), np.nan), [], "power_w must be finite"),
        ("ok", np.full((3, 6), 0.01), [], "power_w must have shape [B, S, N] or [B, N] with B = 2 networks"),
        ("ok", np.full((2, 5), 0.01), [], "power_w must have last dimension N = 6"),
        ("ok", np.full((2, 0, 6), 0.01), [], "power_w must hold at least one allocation"),
        ("nan", np.full((2, 6), 0.01), [], "must be finite, got 1 NaN/inf entries"),
        ("negative", np.full((2, 6), 0.01), [], "must be >= 0 (powers in W), got minimum -1e-09"),
        ("nogains", np.full((2, 6), 0.01), [], "has no 'gains' array (keys: ['g'])"),
        ("npy", np.full((2, 6), 0.01), [], "must be an .npz with 'gains', got a .npy array"),
        ("ok", np.full((2, 6), 0.01), ["--slots", "0"], "num_slots must be an integer >= 1, got 0"),
    ],
)
def test_evaluate_bad_input(tmp_path, capsys, gains_kind, samples, extra, message):
    np.save(tmp_path / "s.npy", samples)
    argv = [
        "evaluate",
        "--networks",
        str(bad_gains_file(tmp_path, gains_kind)),
        "--samples",
        str(tmp_path / "s.npy"),
        "--f-min",
        "0.5",
        "--slots",
        "5",
        *extra,
    ]
    status, _, err = run(capsys, *argv)
    assert status == 2
    assert err.startswith("gsdiff evaluate: error: ")
    assert message in err, err


def test_evaluate_missing_file(nets, tmp_path, capsys):
    status, _, err = run(
        capsys, "evaluate", "--networks", str(nets), "--samples", str(tmp_path / "nope.npy"), "--f-min", "0.5"
    )
    assert status == 2 and "nope.npy" in err


def test_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["evaluate", "--networks", "x.npz"])
    assert info.value.code == 2
    assert "required" in capsys.readouterr().err


def test_nan_density_rejected(tmp_path, capsys):
    status, _, err = run(
        capsys,
        "drop",
        "--num-networks",
        "1",
        "--num-pairs",
        "4",
        "--density",
        "nan",
        "--out",
        str(tmp_path / "x.npz"),
    )
    assert status == 2 and f"got {math.nan}" in err


def test_expert_and_average_power_round_trip(tmp_path, capsys):
    """drop -> expert -> average-power -> evaluate, all through files."""
    nets, samples, ap = tmp_path / "nets.npz", tmp_path / "samples.npy", tmp_path / "ap.npy"
    assert (
        main(["drop", "--num-networks", "2", "--num-pairs", "4", "--density", "10", "--out", str(nets)]) == 0
    )
    argv = ["expert", "--networks", str(nets), "--f-min", "0.5", "--num-samples", "7", "--iterations", "40"]
    assert main([*argv, "--burn-in", "10", "--quiet", "--out", str(samples)]) == 0
    drawn = np.load(samples)
    assert drawn.shape == (2, 7, 4) and drawn.min() >= 0 and drawn.max() <= 0.01 + 1e-9
    assert main(["average-power", "--samples", str(samples), "--out", str(ap)]) == 0
    assert np.allclose(np.load(ap), drawn.mean(1))
    capsys.readouterr()
    assert main(["evaluate", "--networks", str(nets), "--samples", str(ap), "--f-min", "0.5", "--exact"]) == 0
    assert "p5" in json.loads(capsys.readouterr().out)


def test_dual_time_sharing_round_trip(tmp_path, capsys):
    """drop -> expert -> dual-time-sharing: the played samples are pool samples, one per window, as the
    library plays them; a pool that is not [B, S, N] is refused."""
    nets, samples, played = tmp_path / "nets.npz", tmp_path / "samples.npy", tmp_path / "played.npy"
    main(["drop", "--num-networks", "2", "--num-pairs", "4", "--density", "10", "--out", str(nets)])
    argv = ["expert", "--networks", str(nets), "--f-min", "0.5", "--num-samples", "7", "--iterations", "40"]
    main([*argv, "--burn-in", "10", "--quiet", "--out", str(samples)])
    capsys.readouterr()
    argv = ["dual-time-sharing", "--networks", str(nets), "--samples", str(samples), "--f-min", "0.5"]
    assert main([*argv, "--margin", "0.1", "--slots", "50", "--out", str(played)]) == 0
    assert json.loads(capsys.readouterr().out)["shape"] == [2, 10, 4]
    gains = load_gains(nets)
    pool = torch.from_numpy(np.load(samples)).to(gains.dtype)
    expected = dual_time_sharing(
        gains, pool, 0.5, RadioConfig(), EvaluationConfig(num_slots=50), DualTimeSharingConfig(margin=0.1)
    )
    assert np.allclose(np.load(played), expected.numpy())
    np.save(tmp_path / "flat.npy", np.load(samples)[:, 0])
    argv[4] = str(tmp_path / "flat.npy")
    assert main([*argv, "--out", str(played)]) == 2
    assert "samples must be a pool [B, S, N]" in capsys.readouterr().err


def test_expert_bad_input(tmp_path, capsys):
    nets = tmp_path / "nets.npz"
    main(["drop", "--num-networks", "1", "--num-pairs", "3", "--density", "10", "--out", str(nets)])
    out = str(tmp_path / "s.npy")
    assert main(["expert", "--networks", str(nets), "--f-min", "-1", "--quiet", "--out", out]) == 2
    assert "f_min" in capsys.readouterr().err
    argv = ["expert", "--networks", str(nets), "--f-min", "0.5", "--num-samples", "50", "--iterations", "20"]
    assert main([*argv, "--quiet", "--out", out]) == 2
    assert "num_samples" in capsys.readouterr().err


def test_cli_train_and_sample(profile, tmp_path, capsys, monkeypatch):
    import gsdiff.cli.commands as cli

    profile = replace(profile, f_min=0.5)  # sampling is chosen at f_min: one of the dataset's levels
    monkeypatch.setattr(cli, "get_profile", lambda name: profile)
    model, chosen = tmp_path / "model.pt", tmp_path / "chosen.pt"
    train = ["train", "--profile", "ci", "--cache-dir", str(tmp_path / "c"), "--quiet"]
    work = ["--work-dir", str(tmp_path / "work")]
    assert main([*train, *work, "--out", str(model), "--keep-sampling"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["out"] == str(model) and printed["sampling"] == "the profile's"
    assert DiffusionPolicy.load(model).sampling == profile.sampling
    # Without --keep-sampling (the run resumes finished): the setting chosen on validation is stored, the
    # same that choose-sampling stores for the first checkpoint.
    assert main([*train, *work, "--out", str(chosen)]) == 0
    label = json.loads(capsys.readouterr().out)["sampling"]
    stored = DiffusionPolicy.load(chosen)
    assert stored.sampling.label == label == stored.checkpoint_info["sampling_choice"]["label"]
    assert stored.sampling.margin in profile.tuning.margins
    again = tmp_path / "again.pt"
    choose = ["choose-sampling", "--profile", "ci", "--cache-dir", str(tmp_path / "c")]
    assert main([*choose, "--checkpoint", str(model), "--out", str(again)]) == 0
    assert json.loads(capsys.readouterr().out)["label"] == label
    assert DiffusionPolicy.load(again).fingerprint() == stored.fingerprint()
    # no choice at an f_min the dataset lacks: refused before training, naming the way out
    assert main([*train, "--set", "f_min=0.6", "--out", str(tmp_path / "x.pt")]) == 2
    assert "not one of the dataset's levels f_mins = [0.5, 0.7]" in capsys.readouterr().err
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
    assert main([*argv, "--initial-noise", "gaussian", "--out", str(gaussian)]) == 0
    assert not np.array_equal(np.load(gaussian), np.load(out))
    assert main([*argv, "--margin", "-1", "--out", str(margin)]) == 2
    assert "f_min + margin must be >= 0" in capsys.readouterr().err
    student = tmp_path / "student.pt"
    distill = ["distill", "--profile", "ci", "--cache-dir", str(tmp_path / "c"), "--teacher", str(chosen)]
    assert main([*distill, "--student-steps", "1", "--num-steps", "2", "--out", str(student), "--quiet"]) == 0
    printed = json.loads(capsys.readouterr().out)
    saved = DiffusionPolicy.load(student)
    halved = replace(stored.sampling, sampler="ddim", steps=1, eta=0.0, timestep_spacing="trailing")
    assert saved.sampling == replace(halved, margin=saved.sampling.margin) and printed["sampling"] == (
        saved.sampling.label
    )
    choice = saved.checkpoint_info["sampling_choice"]  # the margin chosen to keep the teacher's quality
    assert (
        saved.sampling.margin in get_profile("ci").tuning.margins and choice["label"] == printed["sampling"]
    )
    assert choice["reference"] == DiffusionPolicy.load(chosen).fingerprint()
    assert printed["keeps_quality"] == choice["keeps_quality"]
    assert main([*distill, "--student-steps", "0", "--out", str(student)]) == 2
    assert "student_steps must be an integer >= 1, got 0" in capsys.readouterr().err


def test_cli_sample_uses_the_checkpoints_setting_unless_a_flag_says_otherwise(tmp_path, capsys):
    """A checkpoint carries its sampling setting (the one chosen on validation when it is shipped): no flag
    samples with it, a given flag overrides that field alone, and 0 is a value, not "not given"."""
    from gsdiff.config import DenoiserConfig, DiffusionConfig, GraphConfig, SamplingSetting

    stored = SamplingSetting(steps=3, margin=0.1, power_levels=3)
    torch.manual_seed(0)
    policy = DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2),
        DiffusionConfig(num_train_steps=20),
        RADIO,
        GraphConfig(),
        sampling=stored,
    )
    model, nets = tmp_path / "model.pt", tmp_path / "nets.npz"
    policy.save(model)
    main(["drop", "--num-networks", "2", "--num-pairs", "6", "--density", "10", "--out", str(nets)])
    capsys.readouterr()
    argv = [
        "sample",
        "--checkpoint",
        str(model),
        "--networks",
        str(nets),
        "--f-min",
        "0.6",
        "--num-samples",
        "4",
    ]
    gains = load_gains(nets)

    def sampled(*flags: str, expected: SamplingSetting) -> None:
        out = tmp_path / "s.npy"
        status, printed, _ = run(capsys, *argv, *flags, "--out", str(out))
        direct = policy.sample(gains, 0.6, 4, expected, generator=torch.Generator().manual_seed(0))
        assert status == 0 and printed["sampling"] == expected.label
        np.testing.assert_allclose(np.load(out), direct.numpy(), atol=1e-9)

    sampled(expected=stored)
    sampled("--margin", "0", expected=SamplingSetting(steps=3, margin=0.0, power_levels=3))
    sampled(
        "--sampler",
        "unipc",
        "--timestep-spacing",
        "trailing",
        expected=replace(stored, sampler="unipc", timestep_spacing="trailing"),
    )
    status, _, error = run(capsys, *argv, "--memory-gb", "1e-9", "--out", str(tmp_path / "x.npy"))
    assert status == 2 and "--top-k" in error and "memory_gb = 1e-09" in error
    sampled(
        "--steps", "2", "--power-levels", "5", expected=SamplingSetting(steps=2, margin=0.1, power_levels=5)
    )


def test_large_network_flags(tmp_path, capsys):
    """The mean-field expert, mean-field evaluation and dual time-sharing, and top-k sampling graphs."""
    from gsdiff.solvers import run_expert
    from gsdiff.wireless import asymptotic_rates

    nets, samples = tmp_path / "nets.npz", tmp_path / "s.npy"
    run(capsys, "drop", "--num-networks", "1", "--num-pairs", "12", "--density", "10", "--out", str(nets))
    argv = ["expert", "--networks", str(nets), "--f-min", "0.5", "--iterations", "60", "--num-samples", "5"]
    status, _, _ = run(
        capsys, *argv, "--burn-in", "10", "--interferers", "4", "--quiet", "--out", str(samples)
    )
    assert status == 0
    gains = load_gains(nets)
    config = ExpertConfig(num_iterations=60, burn_in=10, num_samples=5, interferers=4)
    assert np.allclose(np.load(samples), run_expert(gains, 0.5, RADIO, config, seed=0).samples_w.numpy())
    evaluate = ["evaluate", "--networks", str(nets), "--samples", str(samples), "--f-min", "0.5"]
    status, out, _ = run(capsys, *evaluate, "--exact", "--interferers", "11")
    exact = asymptotic_rates(gains.double(), torch.from_numpy(np.load(samples)).double(), RADIO)
    assert status == 0 and out["mean"] == pytest.approx(exact.mean().item(), rel=1e-9)
    status, _, err = run(capsys, *evaluate, "--interferers", "4")
    assert status == 2 and "--interferers applies to --exact" in err
    played = tmp_path / "played.npy"
    status, _, _ = run(capsys, "dual-time-sharing", "--networks", str(nets), "--samples", str(samples),
                       "--f-min", "0.5", "--interferers", "4", "--out", str(played))  # fmt: skip
    assert status == 0 and np.load(played).shape == (1, 100, 12)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sweep", "problem", "-p", "fmin", "0.7"], "problem: unknown parameter 'fmin'; its parameters are"),
        (["sweep", "problem", "-p", "seed", "1.5"], "parameter seed must be an integer"),
        (["sweep", "problem", "-p", "seed"], "-p seed needs at least one value"),
        (["sweep", "problme", "-p", "seed", "1"], "chapter must be one of"),
        (["sweep", "problem", "-p", "seed", "1", "--jobs", "0"], "jobs must be"),
    ],
)
def test_sweep_bad_input(tmp_path, capsys, args, message):
    assert main([*args, "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err


def test_dataset_command_and_profile_settings(tmp_path, capsys):
    """gsdiff dataset builds the cells --set describes; bad settings name the setting."""
    settings = ["num_pairs=4", "densities_per_km2=[10.0]", "num_networks_per_density=8"]
    settings += ["expert.num_iterations=20", "expert.burn_in=5", "expert.num_samples=4"]
    tiny = [f"--set={setting}" for setting in settings]
    argv = ["dataset", "--profile", "ci", *tiny, "--cache-dir", str(tmp_path), "--quiet"]
    assert main([*argv, "--splits", "test"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cells"] == 1 and out["processes"] == 1  # one density, one level (ci), one split
    assert len(list(tmp_path.glob("expert-*/cell-*.pt"))) == 1
    assert main(argv) == 0 and json.loads(capsys.readouterr().out)["cells"] == 3
    # --pairs: the dataset training on train_pairs reads, in its own cache folder
    assert main([*argv, "--pairs", "6", "--splits", "validation"]) == 0
    key = json.loads(capsys.readouterr().out)["key"]
    networks = torch.load(tmp_path / f"expert-{key}" / "networks-d0.pt", weights_only=True)["gains"]
    assert networks.shape == (8, 6, 6)  # max(8, round(8 x 4 / 6)) networks of 6 pairs
    assert len(list(tmp_path.glob("expert-*"))) == 2
    for bad, message in (
        (["--pairs", "1"], "num_pairs must be an integer >= 2"),
        (["--set", "num_pairs"], "--set needs NAME=VALUE"),
        (["--set", "train.num_step=3"], "unknown setting 'train.num_step'"),
        (["--set", "num_pairs=1"], "num_pairs must be an integer >= 2"),
        (["--device", "tpu"], "device must be one of cpu, cuda"),
    ):
        assert main([*argv, *bad]) == 2
        assert message in capsys.readouterr().err
