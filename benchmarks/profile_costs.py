"""The cost of every stage of the named profiles on one device, measured on a few units of work each and
scaled to the profile's full run (``gsdiff.evaluation.measure_profile_cost``), printed as a table and JSON.

On a CPU the paper profile's training step is timed on ``--train-problems`` problems and scaled to its 64
(about linear there); on a GPU the full mini-batch is timed. With ``--device cuda`` the same measurements run
on the GPU and on the CPU in one run, and the GPU/CPU throughput ratio of each stage is printed.

    python benchmarks/profile_costs.py                          # book and paper on the CPU (~1 min)
    python benchmarks/profile_costs.py --device cuda            # and on the GPU, with the ratios
"""

from __future__ import annotations

import argparse
import json

import torch

from gsdiff.config import PROFILES, get_profile, override_profile
from gsdiff.evaluation import measure_expert_cost, measure_profile_cost
from gsdiff.viz import cost_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", choices=tuple(PROFILES), default=["book", "paper"])
    parser.add_argument("--device", default="cpu", help="cpu, or cuda (measured beside the CPU)")
    parser.add_argument(
        "--train-problems", type=int, default=4, help="CPU: problems per timed step at N >= 100"
    )
    parser.add_argument(
        "--mean-field", type=int, default=19, help="K of the mean-field expert variant (0: none)"
    )
    args = parser.parse_args()
    devices = ["cpu"] if args.device == "cpu" else ["cpu", args.device]
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, CUDA: {torch.cuda.is_available()}"
    )
    costs = []
    for device in devices:
        for name in args.profiles:
            profile = get_profile(name)
            small = device == "cpu" and profile.num_pairs >= 100
            cost = measure_profile_cost(
                profile, device=device, train_problems=args.train_problems if small else None
            )
            costs.append(cost)
            if args.mean_field and name == "paper":
                mean_field = override_profile(profile, {"expert.interferers": args.mean_field})
                expert = measure_expert_cost(mean_field, device=device)
                costs.append(cost.with_stage(expert, f"paper, mean-field K = {args.mean_field}"))
    print(cost_table(costs))
    if len(devices) == 2:
        half = len(costs) // 2
        for cpu, gpu in zip(costs[:half], costs[half:], strict=True):
            for a, b in zip(cpu.stages, gpu.stages, strict=True):
                ratio = a.seconds_per_unit / b.seconds_per_unit
                print(f"{cpu.profile:32s} {a.stage:22s} GPU/CPU throughput {ratio:8.1f}x")
    rows = [
        {
            "profile": c.profile,
            "device": c.device,
            "stage": s.stage,
            "seconds_per_unit": s.seconds_per_unit,
            "units": s.units,
        }
        for c in costs
        for s in c.stages
    ]
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
