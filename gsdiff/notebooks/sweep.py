"""Parameter sweeps over a chapter: every combination of parameter values run with papermill, in parallel,
resumable, with one table of results.

``run_sweep`` takes a chapter (a shipped notebook by name, or a path to a ``.ipynb`` or Jupytext ``.py``)
and a grid {name: [values]}; it refuses unknown parameter names before anything runs, then executes every
combination (the Cartesian product) with papermill into ``<out>/runs/<run>.ipynb``, ``jobs`` at a time with
a progress bar, each kernel limited to its share of the cores. A run's row holds every parameter the chapter
used (defaults included, as the chapter records them), every value it recorded (``record``), its status,
seconds and error; a failed run is a row with its error and the others still run. Rows are written per
run as they finish (``<out>/runs/<run>.json``) and gathered into ``<out>/results.json`` and
``<out>/results.csv``; running the same sweep again skips the runs already done.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import os
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from importlib.resources import files
from pathlib import Path

from ..checks import check_int_at_least
from ..files import atomic_write
from .parameters import MARKER, _assigned, check_names, check_value
from .records import records_of

__all__ = ["CHAPTERS_DIR", "chapter_notebook", "notebook_parameters", "grid", "run_sweep", "write_results"]

CHAPTERS_DIR = Path(str(files("gsdiff") / "notebooks" / "chapters"))  # the shipped, output-free notebooks


def chapter_notebook(chapter: str | Path, work: Path) -> Path:
    """The notebook of a chapter: a shipped one by name, a ``.ipynb`` path, or a Jupytext ``.py`` (converted
    into ``work``)."""
    path = Path(chapter)
    if path.suffix == ".py" and path.is_file():
        import nbformat

        from .convert import to_notebook

        out = work / f"{path.stem}.ipynb"
        work.mkdir(parents=True, exist_ok=True)
        nbformat.write(to_notebook(path, ""), out)
        return out
    if path.suffix == ".ipynb" and path.is_file():
        return path
    shipped = CHAPTERS_DIR / f"{path.stem}.ipynb"
    if shipped.is_file():
        return shipped
    known = sorted(p.stem for p in CHAPTERS_DIR.glob("*.ipynb"))
    raise ValueError(
        f"chapter must be one of {', '.join(known)} or a path to a .ipynb or .py; got {chapter!r}"
    )


def notebook_parameters(notebook: Path) -> dict[str, object]:
    """The parameters (name -> default) of a notebook's parameters cell."""
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and source.lstrip().startswith(MARKER):
            return _assigned(source)
    raise ValueError(f"{notebook} has no parameters cell (a code cell starting with {MARKER!r})")


def grid(options: Mapping[str, Sequence]) -> list[dict[str, object]]:
    """Every combination of the options' values, the first name varying slowest."""
    names = list(options)
    return [
        dict(zip(names, values, strict=True)) for values in itertools.product(*(options[n] for n in names))
    ]


def _run_name(parameters: Mapping[str, object]) -> str:
    text = ",".join(f"{k}={parameters[k]!r}" for k in sorted(parameters))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _execute(notebook: str, out: str, parameters: dict, timeout_s: int, threads: int) -> dict:
    """One run (in a worker process): execute, then read the chapter's records into a row."""
    import papermill

    os.environ["OMP_NUM_THREADS"] = str(threads)  # the kernel inherits it: J runs share the cores
    start = time.perf_counter()
    tmp = Path(out).with_suffix(".partial.ipynb")
    row: dict = {"status": "ok", "error": ""}
    try:
        papermill.execute_notebook(
            notebook,
            str(tmp),
            parameters=parameters,
            kernel_name="python3",
            cwd=str(Path(out).parent),
            progress_bar=False,
            execution_timeout=timeout_s,
        )
        os.replace(tmp, out)
    except Exception as error:  # a failed run is a row with its error; the sweep goes on
        message = f"{getattr(error, 'ename', type(error).__name__)}: {getattr(error, 'evalue', error)}"
        row.update(status="error", error=message.strip().splitlines()[-1][:500])
        if tmp.exists():
            os.replace(tmp, out)
    records = records_of(out) if Path(out).exists() else {}
    used = records.pop("parameters", None)
    row.update(dict(used) if isinstance(used, dict) else parameters)
    row.update(parameters)  # what the sweep asked for, whatever the chapter recorded
    # the chapter's own "seconds" (its run time) is kept beside the run's wall time, not over it
    row.update({("chapter_seconds" if k == "seconds" else k): v for k, v in records.items()})
    row["seconds"] = round(time.perf_counter() - start, 1)
    return row


def write_results(rows: list[dict], out: Path, first: Sequence[str] = ()) -> None:
    """``results.json`` and ``results.csv`` of the rows (columns: ``first``, status, seconds, error, then
    the rest in sorted order), written atomically."""
    leading = [*first, "status", "seconds", "error"]
    rest = sorted({k for row in rows for k in row} - set(leading))
    columns = leading + rest
    atomic_write(out / "results.json", lambda f: f.write(json.dumps(rows, indent=1, default=str).encode()))
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(out / "results.csv", lambda f: f.write(text.getvalue().encode()))


def run_sweep(
    chapter: str | Path,
    options: Mapping[str, Sequence],
    out: str | Path,
    profile: str | None = None,
    jobs: int = 1,
    timeout_s: int = 3600,
    progress: bool = True,
) -> list[dict]:
    """Run the chapter at every combination of ``options`` (see the module docstring); returns the rows."""
    from tqdm.auto import tqdm

    check_int_at_least("jobs", jobs, 1)
    check_int_at_least("timeout_s", timeout_s, 1)
    out = Path(out)
    runs_dir = out / "runs"
    runs_dir.mkdir(parents=True, exist_ok=True)
    notebook = chapter_notebook(chapter, out / "source")
    known = notebook_parameters(notebook)
    fixed = {} if profile is None else {"profile": profile}
    check_names({**fixed, **options}, known, Path(chapter).stem)
    combos = [fixed | combo for combo in grid(options)]
    for combo in combos:  # types before any work, as the chapter itself checks them
        for name, value in combo.items():
            check_value(name, value, known[name])
    rows, todo = {}, []
    for combo in combos:
        name = _run_name(combo)
        done = runs_dir / f"{name}.json"
        if done.is_file() and json.loads(done.read_text()).get("status") == "ok":
            rows[name] = json.loads(done.read_text())
        else:
            todo.append((name, combo))
    threads = max(1, (os.cpu_count() or 1) // jobs)  # each kernel's share of the cores
    bar = tqdm(total=len(combos), initial=len(rows), desc=f"sweep {Path(chapter).stem}", disable=not progress)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {
            pool.submit(
                _execute, str(notebook), str(runs_dir / f"{name}.ipynb"), combo, timeout_s, threads
            ): name
            for name, combo in todo
        }
        for future in as_completed(futures):
            name = futures[future]
            row = future.result()
            atomic_write(
                runs_dir / f"{name}.json", lambda f, r=row: f.write(json.dumps(r, default=str).encode())
            )
            rows[name] = row
            bar.update(1)
    bar.close()
    ordered = [rows[_run_name(combo)] for combo in combos]
    write_results(ordered, out, first=list(options))
    return ordered
