"""Chapters to shipped notebooks: the install cell from one setting, stable ids, no outputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gsdiff.notebooks import INSTALL_TAG, install_code, package_source, to_notebook

ROOT = Path(__file__).resolve().parents[2]

CHAPTER = """# %% [markdown]
# # A chapter

# %% tags=["colab-install", "hide-output"]
# filled by to_notebook

# %%
x = 1
"""


def test_package_source_pins_the_configured_repository() -> None:
    assert package_source({}) == ""
    assert package_source({"repository": {"url": " ", "branch": "v1"}}) == ""
    config = {"repository": {"url": "https://github.com/o/gsdiff", "branch": "v0.3.0"}}
    assert package_source(config) == "gsdiff @ git+https://github.com/o/gsdiff@v0.3.0"
    assert package_source({"repository": {"url": "https://x/y"}}) == "gsdiff @ git+https://x/y@main"


def test_to_notebook_fills_the_install_cell_and_is_reproducible(tmp_path: Path) -> None:
    path = tmp_path / "chapter.py"
    path.write_text(CHAPTER)
    nb = to_notebook(path, "gsdiff @ git+https://x/y@abc")
    install = [c for c in nb.cells if INSTALL_TAG in c.metadata.get("tags", [])]
    assert len(install) == 1 and install[0].source == install_code("gsdiff @ git+https://x/y@abc")
    assert "'gsdiff @ git+https://x/y@abc'" in install[0].source
    assert [c.id for c in nb.cells] == [c.id for c in to_notebook(path, "").cells]
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_to_notebook_needs_exactly_one_install_cell(tmp_path: Path) -> None:
    path = tmp_path / "chapter.py"
    path.write_text(CHAPTER.replace('"colab-install", ', ""))
    with pytest.raises(ValueError, match="exactly one cell tagged 'colab-install', found 0"):
        to_notebook(path, "")


def test_install_cell_without_a_source_or_wheel_says_how_to_install(tmp_path: Path) -> None:
    code = (
        "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')\n"
        + install_code("")
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert run.returncode != 0 and "make wheel" in run.stderr and "upload it" in run.stderr


def test_install_cell_outside_colab_does_nothing(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-c", install_code("")], cwd=tmp_path, capture_output=True)
    assert run.returncode == 0


def test_shipped_notebooks_are_in_sync_with_the_chapters() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "sync_notebooks.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
