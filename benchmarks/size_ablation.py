"""Which training keeps the tail with size: policies trained (or fine-tuned) differently, each played like for
like against the expert on new networks of several sizes (issue 26's ablation).

Every policy first gets its sampling setting chosen on the book's validation networks at N = 20, as the
training chapter and ``gsdiff train`` choose it (``choose_policy_sampling``: the profile's margins, with and
without the projection onto the expert's power levels; the balanced score against the expert drawn as the
policy draws), then plays ``--samples`` draws per network, i.i.d. per time-sharing window over the book's
evaluation (the papers' protocol), on graphs of the training degree (each receiver's 19 strongest
interferers). The expert is the exact one up to 50 pairs and the mean-field one above, as in the results
chapter. The networks are drawn by ``drop_at_densities`` with ``--seed``, which no dataset uses.

For each size it prints, per policy: p5 and mean, their ratios to the expert's, the mean of the per-network p5
ratios with its standard error (how far a perfect imitator may stray from 1 on this many networks), and the
training time recorded in the checkpoint (wall clock; its base's included where ``--base`` names one).

    python benchmarks/size_ablation.py --policy shipped=book-ugnn-n20 --policy mixed=/path/mixed.pt
    python benchmarks/size_ablation.py --pairs 20 100 400 1600 --networks 20=8 100=2 400=2 1600=1
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

from gsdiff.config import EXACT_MAX_PAIRS, EXPERT, Candidate, get_profile
from gsdiff.data import load_or_build_dataset
from gsdiff.evaluation import choose_policy_sampling, compare_over_sizes
from gsdiff.policy import DiffusionPolicy, shipped_checkpoint
from gsdiff.viz import markdown_table


def _load(spec: str) -> tuple[Candidate, DiffusionPolicy, Path]:
    name, _, where = spec.partition("=")
    if not name.isidentifier() or not where:
        raise SystemExit(f"--policy needs NAME=CHECKPOINT (a path or a shipped name), got {spec!r}")
    path = Path(where) if where.endswith(".pt") else shipped_checkpoint(where)
    return Candidate(name, name, "policy"), DiffusionPolicy.load(path).eval(), path


def _training_seconds(policy: DiffusionPolicy) -> float:
    history = policy.checkpoint_info.get("history", {})
    seconds = history.get("seconds", [])
    return float(seconds[-1]) if len(seconds) else math.nan


def _counts(text: list[str], sizes: list[int]) -> dict[int, int]:
    counts = dict(item.split("=") for item in text)
    return {n: int(counts.get(str(n), 1)) for n in sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", action="append", required=True, help="NAME=CHECKPOINT (repeatable)")
    parser.add_argument("--base", default=None, help="NAME of the policy the others were fine-tuned from")
    parser.add_argument("--pairs", type=int, nargs="+", default=[20, 100, 400])
    parser.add_argument(
        "--networks", nargs="+", default=["20=8", "100=2", "400=2", "1600=1"], help="N=networks per density"
    )
    parser.add_argument("--samples", type=int, default=100, help="samples per network at every size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache-dir", default=None, help="where the book's expert dataset is cached")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    book = get_profile("book")
    loaded = [_load(spec) for spec in args.policy]
    policies = {c: p for c, p, _ in loaded}
    dataset = load_or_build_dataset(
        book, splits={"validation": [book.f_min]}, cache_dir=args.cache_dir, progress=False
    )
    sampling, base_seconds = {}, 0.0
    for c, policy in policies.items():
        timer = time.perf_counter()
        search = choose_policy_sampling(dataset, policy, book)  # the search gsdiff train stores
        sampling[c] = replace(search.best, top_k=book.num_pairs - 1)
        if c.name == args.base:
            base_seconds = _training_seconds(policy)
        print(
            f"{c.name}: chosen on validation networks: {search.best.label} "
            f"(p5 {search.best_scores['p5_ratio']:.3f}x, mean {search.best_scores['mean_ratio']:.3f}x; "
            f"{time.perf_counter() - timer:.0f} s)",
            flush=True,
        )
    counts = _counts(args.networks, args.pairs)
    print(f"{torch.get_num_threads()} threads; {args.samples} samples per network; networks {counts}\n")
    for n in args.pairs:
        timer = time.perf_counter()
        scores = compare_over_sizes(
            [n],
            book.densities_per_km2,
            counts[n],
            book.f_min,
            policies,
            book.radio,
            book.expert,
            book.evaluation,
            num_samples=args.samples,
            seed=args.seed,
            exact_max_pairs=EXACT_MAX_PAIRS,
            sampling=sampling,
        )[n]
        ex = scores[EXPERT]
        expert_p5 = np.array(ex["p5_by_network"])
        rows = []
        for c, policy in policies.items():
            m = scores[c]
            ratios = np.array(m["p5_by_network"]) / expert_p5
            error = ratios.std(ddof=1) / math.sqrt(len(ratios)) if len(ratios) > 1 else math.nan
            cost = _training_seconds(policy) + (base_seconds if c.name != args.base else 0.0)
            rows.append(
                [
                    c.name,
                    sampling[c].label,
                    f"{m['p5']:.3f}",
                    f"{m['p5'] / ex['p5']:.3f}",
                    f"{ratios.mean():.3f} ± {error:.3f}",
                    f"{m['mean'] / ex['mean']:.3f}",
                    f"{cost / 3600:.2f}",
                    f"{m['seconds']:.0f}",
                ]
            )
        rows.append(["expert", "-", f"{ex['p5']:.3f}", "1", "1", "1", "-", f"{ex['seconds']:.0f}"])
        header = [
            f"N = {n} ({len(expert_p5)} networks)",
            "sampling",
            "p5",
            "p5 ÷ expert",
            "per-network p5 ratio ± s.e.",
            "mean ÷ expert",
            "training h (wall, as recorded)",
            "seconds here",
        ]
        print(markdown_table(header, rows))
        print(f"N = {n}: {time.perf_counter() - timer:.0f} s in all\n", flush=True)


if __name__ == "__main__":
    main()
