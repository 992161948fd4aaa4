"""The mean-field expert against the exact one on the same networks: what keeping only each receiver's K
strongest interferers exact (and the rest by their mean field, ``gsdiff.solvers.mean_field``) costs in the
expert's samples, and what it saves in time and memory.

For each N, networks of every density of the book profile run both experts with the book's expert settings
(1500 iterations, 200 samples, seeded alike); both sample sets are scored by the exact ergodic rates of
their time-sharing (every interferer, ``asymptotic_rates``; beyond N = 800, 32 exact interferers per
receiver and the rest by their mean field, to keep the scoring itself O(N K)): the share of users meeting
f_min, the pooled p5 and the mean, and the expert's wall time and its primal-step tables' memory
(``expert_bytes_per_network``).

    python benchmarks/expert_mean_field.py                          # N = 50, 100, 200, 400
    python benchmarks/expert_mean_field.py --pairs 1600 --skip-exact # the mean field alone, at N = 1600
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import torch

from gsdiff.config import DropConfig, get_profile
from gsdiff.solvers import expert_bytes_per_network, run_expert
from gsdiff.wireless import asymptotic_rates, drop_networks, rate_metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[50, 100, 200, 400])
    parser.add_argument("--networks", type=int, default=1, help="networks per density")
    parser.add_argument("--interferers", type=int, nargs="+", default=[16], help="K of the mean field")
    parser.add_argument("--f-min", type=float, default=0.6)
    parser.add_argument("--skip-exact", action="store_true", help="only the mean field (large N)")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    book = get_profile("book")
    print(f"{torch.get_num_threads()} threads, {args.networks} network(s) per density, f_min = {args.f_min}")
    print("| N | expert | meet f_min | p5 | mean | seconds | tables (MB per network) |")
    print("|---|---|---|---|---|---|---|")
    for n in args.pairs:
        gains = torch.cat(
            [
                drop_networks(args.networks, DropConfig(num_pairs=n, density_per_km2=d), seed=11 + k).gains
                for k, d in enumerate(book.densities_per_km2)
            ]
        )
        configs = {} if args.skip_exact else {"exact": book.expert}
        configs |= {f"mean field, K = {k}": replace(book.expert, interferers=k) for k in args.interferers}
        for name, config in configs.items():
            start = time.perf_counter()
            samples = run_expert(gains, args.f_min, book.radio, config, seed=0).samples_w
            seconds = time.perf_counter() - start
            rates = asymptotic_rates(gains, samples, book.radio, interferers=None if n <= 800 else 32)
            m = rate_metrics(rates, args.f_min)
            megabytes = expert_bytes_per_network(n, config, 4) / 2**20
            print(
                f"| {n} | {name} | {m['feasible_fraction']:.1%} | {m['p5']:.3f} | {m['mean']:.3f} "
                f"| {seconds:.1f} | {megabytes:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
