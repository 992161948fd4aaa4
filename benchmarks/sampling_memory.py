"""Memory of sampling, measured against the estimate that guards it (``sampling_memory_gb``).

``DiffusionPolicy.sample`` refuses, before building anything, a chunk whose graph operators would need more
than ``memory_gb`` (default 8 GB): the estimate is ``BYTES_PER_EDGE_SIGNAL`` bytes per node of the chunk,
kept neighbour and gate head. Each row here is one ``gsdiff sample`` process on one dropped network, with
``/usr/bin/time``'s peak resident memory beside the estimate and beside a one-sample run of the same
network on a top-1 graph (the process, torch and the gains alone), so that the sampling's own share shows:

    python benchmarks/sampling_memory.py                       # N = 400-4000, complete and top-19 graphs
    python benchmarks/sampling_memory.py --pairs 10000 --top-k default --samples 8   # the default flags

"default" is no ``--top-k`` flag at all: the policy's own choice (its training degree on larger networks).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gsdiff.policy import DiffusionPolicy, checkpoint_path, sampling_memory_gb


def _gsdiff(argv: list[str]) -> tuple[float, float, dict]:
    """Seconds, peak resident GB and the JSON answer of ``python -m gsdiff argv``."""
    start = time.perf_counter()
    proc = subprocess.run(
        ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "gsdiff", *argv], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(f"gsdiff {' '.join(argv)} failed:\n{proc.stderr[-2000:]}")
    peak_gb = int(proc.stderr.strip().splitlines()[-1]) * 1024 / 1e9
    return time.perf_counter() - start, peak_gb, json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[400, 1000, 4000])
    parser.add_argument("--top-k", nargs="+", default=["all", "19"], help='"all", "default" or integers')
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument(
        "--steps", type=int, default=2, help="sampler steps (the memory does not grow with them)"
    )
    parser.add_argument("--kind", choices=("ugnn", "gnn"), default="ugnn")
    parser.add_argument("--memory-gb", type=float, default=1000.0, help="the guard's budget in these runs")
    args = parser.parse_args()
    checkpoint = str(checkpoint_path("book", args.kind))
    policy = DiffusionPolicy.load(checkpoint)
    print("| N | neighbours | samples | chunk nodes | estimate GB | peak GB | peak, top-1 run GB | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as work:
        for n in args.pairs:
            nets, out = Path(work) / f"nets-{n}.npz", str(Path(work) / "samples.npy")
            _gsdiff(
                [
                    "drop",
                    "--num-networks",
                    "1",
                    "--num-pairs",
                    str(n),
                    "--density",
                    "10.1",
                    "--out",
                    str(nets),
                ]
            )
            common = ["sample", "--checkpoint", checkpoint, "--networks", str(nets), "--f-min", "0.6"]
            common += ["--out", out, "--memory-gb", str(args.memory_gb)]
            _, base_gb, _ = _gsdiff([*common, "--num-samples", "1", "--top-k", "1", "--steps", "1"])
            for top_k in args.top_k:
                flags = {"all": ["--top-k", str(n - 1)], "default": []}.get(top_k, ["--top-k", top_k])
                sampling = ["--num-samples", str(args.samples), "--steps", str(args.steps)]
                seconds, peak_gb, answer = _gsdiff([*common, *sampling, *flags])
                degree = answer["neighbours_per_receiver"]
                chunk = min(args.samples, max(1, 10240 // n)) * n
                estimate = sampling_memory_gb(chunk, degree, policy.configs["denoiser"])
                print(
                    f"| {n} | {degree} | {args.samples} | {chunk} | {estimate:.2f} | {peak_gb:.2f} | "
                    f"{base_gb:.2f} | {seconds:.0f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
