"""Data-parallel training and the shared dataset build under torchrun: two gloo processes on the CPU follow
the one-process run, a killed rank's job resumes from the last checkpoint, under another number of
processes, and records the uninterrupted history."""

from __future__ import annotations

import ast
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gsdiff.cli import main
from gsdiff.data import load_or_build_dataset
from gsdiff.distributed import Workers

# A profile small enough for seconds per run, through the command line's --set (the ci profile underneath).
TINY = {
    "num_pairs": 5,
    "densities_per_km2": "[8.2,11.9]",
    "f_mins": "[0.5,0.7]",
    "num_networks_per_density": 8,
    "expert.num_iterations": 40,
    "expert.burn_in": 10,
    "expert.num_samples": 6,
    "denoiser.hidden": 8,
    "denoiser.depth": 2,
    "diffusion.num_train_steps": 50,
    "sampling.steps": 5,
    "train.batch_problems": 5,  # not a multiple of 2: the ranks' shards differ in size
    "train.samples_per_problem": 3,
    "train.eval_problems": 4,
    "train.eval_samples": 3,
}


# train: the runs are compared weight for weight, and the tiny profile's f_min is no dataset level
KEEP = ["--keep-sampling"]


def _args(**train) -> list[str]:
    settings = {**TINY, **{f"train.{k}": v for k, v in train.items()}}
    return ["--profile", "ci", *(f"--set={k}={v}" for k, v in settings.items()), "--quiet"]


def _torchrun(argv: list[str], processes: int = 2, **popen) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}"]
    return subprocess.Popen([*command, "-m", "gsdiff", *argv], env=env, **popen)


def _rank_pid(launcher: subprocess.Popen, rank: int, timeout_s: float = 60) -> int:
    """The process id of one rank, a child of the torchrun launcher, found by its RANK variable."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        children = Path(f"/proc/{launcher.pid}/task/{launcher.pid}/children")
        for pid in children.read_text().split() if children.exists() else []:
            try:
                environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"RANK={rank}".encode() in environ:
                return int(pid)
        time.sleep(0.05)
    raise AssertionError(f"rank {rank} did not start within {timeout_s} s")


def test_shards_cover_the_batch_once():
    for world in (1, 2, 3):
        parts = [Workers(rank, world).shard(5) for rank in range(world)]
        assert [i for part in parts for i in range(5)[part]] == list(range(5))
        assert max(p.stop - p.start for p in parts) - min(p.stop - p.start for p in parts) <= 1
    with pytest.raises(ValueError, match="cannot share 1 items among 2 processes"):
        Workers(0, 2).shard(1)
    assert [i for i in range(7) if Workers(1, 3).mine(i)] == [1, 4]


@pytest.mark.slow
def test_two_processes_build_the_dataset_and_train_as_one(tmp_path, capsys):
    """The same cells as one process; the same loss trajectory and weights as one process on the same
    global batch (to float round-off: the gradient average is a sum in another order)."""
    shared = _torchrun(["dataset", *_args(), "--cache-dir", str(tmp_path / "c2")])
    assert shared.wait(timeout=300) == 0
    assert main(["dataset", *_args(), "--cache-dir", str(tmp_path / "c1")]) == 0
    capsys.readouterr()
    from gsdiff.config import get_profile, override_profile

    settings = {k: (ast.literal_eval(v) if isinstance(v, str) else v) for k, v in TINY.items()}
    profile = override_profile(get_profile("ci"), settings)
    one, two = (load_or_build_dataset(profile, cache_dir=tmp_path / c, progress=False) for c in ("c1", "c2"))
    assert one.key == two.key and one.built == two.built
    assert torch.equal(one.samples_w, two.samples_w) and torch.equal(one.gains, two.gains)

    steps = {"num_steps": 30, "eval_every": 10, "checkpoint_every": 10}
    alone, together = tmp_path / "one.pt", tmp_path / "two.pt"
    train = ["train", *_args(**steps), *KEEP]
    assert main([*train, "--cache-dir", str(tmp_path / "c1"), "--out", str(alone)]) == 0
    run = _torchrun([*train, "--cache-dir", str(tmp_path / "c2"), "--out", str(together)])
    assert run.wait(timeout=300) == 0
    a, b = (torch.load(path, weights_only=True) for path in (alone, together))
    assert a["history"]["step"] == b["history"]["step"] == [10, 20, 30]
    for key in ("loss", "val_loss", "val_p5_margin", "val_mean_ratio"):
        assert b["history"][key] == pytest.approx(a["history"][key], rel=1e-5, abs=1e-6), key
    for name, value in a["state_dict"].items():
        assert torch.allclose(value, b["state_dict"][name], atol=1e-5), name


@pytest.mark.slow
def test_a_killed_rank_resumes_from_the_last_checkpoint_under_another_process_count(tmp_path, capsys):
    """kill -9 of rank 1 after the first checkpoint ends the job; a rerun (one process this time) resumes
    from the last checkpoint and ends with the uninterrupted run's history and weights."""
    steps = {"num_steps": 400, "eval_every": 100, "checkpoint_every": 20}
    cache = ["--cache-dir", str(tmp_path / "c")]
    reference, model = tmp_path / "reference.pt", tmp_path / "model.pt"
    assert main(["train", *_args(**steps), *KEEP, *cache, "--out", str(reference)]) == 0
    capsys.readouterr()

    last = Path(f"{model}.work") / "last.pt"
    job = _torchrun(["train", *_args(**steps), *KEEP, *cache, "--out", str(model)], stderr=subprocess.DEVNULL)
    victim = _rank_pid(job, rank=1)
    deadline = time.monotonic() + 120
    while not last.exists():  # the first checkpoint (step 20)
        assert time.monotonic() < deadline and job.poll() is None, "no checkpoint before the job ended"
        time.sleep(0.01)
    os.kill(victim, signal.SIGKILL)
    assert job.wait(timeout=120) != 0  # torchrun ends the job when a rank dies
    interrupted = torch.load(last, weights_only=True)["step"]
    assert 20 <= interrupted < 400 and not model.exists()

    assert main(["train", *_args(**steps), *KEEP, *cache, "--out", str(model)]) == 0  # resumes, one process
    a, b = (torch.load(path, weights_only=True) for path in (reference, model))
    assert b["history"]["step"] == a["history"]["step"] == [100, 200, 300, 400]
    for key in ("loss", "val_loss", "val_p5_margin", "val_mean_ratio"):
        assert b["history"][key] == pytest.approx(a["history"][key], rel=1e-5, abs=1e-6), key
    for name, value in a["state_dict"].items():
        assert torch.allclose(value, b["state_dict"][name], atol=1e-5), name
