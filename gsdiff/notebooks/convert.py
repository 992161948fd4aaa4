"""Chapters as notebooks: a Jupytext source (``book/<chapter>.py``) to an output-free ``.ipynb`` whose
first code cell installs gsdiff on Colab.

Every chapter has one cell tagged ``colab-install`` holding only a comment; the conversion fills it from
one template with the package source set in ``_config.yml`` (``repository.url`` and ``repository.branch``:
``gsdiff @ git+<url>@<branch>``, pinned to that branch, tag or commit). With no public repository
configured the cell installs a wheel uploaded to the Colab session (``make wheel`` builds it) and says so
when there is none. Outside Colab the cell does nothing. The book build, ``make notebooks`` (the shipped
copies in ``gsdiff/notebooks/chapters/``) and the CI check that they are in sync all use ``to_notebook``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["INSTALL_TAG", "KERNELSPEC", "install_code", "package_source", "to_notebook"]

INSTALL_TAG = "colab-install"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

_TEMPLATE = """\
# On Colab this cell installs gsdiff (and keeps Colab's own torch); elsewhere it does nothing.
import sys

GSDIFF_SOURCE = {source!r}  # from _config.yml (repository.url, repository.branch); empty: a wheel
if "google.colab" in sys.modules:
    import glob
    import subprocess

    wheels = sorted(glob.glob("/content/gsdiff-*.whl") + glob.glob("gsdiff-*.whl"))
    if not (GSDIFF_SOURCE or wheels):
        raise RuntimeError(
            "No public gsdiff repository is configured for this book: build the wheel with `make wheel` "
            "(dist/gsdiff-<version>-py3-none-any.whl), upload it to this session (Files pane), run again."
        )
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", GSDIFF_SOURCE or wheels[-1]], check=True)
"""


def package_source(config: dict) -> str:
    """The pip requirement of gsdiff that a book's ``_config.yml`` (parsed) names, or "" for none."""
    repository = config.get("repository") or {}
    url = (repository.get("url") or "").strip()
    if not url:
        return ""
    branch = (repository.get("branch") or "main").strip()
    return f"gsdiff @ git+{url}@{branch}"


def install_code(source: str) -> str:
    """The install cell's code for a pip requirement (see the module docstring)."""
    return _TEMPLATE.format(source=source)


def to_notebook(chapter: str | Path, source: str):
    """The chapter as an output-free notebook (an ``nbformat`` node) with its install cell filled."""
    import jupytext

    nb = jupytext.read(Path(chapter))
    nb.metadata["kernelspec"] = KERNELSPEC
    nb.metadata.pop("jupytext", None)
    filled = 0
    for k, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{k:03d}"  # stable ids: the shipped copies change only when the chapter does
        if INSTALL_TAG in cell.get("metadata", {}).get("tags", []):
            cell.source = install_code(source)
            filled += 1
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    if filled != 1:
        raise ValueError(f"{chapter} must have exactly one cell tagged {INSTALL_TAG!r}, found {filled}")
    return nb
