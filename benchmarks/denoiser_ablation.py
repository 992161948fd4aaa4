"""Denoiser ablation: the papers' graph (log-SNR edge weights, incoming direction only) against gsdiff's
choices (both directions; weights relative to the receiver's direct link), trained side by side.

Each variant trains the book profile's U-GNN for ``--steps`` steps (cosine schedule over those steps, best
checkpoint by the validation p5 margin) and is scored on every validation network at f_min = 0.6 (exact
time-sharing rates, 32 samples per network) next to the expert's own samples. Never the test split.

    python benchmarks/denoiser_ablation.py                 # 1000 steps per variant, about 5 min each
    python benchmarks/denoiser_ablation.py --steps 250     # a quick look
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace

import torch

from gsdiff.config import get_profile
from gsdiff.datasets import load_or_build_dataset
from gsdiff.evaluation import asymptotic_rates
from gsdiff.metrics import rate_metrics
from gsdiff.train import train_policy

VARIANTS = {
    "papers: log-SNR weights, S only": {"directions": "in", "edge_weight": "log_snr"},
    "log-SNR weights, S and S^T": {"directions": "both", "edge_weight": "log_snr"},
    "coupling weights, S and S^T (default)": {"directions": "both", "edge_weight": "coupling"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="training steps per variant")
    parser.add_argument("--f-min", type=float, default=0.6, help="validation f_min scored (bits/s/Hz)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # comparable timings; run two copies side by side on two cores if you like
    book = get_profile("book")
    dataset = load_or_build_dataset(book)
    gains, f_min, expert = dataset.split("validation")
    at = torch.isclose(f_min, torch.tensor(args.f_min, dtype=f_min.dtype))
    gains, f_min, expert = gains[at], f_min[at], expert[at]
    ref = rate_metrics(asymptotic_rates(gains, expert, book.radio), args.f_min)
    print(
        f"{len(gains)} validation networks at f_min = {args.f_min}: "
        f"expert p5 {ref['p5']:.3f}, mean {ref['mean']:.3f}"
    )
    print("| variant | p5 | p5 / expert | p1 | mean | train s | best step |")
    print("|---|---|---|---|---|---|---|")
    for name, choice in VARIANTS.items():
        profile = replace(
            book,
            denoiser=replace(book.denoiser, directions=choice["directions"]),
            graph=replace(book.graph, edge_weight=choice["edge_weight"]),
            # short runs: no weight average (EMA 0.999 would still weigh the initial weights), frequent checks
            train=replace(book.train, num_steps=args.steps, ema_decay=0.0, eval_every=250),
        )
        with tempfile.TemporaryDirectory() as work:
            start = time.perf_counter()
            result = train_policy(profile, dataset, work, progress=False)
            seconds = time.perf_counter() - start
        samples = result.policy.sample(gains, f_min, 32, generator=torch.Generator().manual_seed(0))
        m = rate_metrics(asymptotic_rates(gains, samples, book.radio), args.f_min)
        print(
            f"| {name} | {m['p5']:.3f} | {m['p5'] / ref['p5']:.2f} | {m['p1']:.3f} | {m['mean']:.3f} | "
            f"{seconds:.0f} | {result.best_step} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
