"""The shipped notebooks run in kernels without a front end, and as Colab runs them.

- Plain papermill (no ``GSDIFF_BOOK``, a cell timeout so that a hang fails instead of waiting forever):
  every chapter once under the ``ci`` profile, and the chapter with live widgets ten times in a row (its
  panel's display used to leave papermill waiting for an idle message in about half of the runs).
- Colab, emulated: the wheel installed into a fresh venv beside torch, a ``google.colab`` module present,
  and the shipped notebooks executed from a folder outside the repository, whose install cell installs the
  wheel uploaded beside them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gsdiff.notebooks import CHAPTERS_DIR, records_of

ROOT = Path(__file__).resolve().parents[2]
CELL_TIMEOUT_S = 300
WIDGET_CHAPTER, WIDGET_RUNS = "problem", 10

pytestmark = pytest.mark.book


def _plain_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "GSDIFF_BOOK"}
    env.setdefault("OMP_NUM_THREADS", "2")
    return env


def _papermill(python: Path, notebook: Path, out: Path, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    code = (
        "import sys, papermill\n"
        "papermill.execute_notebook(sys.argv[1], sys.argv[2], parameters={'profile': 'ci'}, "
        f"kernel_name='python3', progress_bar=False, execution_timeout={CELL_TIMEOUT_S})\n"
    )
    cmd = [str(python), "-c", code, str(notebook), str(out)]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)


def _shipped() -> list[str]:
    return sorted(p.stem for p in CHAPTERS_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("chapter", _shipped())
def test_chapter_runs_under_plain_papermill(chapter: str, tmp_path: Path) -> None:
    runs = WIDGET_RUNS if chapter == WIDGET_CHAPTER else 1
    for run in range(runs):
        out = tmp_path / f"{chapter}-{run}.ipynb"
        proc = _papermill(
            Path(sys.executable), CHAPTERS_DIR / f"{chapter}.ipynb", out, _plain_environment(), tmp_path
        )
        assert proc.returncode == 0, f"run {run + 1} of {runs}:\n{proc.stderr[-4000:]}"
        recorded = records_of(out)
        assert recorded["parameters"]["profile"] == "ci" and recorded["seconds"] > 0


def test_a_misspelled_parameter_fails_with_the_known_names(tmp_path: Path) -> None:
    code = (
        "import sys, papermill\n"
        "papermill.execute_notebook(sys.argv[1], sys.argv[2], parameters={'profile': 'ci', 'fmin': 0.7}, "
        "kernel_name='python3', progress_bar=False, execution_timeout=120)\n"
    )
    notebook = CHAPTERS_DIR / "problem.ipynb"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(notebook), str(tmp_path / "out.ipynb")],
        cwd=tmp_path,
        env=_plain_environment(),
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert (
        "unknown parameter 'fmin': this chapter's parameters are cross_gains_db, direct_gain_db, f_min"
        in (proc.stderr)
    )


COLAB_CHAPTERS = ("problem", "expert")


def test_shipped_notebooks_run_as_on_colab(tmp_path: Path) -> None:
    dist, source = tmp_path / "dist", tmp_path / "source"  # built from a copy: no build/ left in the repo
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "gsdiff", source / "gsdiff", ignore=shutil.ignore_patterns("__pycache__"))
    wheel = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    assert wheel.returncode == 0, wheel.stderr[-3000:]
    (built,) = dist.glob("gsdiff-*.whl")
    venv = tmp_path / "colab-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    # What Colab has before the install cell: its own torch, IPython, a kernel and ipywidgets; papermill
    # is this test's harness, not Colab's.
    for packages in (["torch==2.13.0"], ["ipykernel", "ipywidgets", "papermill"]):
        proc = subprocess.run(pip + packages, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-3000:]
    work = tmp_path / "content"  # outside the repository, like Colab's /content
    fake = tmp_path / "fake-colab" / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        '"""Stands in for Colab\'s own module: the install cell looks for it."""\n'
    )
    work.mkdir()
    shutil.copy2(built, work / built.name)  # the wheel a Colab user uploads
    env = _plain_environment() | {"GSDIFF_CACHE": str(tmp_path / "cache")}
    env["PYTHONPATH"] = str(fake.parent.parent)
    env["IPYTHONDIR"] = str(work / "ipython")
    startup = Path(env["IPYTHONDIR"]) / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text(
        "import google.colab\n"
    )  # the kernel starts with google.colab imported
    for chapter in COLAB_CHAPTERS:
        out = work / f"{chapter}.ipynb"
        proc = _papermill(python, CHAPTERS_DIR / f"{chapter}.ipynb", out, env, work)
        assert proc.returncode == 0, f"{chapter}:\n{proc.stderr[-4000:]}"
        assert records_of(out)["seconds"] > 0
    check = subprocess.run(
        [str(python), "-c", "import gsdiff, torch; print(gsdiff.__file__, torch.__version__)"],
        capture_output=True,
        text=True,
        cwd=work,
    )
    assert str(venv) in check.stdout and "2.13.0" in check.stdout  # the wheel, beside the existing torch
