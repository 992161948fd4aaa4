"""The amortization, measured: on one new network per size, the expert's time to its 200 samples (steady
state included) against the shipped policies' time to draw 200 samples, side by side in one run.

For each N: the exact expert (every interferer, O(N^2) per iteration; up to ``--dense-max`` pairs), the
mean-field expert (each receiver's ``--interferers`` strongest exact, ``gsdiff.solvers.mean_field``), and
the book's shipped U-GNN and GNN drawing ``--samples`` allocations with DDIM and the book's 20 steps, on
graphs of each receiver's ``--top-k`` strongest interferers (the training graphs' degree at N = 20, 19) or,
at the training size, the configured complete graph. Times are wall-clock seconds with the thread count
printed; the machine is shared, so read ratios measured in the same run, not absolute times across runs.
Then one denoiser forward at N = 400, B = 16 networks on a top-10 graph, dense blocks against the sparse
path (the authors' U-GNN on the same graph is timed by the note's separate script, since its code is not
part of gsdiff).

    python benchmarks/amortization.py                       # N = 20, 100, 400, 1600 (~15 min, 2 threads)
    python benchmarks/amortization.py --pairs 20 100 --dense-max 100
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from dataclasses import replace

import torch

from gsdiff.config import DropConfig, GraphConfig, get_profile
from gsdiff.policy import load_pretrained
from gsdiff.solvers import run_expert
from gsdiff.wireless import drop_networks


def seconds(work, *args, **kwargs) -> float:
    """Wall-clock seconds of ``work(*args, **kwargs)``."""
    start = time.perf_counter()
    work(*args, **kwargs)
    return time.perf_counter() - start


def forward_ms(policy, gains: torch.Tensor, layout: str, repeats: int = 5) -> float:
    """Median milliseconds of one denoiser forward on a top-10 graph of ``gains`` [B, N, N]."""
    from gsdiff.graph import channel_graph

    radio = policy.configs["radio"]
    graph = channel_graph(gains, 0.6, radio, GraphConfig(top_k=10), layout=layout)
    x = torch.randn(gains.shape[0], gains.shape[1], 1)
    t = torch.full((gains.shape[0], 1), 100)
    with torch.no_grad():
        policy.denoiser(x, t, graph)
        times = sorted(seconds(policy.denoiser, x, t, graph) for _ in range(repeats))
    return 1e3 * times[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[20, 100, 400, 1600], help="network sizes N")
    parser.add_argument("--samples", type=int, default=200, help="samples per network")
    parser.add_argument("--dense-max", type=int, default=400, help="largest N for the exact expert")
    parser.add_argument("--interferers", type=int, default=16, help="exact interferers of the mean field")
    parser.add_argument("--top-k", type=int, default=19, help="graph degree of the policies beyond N = 20")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(args.threads)
    book = get_profile("book")
    policies = {kind: load_pretrained(book, kind) for kind in ("ugnn", "gnn")}
    expert = replace(book.expert, num_samples=args.samples)
    print(f"{torch.get_num_threads()} threads; {args.samples} samples; DDIM {book.sampling.steps} steps")
    print(
        "| N | exact expert (s) | mean-field expert (s) | U-GNN (s) | GNN (s) "
        "| exact ÷ U-GNN | mean field ÷ U-GNN | exact ÷ GNN | mean field ÷ GNN |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.pairs:
        gains = drop_networks(1, DropConfig(num_pairs=n, density_per_km2=10.1), seed=0).gains
        exact = (
            seconds(run_expert, gains, 0.6, book.radio, expert, seed=0) if n <= args.dense_max else math.nan
        )
        field = seconds(
            run_expert, gains, 0.6, book.radio, replace(expert, interferers=args.interferers), seed=0
        )
        top_k = None if n <= book.num_pairs else args.top_k
        drawn = {
            name: seconds(
                policy.sample,
                gains,
                0.6,
                args.samples,
                replace(policy.sampling, top_k=top_k),
                generator=torch.Generator().manual_seed(0),
            )
            for name, policy in policies.items()
        }
        u, g = drawn["ugnn"], drawn["gnn"]
        print(
            f"| {n} | {exact:.1f} | {field:.1f} | {u:.1f} | {g:.1f} | {exact / u:.2f} | {field / u:.2f} "
            f"| {exact / g:.2f} | {field / g:.2f} |",
            flush=True,
        )
    gains = drop_networks(16, DropConfig(num_pairs=400, density_per_km2=10.1), seed=0).gains
    sparse, dense = (forward_ms(policies["ugnn"], gains, layout) for layout in ("sparse", "dense"))
    print(f"\nU-GNN forward, N = 400, B = 16, top-10 graph: sparse {sparse:.0f} ms, dense {dense:.0f} ms")


if __name__ == "__main__":
    main()
