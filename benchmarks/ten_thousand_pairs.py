"""A 10,000-pair network end to end on the command line: drop, sample from the shipped U-GNN, play the
samples by dual time-sharing, and evaluate, each step a separate ``gsdiff`` process whose wall time and
peak memory (``/usr/bin/time``'s maximum resident set size) are printed as a table.

The samples are drawn with ``gsdiff sample``'s default flags: on a network larger than its training ones the
policy keeps the degree it trained with (top-19 for the U-GNN trained at N = 20), and the default chunk size
and memory guard (8 GB) hold; ``--top-k`` overrides the degree. The pooled samples'
rates in dual time-sharing and the final evaluation use each receiver's 16 strongest interferers exactly and
the rest by their mean field (``--interferers``), since exact rates over all 10^8 links per sample cost
O(N^2) each; full power is evaluated the same way for reference.

    python benchmarks/ten_thousand_pairs.py --work /tmp/ten-k            # ~15 min on 2 cores
    python benchmarks/ten_thousand_pairs.py --pairs 2000 --samples 8      # a quick look
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from gsdiff.policy import checkpoint_path


def run(step: str, argv: list[str], rows: list[str]) -> dict:
    """Run ``python -m gsdiff argv``; record its wall time and peak resident memory (``/usr/bin/time``'s
    maximum resident set size of the step's own process)."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "gsdiff", *argv]
    timed = Path("/usr/bin/time").is_file()
    proc = subprocess.run(
        (["/usr/bin/time", "-f", "%M"] if timed else []) + command, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{step} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    peak_kib = (
        int(proc.stderr.strip().splitlines()[-1])
        if timed
        else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    rows.append(f"| {step} | {seconds:.0f} | {peak_kib / 2**20:.2f} GiB |")
    print(rows[-1], flush=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=10_000)
    parser.add_argument(
        "--samples", type=int, default=20, help="samples drawn (the pool of dual time-sharing)"
    )
    parser.add_argument("--interferers", type=int, default=16)
    parser.add_argument("--top-k", type=int, default=None, help="default: gsdiff sample's own choice")
    parser.add_argument("--f-min", type=float, default=0.6)
    parser.add_argument("--work", default="/tmp/gsdiff-ten-thousand", help="folder for the files")
    args = parser.parse_args()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    nets, samples, played, fp = (work / name for name in ("nets.npz", "samples.npy", "played.npy", "fp.npy"))
    f_min = ["--f-min", str(args.f_min)]
    exact = ["--interferers", str(args.interferers)]
    rows = ["| step | seconds | peak memory |", "|---|---|---|"]
    print("\n".join(rows), flush=True)
    drop = ["drop", "--num-networks", "1", "--num-pairs", str(args.pairs), "--density", "10.1"]
    run("drop", [*drop, "--out", str(nets)], rows)
    sample = ["sample", "--checkpoint", str(checkpoint_path("book", "ugnn")), "--networks", str(nets), *f_min]
    sample += ["--num-samples", str(args.samples)] + (
        [] if args.top_k is None else ["--top-k", str(args.top_k)]
    )
    answer = run("sample (U-GNN, its stored setting)", [*sample, "--out", str(samples)], rows)
    print(f"sampled with {answer['sampling']}, {answer['neighbours_per_receiver']} neighbours per receiver")
    dual = ["dual-time-sharing", "--networks", str(nets), "--samples", str(samples), *f_min, *exact]
    run("dual time-sharing", [*dual, "--out", str(played)], rows)
    with np.load(nets) as data:
        np.save(fp, np.full(data["gains"].shape[:2], 0.01, dtype=np.float32))  # P_max = 10 mW everywhere
    scores = {}
    for name, file in (
        ("U-GNN, independent", samples),
        ("U-GNN + dual time-sharing", played),
        ("full power", fp),
    ):
        evaluate = ["evaluate", "--networks", str(nets), "--samples", str(file), *f_min, "--exact", *exact]
        scores[name] = run(f"evaluate: {name}", evaluate, rows)
    print("\n| policy | mean | p1 | p5 | meet f_min |\n|---|---|---|---|---|")
    for name, m in scores.items():
        print(f"| {name} | {m['mean']:.3f} | {m['p1']:.3f} | {m['p5']:.3f} | {m['feasible_fraction']:.1%} |")


if __name__ == "__main__":
    main()
