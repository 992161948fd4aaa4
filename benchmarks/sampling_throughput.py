"""Sampling benchmark: seconds per network of drawing a shipped policy's samples, by chunk size.

``DiffusionPolicy.sample`` runs the reverse process on chunks of at most ``chunk_nodes`` nodes (networks x
samples x N); every graph is denoised on its own, so the chunk size changes the speed (the working set) and
never the samples. Prints, for
each denoiser of the ``book`` profile, the seconds per network at each chunk size, measured side by side in
one run (alternating, best of ``--repeats``), and the largest difference between the samples (0: identical):

    python benchmarks/sampling_throughput.py
"""

from __future__ import annotations

import argparse
import time

import torch

from gsdiff.config import get_profile
from gsdiff.policy import load_pretrained
from gsdiff.wireless import drop_networks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=32, help="networks to sample for")
    parser.add_argument("--samples", type=int, default=100, help="samples per network")
    parser.add_argument("--chunks", type=int, nargs="+", default=[256, 512, 1024, 4096])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    profile = get_profile("book")
    gains = drop_networks(args.networks, profile.drop(10.1), seed=0).gains
    print(
        f"{args.networks} networks of N = {profile.num_pairs}, {args.samples} samples each, "
        f"{torch.get_num_threads()} threads"
    )
    for kind in ("ugnn", "gnn"):
        policy = load_pretrained(profile, kind)
        best, samples = {c: float("inf") for c in args.chunks}, {}
        for _ in range(args.repeats):
            for chunk in args.chunks:
                start = time.perf_counter()
                samples[chunk] = policy.sample(
                    gains,
                    profile.f_min,
                    args.samples,
                    generator=torch.Generator().manual_seed(0),
                    chunk_nodes=chunk,
                )
                best[chunk] = min(best[chunk], time.perf_counter() - start)
        reference = samples[args.chunks[-1]]
        for chunk in args.chunks:
            diff = (samples[chunk] - reference).abs().max().item()
            print(
                f"{kind.upper():5s} chunk {chunk:5d}: {best[chunk] / args.networks:.3f} s per network "
                f"({best[args.chunks[-1]] / best[chunk]:.2f}x chunk {args.chunks[-1]}), "
                f"max |difference| {diff:.1e}"
            )


if __name__ == "__main__":
    main()
