"""Transfer across network sizes beyond the book's budget (the papers' Fig. 4 at 80 x the training size):
the shipped book policies, trained on networks of 20 to 100 pairs, against the expert on new networks of N
pairs.

The same library call as the results chapter (``compare_over_sizes``: exact expert up to 100 pairs, mean
field with 16 exact interferers per receiver above), with the sampling settings stored in the shipped
checkpoints (chosen on validation as the training chapter chooses; ``--margin`` and ``--levels`` override
them) and a graph of each receiver's 19 strongest interferers, the degree of training. Prints each
candidate's p5 and mean, their ratios to the expert's, and the seconds each took.

    python benchmarks/transfer.py                          # N = 1600, one network per density, 25 samples
    python benchmarks/transfer.py --pairs 400 1600 --samples 50
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import torch

from gsdiff.config import EXPERT, DualTimeSharingConfig, get_profile, policy_candidate
from gsdiff.evaluation import compare_over_sizes
from gsdiff.policy import load_pretrained
from gsdiff.viz import markdown_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[1600])
    parser.add_argument("--networks", type=int, default=1, help="new networks per density")
    parser.add_argument("--samples", type=int, default=25, help="policy samples per network")
    parser.add_argument(
        "--margin", type=float, default=None, help="sampling margin, bits/s/Hz (default: the checkpoint's)"
    )
    parser.add_argument(
        "--levels", type=int, default=None, help="power levels to project on (default: the checkpoint's)"
    )
    parser.add_argument("--dual-margin", type=float, default=0.2, help="dual time-sharing margin, bits/s/Hz")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    book = get_profile("book")
    policies = {policy_candidate(kind): load_pretrained(book, kind) for kind in ("ugnn", "gnn")}
    given = {"margin": args.margin, "power_levels": args.levels}  # a flag overrides the stored choice
    given = {k: v for k, v in given.items() if v is not None}
    sampling = {c: replace(p.sampling, **given, top_k=book.num_pairs - 1) for c, p in policies.items()}
    dual = {pool: DualTimeSharingConfig(margin=args.dual_margin) for pool in [EXPERT, *policies]}
    print(
        f"{torch.get_num_threads()} threads; {args.networks} network(s) per density, {args.samples} samples; "
        f"sampling {next(iter(sampling.values())).label}; dual margin {args.dual_margin:g}"
    )
    for n in args.pairs:
        timer = time.perf_counter()
        scores = compare_over_sizes(
            [n],
            book.densities_per_km2,
            args.networks,
            book.f_min,
            policies,
            book.radio,
            book.expert,
            num_samples=args.samples,
            exact_max_pairs=100,
            sampling=sampling,
            evaluation=book.evaluation,
            dual=dual,
        )[n]
        ex = scores[EXPERT]
        rows = [
            [
                name.label,
                f"{m['p5']:.3f}",
                f"{m['p5'] / ex['p5']:.3f}",
                f"{m['mean']:.3f}",
                f"{m['mean'] / ex['mean']:.3f}",
                f"{m['feasible_fraction']:.1%}",
                f"{m['seconds']:.1f}",
            ]
            for name, m in scores.items()
        ]
        header = ["N = " + str(n), "p5", "p5 ÷ expert", "mean", "mean ÷ expert", "meet f_min", "seconds"]
        print(markdown_table(header, rows))
        print(f"N = {n}: {time.perf_counter() - timer:.0f} s in all\n")


if __name__ == "__main__":
    main()
