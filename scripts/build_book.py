#!/usr/bin/env python
"""Execute the book's chapters with papermill, then build the offline HTML book.

Chapters are the jupytext ``.py`` files under ``book/`` that ``_toc.yml`` lists. Each is converted to
``.ipynb`` and executed (with ``GSDIFF_BOOK=1`` in the kernel's environment) into a staging tree
``_build/executed/`` that mirrors the repository; the book's other sources are copied beside them, and
``jupyter-book`` builds the staged tree into ``_build/html``. Sphinx warnings fail the build.

A chapter may write files for its page into ``$GSDIFF_BOOK_STATIC/<name>/`` (the in-browser sampler's model
and data, ``gsdiff.viz.show_browser_sampler``); they are served from ``_static/generated/<name>/``, beside
onnxruntime-web's WASM build (``_static/vendor/onnxruntime-web/``, from ``make vendor``).

    python scripts/build_book.py --profile book
    python scripts/build_book.py --profile ci --only problem -p seed 3 --no-html
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

import nbformat
import papermill
import yaml

from gsdiff.notebooks import MARKER, check_names, declared_parameters, package_source, to_notebook

ROOT = Path(__file__).resolve().parents[1]
STAGE = Path("_build") / "executed"
# Files the chapters write for their pages ($GSDIFF_BOOK_STATIC), staged as _static/generated/; outside the
# staged _static/, which stage_sources replaces.
GENERATED = STAGE / "_generated"
# onnxruntime-web from npm (book/vendor/package-lock.json): the WASM-only ES module build, as .mjs files that
# jupyter-book does not add to every page (it loads every .js under _static/).
ORT_DIST = Path("book") / "vendor" / "node_modules" / "onnxruntime-web" / "dist"
ORT_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")


def toc_entries(toc: Any) -> list[str]:
    """Every ``root``/``file`` entry of a parsed ``_toc.yml``, in reading order."""
    found: list[str] = []
    if isinstance(toc, dict):
        for key, value in toc.items():
            if key in ("root", "file") and isinstance(value, str):
                found.append(value)
            else:
                found += toc_entries(value)
    elif isinstance(toc, list):
        for item in toc:
            found += toc_entries(item)
    return found


def chapters(root: Path = ROOT) -> list[Path]:
    """The jupytext chapters (``book/*.py``) listed in ``_toc.yml``, relative to ``root``."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    paths = [Path(entry).with_suffix(".py") for entry in toc_entries(toc)]
    return [p for p in paths if p.parts[0] == "book" and (root / p).is_file()]


def book_config(root: Path = ROOT) -> dict:
    """The parsed ``_config.yml``."""
    return yaml.safe_load((root / "_config.yml").read_text())


def declared(chapter: Path, root: Path = ROOT) -> dict[str, Any]:
    """The parameters (name -> default) that a chapter's parameters cell declares."""
    cells = [cell.source for cell in to_notebook(root / chapter, "").cells if cell.cell_type == "code"]
    defaults, _ = declared_parameters(cells)
    if not defaults:
        raise ValueError(f"{chapter} has no parameters cell (a code cell starting with {MARKER!r})")
    return defaults


def parse_value(text: str) -> Any:
    """A ``-p`` value as a Python literal (int, float, bool, None, list...) or else a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


@contextmanager
def book_environment(root: Path = ROOT) -> Iterator[None]:
    """Set ``GSDIFF_BOOK=1`` and ``GSDIFF_BOOK_STATIC`` (the folder of ``GENERATED`` files) for the kernels
    started inside, and restore the caller's environment."""
    values = {"GSDIFF_BOOK": "1", "GSDIFF_BOOK_STATIC": str(root / GENERATED)}
    old = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in old.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


def execute_chapter(chapter: Path, parameters: dict[str, Any], root: Path = ROOT) -> float:
    """Convert ``chapter`` to a notebook in the staging tree and execute it; return seconds taken."""
    out = root / STAGE / chapter.with_suffix(".ipynb")
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(to_notebook(root / chapter, package_source(book_config(root))), out)
    start = time.perf_counter()
    with book_environment(root):
        papermill.execute_notebook(
            str(out),
            str(out),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(out.parent),
            progress_bar=False,
        )
    return time.perf_counter() - start


def plotly_js() -> Path:
    """The ``plotly.min.js`` bundled with the installed plotly package."""
    bundled = Path(str(files("plotly"))) / "package_data" / "plotly.min.js"
    if bundled.is_file():
        return bundled
    return next(Path(str(files("plotly"))).rglob("plotly.min.js"))


def stage_sources(root: Path = ROOT) -> Path:
    """Copy the book's non-notebook sources into the staging tree; return the staging root."""
    stage = root / STAGE
    (stage / "book").mkdir(parents=True, exist_ok=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy2(root / name, stage / name)
    for md in (root / "book").glob("*.md"):
        shutil.copy2(md, stage / "book" / md.name)
    # book/_static becomes the staged root _static/, which jupyter-book adds to html_static_path
    # and whose .css/.js files it loads on every page.
    for src, dst in (
        (root / "book" / "_ext", stage / "book" / "_ext"),
        (root / "book" / "_static", stage / "_static"),
    ):
        shutil.rmtree(dst, ignore_errors=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "plotly.min.js"))
    (stage / "_static").mkdir(exist_ok=True)
    shutil.copy2(plotly_js(), stage / "_static" / "plotly.min.js")
    if (root / GENERATED).is_dir():
        shutil.copytree(root / GENERATED, stage / "_static" / "generated")
    vendor = stage / "_static" / "vendor" / "onnxruntime-web"
    vendor.mkdir(parents=True)
    for name in ORT_FILES:
        if not (root / ORT_DIST / name).is_file():
            raise FileNotFoundError(f"{ORT_DIST / name} is missing: `make vendor` installs it (npm ci)")
        shutil.copy2(root / ORT_DIST / name, vendor / name)
    return stage


def build_html(root: Path = ROOT) -> int:
    """Build ``_build/html`` from the staged tree; warnings are errors. Return the exit code."""
    stage = stage_sources(root)
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [
        str(jb) if jb.exists() else "jupyter-book",
        "build",
        str(stage),
        "--path-output",
        str(root),
        "--all",
        "--warningiserror",
        "--keep-going",
    ]
    print("+", " ".join(cmd), flush=True)
    return subprocess.run(cmd, cwd=root).returncode


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--profile", default="book", help="value of the chapters' `profile` parameter")
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="extra papermill parameter (value parsed as a Python literal, else a string)",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="CHAPTER",
        help="execute only this chapter (name like `problem`; repeatable)",
    )
    parser.add_argument("--no-html", action="store_true", help="execute chapters but do not build HTML")
    args = parser.parse_args(argv)

    parameters = {"profile": args.profile, **{name: parse_value(value) for name, value in args.parameter}}
    todo = chapters()
    if args.only:
        wanted = {Path(name).stem for name in args.only}
        unknown = wanted - {c.stem for c in todo}
        if unknown:
            parser.error(f"not a chapter in _toc.yml: {', '.join(sorted(unknown))}")
        todo = [c for c in todo if c.stem in wanted]

    for chapter in todo:  # every name must be one this chapter declares, before anything runs
        try:
            check_names(parameters, declared(chapter), chapter.stem)
        except ValueError as error:
            parser.error(str(error))

    timings_path = ROOT / STAGE / "timings.json"
    # A partial run (--only) keeps the other chapters' earlier timings.
    timings = json.loads(timings_path.read_text()) if args.only and timings_path.is_file() else {}
    failed: list[str] = []
    print(f"executing {len(todo)} chapter(s) with parameters {parameters}", flush=True)
    for i, chapter in enumerate(todo, 1):
        print(f"[{i}/{len(todo)}] {chapter} ...", flush=True)
        try:
            seconds = execute_chapter(chapter, parameters)
        except papermill.PapermillExecutionError as err:
            failed.append(str(chapter))
            print(
                f"[{i}/{len(todo)}] {chapter} FAILED in cell {err.exec_count}: {err.ename}: {err.evalue}",
                flush=True,
            )
            continue
        timings[str(chapter)] = round(seconds, 2)
        print(f"[{i}/{len(todo)}] {chapter} done in {seconds:.1f} s", flush=True)
    timings_path.parent.mkdir(parents=True, exist_ok=True)
    timings_path.write_text(json.dumps(timings, indent=2) + "\n")
    if failed:
        print(f"failed chapters: {', '.join(failed)}; executed notebooks are in {STAGE}", file=sys.stderr)
        return 1
    if args.no_html:
        return 0
    code = build_html()
    print("HTML book:" if code == 0 else "HTML build FAILED:", ROOT / "_build" / "html" / "index.html")
    return code


if __name__ == "__main__":
    sys.exit(main())
