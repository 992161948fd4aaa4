# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Parameter sweeps
#
# Every chapter is a notebook with one cell of parameters and records its key results by name, so a
# question like "how do the baselines' tails move with the network size?" is a sweep: run a chapter for
# every combination of parameter values, and read one table. From a shell,
#
# ```bash
# gsdiff sweep simulator --profile ci -p num_pairs 25 50 100 -p seed 1 2 --out sweeps/simulator --jobs 2
# ```
#
# runs the shipped notebook of the simulator chapter with papermill for each of the 3 × 2 combinations,
# writes each executed notebook under `sweeps/simulator/runs/`, and the table to `results.csv` and
# `results.json`: one row per run, with every parameter the chapter used (its defaults included) and every
# value it recorded. A misspelled or mistyped parameter is refused before anything runs; a run that fails
# is a row with its error and the others still run; running the same command again skips the runs already
# done. This page runs that sweep with `gsdiff.notebooks.run_sweep`, the function behind the command.

# %% tags=["colab-install", "hide-output"]
# Installs gsdiff on Colab: `gsdiff.notebooks.to_notebook` fills this cell in the shipped notebooks.

# %%
import tempfile
from pathlib import Path

from IPython.display import Markdown, display

from gsdiff.notebooks import open_chapter, record, run_sweep
from gsdiff.viz import markdown_table, show, sweep_figure

# %% tags=["parameters"]
# Parameters of this chapter (papermill: -p NAME VALUE; unknown names and wrong types are refused)
profile = "book"  # the swept chapter's profile: "ci" (tiny), "book" (default), "paper" (GPU scale)
num_pairs = [25, 50, 100]  # the simulator chapter's num_pairs values swept
seeds = [1, 2]  # the simulator chapter's seed values swept
jobs = 2  # runs at a time (each kernel gets its share of the cores)
out = ""  # folder of the sweep; empty: a temporary folder

# %%
chapter = open_chapter(globals())  # checks and records the parameters; the profile is the swept chapter's

# %%
folder = Path(out or tempfile.mkdtemp(prefix="gsdiff-sweep-"))
options = {"num_pairs": num_pairs, "seed": seeds}
rows = run_sweep("simulator", options, folder, profile=profile, jobs=jobs, timeout_s=900, progress=False)
values = ["baselines.full_power.p5", "baselines.wmmse.p5", "baselines.wmmse.mean"]
header = ["num_pairs", "seed", "status", "seconds", *values]
table = [
    [r["num_pairs"], r["seed"], r["status"], r["seconds"], *(f"{r.get(v, float('nan')):.3f}" for v in values)]
    for r in rows
]
display(Markdown(markdown_table(header, table)))

# %% [markdown]
# **Table.** The sweep's `results.csv`, a few of its columns: each run's parameters, status, wall time and
# three of the values the simulator chapter records (`baselines.<policy>.<metric>`, bits/s/Hz, over the
# profile's fading slots).

# %%
show(sweep_figure(rows, "num_pairs", ["baselines.full_power.p5", "baselines.wmmse.p5"], by="seed"))
failed = sum(r["status"] != "ok" for r in rows)
record("runs", len(rows))
record("failed_runs", failed)
record("sweep_seconds", round(chapter.seconds))
record("columns", len(rows[0]))
record("jobs", jobs)

# %% [markdown]
# **Figure.** The 5th percentile of the users' ergodic rates under full power and WMMSE against the number
# of pairs per network, one line per seed. The drop density is the same at every size (more pairs, a
# larger area), so the difference between the seeds' lines is the randomness of the drops, which a sweep
# over seeds measures in the same call.
# The sweep ran {glue:text}`runs` runs ({glue:text}`failed_runs` failed) in {glue:text}`sweep_seconds` s with
# {glue:text}`jobs` at a time; its table has {glue:text}`columns` columns.

# %%
chapter.finish()
