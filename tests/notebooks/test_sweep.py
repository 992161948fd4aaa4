"""The sweep runner: a grid over a chapter, in parallel, one row per run with its parameters and records,
failed runs kept as rows, reruns skipping what is done, unknown names refused before anything runs."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from gsdiff.notebooks import grid, run_sweep

CHAPTER = """# %% tags=["colab-install"]
# install

# %%
from gsdiff.notebooks import chapter_parameters, record

# %% tags=["parameters"]
# Parameters of this chapter
scale = 1.0  # a number
label = "a"  # a string
depth = 2  # an integer

# %%
parameters = chapter_parameters(globals())
record("parameters", parameters)
if label == "fail":
    raise RuntimeError("asked to fail")
record("value", scale * depth)
"""


def test_grid_is_the_cartesian_product_first_name_slowest() -> None:
    assert grid({"a": [1, 2], "b": ["x", "y"]}) == [
        {"a": 1, "b": "x"},
        {"a": 1, "b": "y"},
        {"a": 2, "b": "x"},
        {"a": 2, "b": "y"},
    ]


@pytest.mark.slow
def test_sweep_runs_a_grid_writes_the_table_and_resumes(tmp_path: Path) -> None:
    chapter = tmp_path / "toy.py"
    chapter.write_text(CHAPTER)
    out = tmp_path / "sweep"
    options = {"scale": [0.5, 2.0], "label": ["a", "b", "fail"]}
    rows = run_sweep(chapter, options, out, jobs=2, timeout_s=120, progress=False)
    assert [(r["scale"], r["label"]) for r in rows] == [
        (s, x) for s in (0.5, 2.0) for x in ("a", "b", "fail")
    ]
    for row in rows:
        assert row["depth"] == 2  # the default, as the chapter used it
        if row["label"] == "fail":
            assert row["status"] == "error" and "asked to fail" in row["error"] and "value" not in row
        else:
            assert row["status"] == "ok" and row["value"] == row["scale"] * 2 and row["seconds"] > 0
    table = list(csv.DictReader((out / "results.csv").open()))
    assert [t["scale"] for t in table] == ["0.5"] * 3 + ["2.0"] * 3 and table[0]["value"] == "1.0"
    assert json.loads((out / "results.json").read_text()) == rows
    done = {p: p.stat().st_mtime_ns for p in (out / "runs").glob("*.ipynb")}
    assert len(done) == 6
    again = run_sweep(chapter, options, out, jobs=2, timeout_s=120, progress=False)
    assert [r["status"] for r in again] == [r["status"] for r in rows]
    changed = [p for p, t in done.items() if p.stat().st_mtime_ns != t]
    assert sorted(p.name for p in changed) == sorted(  # only the failed runs ran again
        p.name for p in done if json.loads(p.with_suffix(".json").read_text())["status"] == "error"
    )


def test_sweep_refuses_unknown_names_and_wrong_types_before_running(tmp_path: Path) -> None:
    chapter = tmp_path / "toy.py"
    chapter.write_text(CHAPTER)
    with pytest.raises(
        ValueError, match="toy: unknown parameter 'scael'; its parameters are depth, label, scale"
    ):
        run_sweep(chapter, {"scael": [1.0]}, tmp_path / "out", progress=False)
    with pytest.raises(ValueError, match="parameter depth must be an integer"):
        run_sweep(chapter, {"depth": [1, 2.5]}, tmp_path / "out", progress=False)
    assert not list((tmp_path / "out" / "runs").glob("*.ipynb"))


def test_sweep_names_the_chapters_it_knows(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="chapter must be one of .*problem.*; got 'problme'"):
        run_sweep("problme", {"seed": [1]}, tmp_path, progress=False)
