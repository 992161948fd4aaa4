"""Expert benchmark: throughput, time to steady state on a new network, exact vs fading dual rates.

Prints figures measured side by side in one run (not a timed test):

    python benchmarks/expert_throughput.py            # N = 20, 50, 100, 400
    python benchmarks/expert_throughput.py --quick    # N = 20, 100, fewer iterations
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import torch

from gsdiff.config import DropConfig, ExpertConfig, RadioConfig
from gsdiff.solvers import run_expert
from gsdiff.wireless import asymptotic_rates, drop_networks, rate_metrics

RADIO = RadioConfig()


def throughput(num_pairs: int, num_networks: int, iterations: int) -> float:
    """Network-iterations per second of the expert on a batch of networks."""
    gains = drop_networks(num_networks, DropConfig(num_pairs=num_pairs, density_per_km2=10.1), seed=0).gains
    config = ExpertConfig(num_iterations=iterations, burn_in=0, num_samples=1)
    start = time.perf_counter()
    run_expert(gains, 0.6, RADIO, config, seed=0)
    return num_networks * iterations / (time.perf_counter() - start)


def steady_state(num_pairs: int, f_min: float = 0.6) -> tuple[float, int, float]:
    """On one new network: wall time of a default run, the first iteration from which the running ergodic
    rates of at least 99% of users stay >= f_min, and the seconds to reach it."""
    gains = drop_networks(1, DropConfig(num_pairs=num_pairs, density_per_km2=11.9), seed=7).gains
    config = replace(ExpertConfig(), record_every=1)
    start = time.perf_counter()
    result = run_expert(gains, f_min, RADIO, config, seed=0)
    seconds = time.perf_counter() - start
    rates = result.rates[:, 0].double()  # [T, N]
    running = rates.cumsum(0) / torch.arange(1, len(rates) + 1, dtype=rates.dtype)[:, None]
    ok = (running >= f_min).double().mean(-1) >= 0.99  # [T]
    bad = (~ok).nonzero()
    first = 0 if len(bad) == 0 else int(bad[-1]) + 1
    return seconds, first, seconds * first / config.num_iterations


def dual_rates_comparison(num_pairs: int, iterations: int) -> None:
    """Exact (quadrature) vs one-fading-draw rates in the dual step, same iterations and seeds."""
    gains = drop_networks(16, DropConfig(num_pairs=num_pairs, density_per_km2=11.9), seed=3).gains
    for kind in ("exact", "fading"):
        config = ExpertConfig(num_iterations=iterations, burn_in=iterations // 3, dual_rates=kind)
        start = time.perf_counter()
        samples = run_expert(gains, 0.6, RADIO, config, seed=0).samples_w
        seconds = time.perf_counter() - start
        m = rate_metrics(asymptotic_rates(gains, samples, RADIO), 0.6)
        print(
            f"  dual rates {kind:6s}: mean {m['mean']:.3f}  p5 {m['p5']:.3f}  "
            f"feasible {m['feasible_fraction']:.1%}  ({seconds:.1f} s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    sizes = [(20, 64), (100, 8)] if args.quick else [(20, 64), (50, 32), (100, 8), (400, 1)]
    iterations = 20 if args.quick else 50
    print(f"expert throughput ({torch.get_num_threads()} threads)")
    for n, b in sizes:
        rate = throughput(n, b, iterations)
        print(f"  N = {n:4d}: {rate:8.1f} network-iterations/s  ({1e3 / rate:.2f} ms each, batch of {b})")
    for n in (20, 100):
        seconds, first, to_steady = steady_state(n)
        print(
            f"  N = {n:4d}, one new network: {seconds:.1f} s for the default {ExpertConfig().num_iterations} "
            f"iterations; running rates >= f_min for 99% of users from iteration {first} ({to_steady:.1f} s)"
        )
    print("dual step rates (N = 20, 16 networks, density 11.9)")
    dual_rates_comparison(20, 600 if args.quick else 1500)


if __name__ == "__main__":
    main()
