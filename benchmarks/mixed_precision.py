"""bfloat16 autocast against float32 training, side by side from the same seed: the training and held-out
loss curves, the validation scores and the seconds per step (``TrainConfig.precision``).

The default is a book-sized U-GNN (N = 20, the book's denoiser and batch) trained for ``--steps`` steps on
the ``ci`` profile's expert data grown to the book's size; on a CPU bf16 autocast is mostly slower (it is
meant for GPUs), so read the loss columns here and the time columns on a GPU (``--device cuda``).

    python benchmarks/mixed_precision.py                  # 600 steps each on the CPU (~10 min, 2 threads)
    python benchmarks/mixed_precision.py --device cuda --steps 3000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace

import torch

from gsdiff.config import get_profile, override_profile
from gsdiff.data import load_or_build_dataset
from gsdiff.training import train_policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--cache-dir", default=None, help="expert dataset cache (default $GSDIFF_CACHE)")
    args = parser.parse_args()
    book = get_profile("book")
    profile = override_profile(
        get_profile("ci"),
        {
            "num_pairs": 20,
            "num_networks_per_density": 32,
            "expert.num_iterations": 600,
            "expert.burn_in": 200,
        },
    )
    profile = replace(
        profile,
        denoiser=book.denoiser,
        diffusion=book.diffusion,
        train=replace(book.train, num_steps=args.steps, eval_every=max(1, args.steps // 6), ema_decay=0.0),
    )
    dataset = load_or_build_dataset(profile, splits=("train", "validation"), cache_dir=args.cache_dir)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {args.device}")
    runs = {}
    for precision in ("float32", "bfloat16"):
        run_profile = replace(profile, train=replace(profile.train, precision=precision))
        start = time.perf_counter()
        with tempfile.TemporaryDirectory() as work:
            runs[precision] = train_policy(
                dataset, run_profile, work_dir=work, progress=False, device=args.device
            )
        per_step_ms = (time.perf_counter() - start) / args.steps * 1000
        print(f"{precision}: {per_step_ms:.1f} ms per step (validations included)")
    a, b = runs["float32"].history, runs["bfloat16"].history
    print("step | train loss f32 | bf16 | held-out loss f32 | bf16 | val mean ratio f32 | bf16")
    for i, step in enumerate(a["step"]):
        print(
            f"{step:5d} | {a['loss'][i]:.4f} | {b['loss'][i]:.4f}"
            f" | {a['val_loss'][i]:.4f} | {b['val_loss'][i]:.4f}"
            f" | {a['val_mean_ratio'][i]:.3f} | {b['val_mean_ratio'][i]:.3f}"
        )
    rel = [abs(x - y) / x for x, y in zip(a["val_loss"], b["val_loss"], strict=True)]
    print(f"largest relative difference of the held-out loss: {max(rel):.2%}")


if __name__ == "__main__":
    main()
