"""Finite-sample time sharing against network size: how much of the expert's 5th percentile an independently
sampling policy can keep, at N = 20 (the book profile) and at larger N.

On fresh networks of every density of the book profile at f_min = 0.6, the expert runs, and three policies
play ``--samples`` allocations per network as the evaluator plays them (500 slots, one sample per window of
5): the expert's own iterates (evenly spaced, the reference every ratio is against), **independent draws
from the expert's samples** (the expert's distribution with the balance of its dual dynamics forgotten: the
ceiling of a perfect imitator that samples independently; ``--draws`` repetitions, mean and spread), and the
book's shipped U-GNN with the sampling setting the training chapter chose on validation at N = 20
(``--margin``, ``--levels``; at N > 20 the policy runs on networks larger than it trained on). Rates are
exact over fading; percentiles pool the users of all networks; the U-GNN's interval resamples networks
(``gsdiff.wireless.bootstrap_ratios``). The last columns play the same U-GNN samples by dual time-sharing
(``gsdiff.solvers.dual_time_sharing``, ``--dual-margin``, the chapter's validation choice), which is not
independent.

    python benchmarks/finite_sample_tail.py                  # N = 20 and 40 (~7 min on one core)
    python benchmarks/finite_sample_tail.py --pairs 20 --networks 32
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import torch

from gsdiff.config import DropConfig, DualTimeSharingConfig, get_profile
from gsdiff.policy import load_pretrained
from gsdiff.solvers import dual_time_sharing, run_expert
from gsdiff.wireless import bootstrap_ratios, drop_networks, played_rates, rate_metrics, resample


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def tail_and_mean(rates: torch.Tensor) -> tuple[float, float]:
    """Pooled 5th percentile and mean of per-user rates [B, N]."""
    m = rate_metrics(rates, 0.0)
    return m["p5"], m["mean"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[20, 40], help="network sizes N")
    parser.add_argument("--networks", type=int, default=16, help="networks per density at every N")
    parser.add_argument("--samples", type=int, default=100, help="samples per network (the evaluator's)")
    parser.add_argument("--draws", type=int, default=8, help="repetitions of the independent draws")
    parser.add_argument("--f-min", type=float, default=0.6, help="minimum rate (bits/s/Hz)")
    parser.add_argument("--margin", type=float, default=0.05, help="U-GNN requested margin (bits/s/Hz)")
    parser.add_argument("--levels", type=int, default=5, help="U-GNN power levels (0: none)")
    parser.add_argument("--dual-margin", type=float, default=0.2, help="dual time-sharing margin (bits/s/Hz)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the drops, expert and samplers")
    args = parser.parse_args()
    book = get_profile("book")
    radio, evaluation = book.radio, book.evaluation
    if evaluation.num_windows != args.samples:
        parser.error(f"--samples must equal the evaluator's {evaluation.num_windows} windows")
    policy = load_pretrained(book, "ugnn")
    print(
        "| N | networks | expert p5 / mean | independent draws: p5 × (± sd) | U-GNN: p5 × [95%] | mean × "
        "| U-GNN + dual time-sharing: p5 × [95%] | mean × | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    dual = DualTimeSharingConfig(margin=args.dual_margin)
    for n in args.pairs:
        start = time.perf_counter()
        gains = torch.cat(
            [
                drop_networks(
                    args.networks, DropConfig(num_pairs=n, density_per_km2=d), seed=args.seed + i
                ).gains
                for i, d in enumerate(book.densities_per_km2)
            ]
        )  # [D * networks, N, N]
        expert = run_expert(gains, args.f_min, radio, book.expert, seed=args.seed).samples_w  # [B, S, N]
        reference = played_rates(gains, expert, radio, evaluation)  # [B, N]
        ref_p5, ref_mean = tail_and_mean(reference)
        draw_p5 = [
            tail_and_mean(
                played_rates(gains, resample(expert, args.samples, generator=gen(s)), radio, evaluation)
            )[0]
            for s in range(args.draws)
        ]
        draws = torch.tensor(draw_p5) / ref_p5
        setting = replace(policy.sampling, margin=args.margin, power_levels=args.levels or None)
        x = policy.sample(gains, args.f_min, args.samples, setting, generator=gen(args.seed))
        cells = []
        for played in (x, dual_time_sharing(gains, x, args.f_min, radio, evaluation, dual)):
            rates = played_rates(gains, played, radio, evaluation)
            p5, mean = tail_and_mean(rates)
            low, high = bootstrap_ratios(rates, reference, generator=gen(args.seed))["p5"]
            cells.append(f"{p5 / ref_p5:.3f} [{low:.3f}, {high:.3f}] | {mean / ref_mean:.3f}")
        print(
            f"| {n} | {len(gains)} | {ref_p5:.3f} / {ref_mean:.3f} "
            f"| {draws.mean():.3f} (± {draws.std():.3f}) | {' | '.join(cells)} "
            f"| {time.perf_counter() - start:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
