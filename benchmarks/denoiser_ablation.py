"""Denoiser ablation: the papers' graph (log-SNR edge weights, incoming direction only) against gsdiff's
choices (both directions; weights relative to the receiver's direct link; shifts gated by the states at both
ends of each edge), each trained with the book profile's recipe and scored side by side.

Each variant trains the book profile's U-GNN (``--steps`` steps, default the profile's; runs shorter than
that switch the weight average off, which would still weigh the initial weights) in a resumable work folder,
keeps the checkpoint with the lowest validation loss, and is scored on the validation networks at f_min =
0.6 as the training chapter scores sampling settings: 100 samples per network from quasi-random noise, the
samples the evaluator plays (500 slots held 5 each), exact rates, against the expert's played samples; at
requested margins 0 and 0.1 bits/s/Hz. Never the test split.

    python benchmarks/denoiser_ablation.py --only 3 4      # two variants (numbered from 1): one per core
    python benchmarks/denoiser_ablation.py --steps 1000    # a quick look at every variant (~5 min each)
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import torch

from gsdiff.cache import default_cache_dir
from gsdiff.config import get_profile
from gsdiff.data import load_or_build_dataset
from gsdiff.training import train_policy, validation_scores
from gsdiff.wireless import played_rates

# name: (DenoiserConfig fields, GraphConfig fields) replaced in the book profile
VARIANTS = {
    "papers: log-SNR weights, S only, linear": (
        {"directions": "in", "gate_heads": 0},
        {"edge_weight": "log_snr"},
    ),
    "log-SNR weights, S and S^T, linear": (
        {"directions": "both", "gate_heads": 0},
        {"edge_weight": "log_snr"},
    ),
    "coupling weights, S and S^T, linear": (
        {"directions": "both", "gate_heads": 0},
        {"edge_weight": "coupling"},
    ),
    "coupling weights, S and S^T, gated (1 head)": ({"gate_heads": 1}, {"edge_weight": "coupling"}),
    "coupling weights, S and S^T, gated (2 heads)": ({"gate_heads": 2}, {"edge_weight": "coupling"}),
}
MARGINS = (0.0, 0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: the profile's)")
    parser.add_argument("--only", type=int, nargs="+", help="variant numbers to run (default: all)")
    parser.add_argument("--f-min", type=float, default=0.6, help="validation f_min scored (bits/s/Hz)")
    parser.add_argument("--work", default=None, help="work folders (default: $GSDIFF_CACHE/ablation)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # comparable timings; run two copies side by side on two cores
    book = get_profile("book")
    steps = args.steps or book.train.num_steps
    work = Path(args.work or default_cache_dir() / "ablation")
    dataset = load_or_build_dataset(book)
    gains, expert = dataset.at_f_min("validation", args.f_min)
    f_min = torch.full((len(gains),), args.f_min, dtype=torch.float64)
    expert_rates = played_rates(gains, expert, book.radio, book.evaluation)
    print(f"{len(gains)} validation networks at f_min = {args.f_min}, {steps} training steps per variant")
    columns = " | ".join(f"p5 / mean ÷ expert, margin {m:g}" for m in MARGINS)
    print(f"| variant | validation loss | {columns} | train min | kept step |")
    print("|---" * (4 + len(MARGINS)) + "|")
    for number, (name, (denoiser, graph)) in enumerate(VARIANTS.items(), start=1):
        if args.only and number not in args.only:
            continue
        train = replace(book.train, num_steps=steps)
        if steps < book.train.num_steps:
            train = replace(train, ema_decay=0.0, eval_every=250)
        profile = replace(
            book,
            denoiser=replace(book.denoiser, **denoiser),
            graph=replace(book.graph, **graph),
            train=train,
        )
        result = train_policy(dataset, profile, work_dir=work / f"variant-{number}-{steps}", progress=False)
        minutes = result.history["seconds"][-1] / 60 if result.history["seconds"] else 0.0
        loss = result.history["val_loss"][result.history["step"].index(result.best_step)]
        scores = []
        for margin in MARGINS:
            setting = replace(result.policy.sampling, margin=margin)
            x = result.policy.sample(gains, f_min, 100, setting, generator=torch.Generator().manual_seed(0))
            rates = played_rates(gains, x, book.radio, book.evaluation)
            s = validation_scores(rates, f_min, expert_rates)
            scores.append(f"{s['p5_ratio']:.3f} / {s['mean_ratio']:.3f}")
        print(
            f"| {name} | {loss:.4f} | {' | '.join(scores)} | {minutes:.0f} | {result.best_step} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
