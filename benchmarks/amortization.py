"""The amortization, measured: on new networks of each size, the experts' time to their 200 samples (burn-in
included) against each shipped policy's time to draw 200 samples, with the policy's quality against the
expert drawn the same way in the same row (``gsdiff.evaluation.amortization``).

The exact expert runs up to ``--exact-max`` pairs, the mean-field expert (each receiver's ``--interferers``
strongest exact) at every size; the policies sample with the setting stored with them (chosen on
validation: sampler, steps, margin, levels; their training degree on larger networks). ``--before`` adds
each policy again at the 20 DDIM steps it shipped with before the few-step solvers, on the same networks; a
shipped distilled student (``gsdiff distill``) is timed too, at its own steps. Times are wall-clock seconds
per network with the thread count printed; the machine is shared, so read the ratios measured in one run.
Then one denoiser forward at N = 400, B = 16 networks on a top-10 graph, dense blocks against the sparse
path, and where one forward of the sampler's chunk goes (a profile: the sparse products and the dense
layers, two kernels near this CPU's peak, take most of it).

    python benchmarks/amortization.py --before                   # N = 20, 100, 400, 1600 (~20 min, 2 threads)
    python benchmarks/amortization.py --pairs 20 100 --networks 20=8 100=2
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import replace

import torch

from gsdiff.config import DropConfig, GraphConfig, distilled_candidate, get_profile, policy_candidate
from gsdiff.evaluation import amortization
from gsdiff.policy import load_distilled, load_pretrained
from gsdiff.viz import amortization_table
from gsdiff.wireless import drop_networks


def seconds(work, *args, **kwargs) -> float:
    """Wall-clock seconds of ``work(*args, **kwargs)``."""
    start = time.perf_counter()
    work(*args, **kwargs)
    return time.perf_counter() - start


def forward_ms(policy, gains: torch.Tensor, layout: str, repeats: int = 5) -> float:
    """Median milliseconds of one denoiser forward on a top-10 graph of ``gains`` [B, N, N]."""
    from gsdiff.graph import channel_graph

    radio = policy.configs["radio"]
    graph = channel_graph(gains, 0.6, radio, GraphConfig(top_k=10), layout=layout)
    x = torch.randn(gains.shape[0], gains.shape[1], 1)
    t = torch.full((gains.shape[0], 1), 100)
    with torch.no_grad():
        policy.denoiser(x, t, graph)
        times = sorted(seconds(policy.denoiser, x, t, graph) for _ in range(repeats))
    return 1e3 * times[len(times) // 2]


GATE_OPS = ("aten::index_select", "aten::index", "aten::add", "aten::sigmoid")


def forward_profile(policy, gains: torch.Tensor, num_samples: int = 25) -> dict[str, float]:
    """Where one denoiser forward goes: the shares of its CPU time (torch.profiler) on the policy's own
    graph of ``gains`` [1, N, N] for ``num_samples`` signals (the sampler's chunk at N = 400)."""
    from torch.profiler import profile

    graph = policy.graphs(gains, 0.6, top_k=policy.graph_degree(gains.shape[-1]))
    x = torch.randn(1, gains.shape[-1], num_samples)
    t = torch.full((1, num_samples), 100)
    with torch.no_grad():
        policy.denoiser(x, t, graph)
        with profile() as prof:
            policy.denoiser(x, t, graph)
    totals = {event.key: event.cpu_time_total for event in prof.key_averages()}
    whole = sum(event.self_cpu_time_total for event in prof.key_averages())
    parts = {
        "sparse products": totals.get("_SparseMatmul", 0.0),
        "dense layers (taps, gates, embeddings)": totals.get("aten::linear", 0.0),
        "gate logits (gather, sums, sigmoid)": sum(totals.get(name, 0.0) for name in GATE_OPS),
        "tap concatenation": totals.get("aten::cat", 0.0),
    }
    parts["the rest"] = whole - sum(parts.values())
    return {name: value / whole for name, value in parts.items()} | {"ms": whole / 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[20, 100, 400, 1600], help="network sizes N")
    parser.add_argument("--networks", nargs="+", default=["20=8", "100=2"], help="N=count (default 1)")
    parser.add_argument("--samples", type=int, default=200, help="samples per network")
    parser.add_argument("--exact-max", type=int, default=400, help="largest N for the exact expert")
    parser.add_argument("--interferers", type=int, default=16, help="exact interferers of the mean field")
    parser.add_argument("--before", action="store_true", help="also each policy at 20 DDIM steps")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(args.threads)
    book = get_profile("book")
    shipped = {kind: load_pretrained(book, kind) for kind in ("ugnn", "gnn")}
    policies = {policy_candidate(kind): policy for kind, policy in shipped.items()}
    sampling = {}
    for kind in shipped:  # the distilled students that ship, at their own few steps
        distilled = load_distilled(book, kind)
        if distilled is not None:
            policies[distilled_candidate(kind)] = distilled
    if args.before:  # the same policies again, at the 20 DDIM steps they shipped with before
        for kind, policy in shipped.items():
            before = policy_candidate(f"{kind}_ddim20", f"{policy_candidate(kind).label}, 20 DDIM steps")
            policies[before] = policy
            sampling[before] = replace(policy.sampling, sampler="ddim", steps=20, timestep_spacing="leading")
    counts = {int(n): int(c) for n, c in (item.split("=") for item in args.networks)}
    print(f"{torch.get_num_threads()} threads; {args.samples} samples per network; f_min {book.f_min}")
    rows = amortization(
        args.pairs,
        policies,
        book.radio,
        book.expert,
        book.evaluation,
        f_min=book.f_min,
        density_per_km2=10.1,
        num_samples=args.samples,
        num_networks=counts,
        exact_max_pairs=args.exact_max,
        interferers=args.interferers,
        sampling=sampling,
    )
    print(amortization_table(rows), flush=True)
    gains = drop_networks(16, DropConfig(num_pairs=400, density_per_km2=10.1), seed=0).gains
    ugnn = policies[policy_candidate("ugnn")]
    sparse, dense = (forward_ms(ugnn, gains, layout) for layout in ("sparse", "dense"))
    print(f"\nU-GNN forward, N = 400, B = 16, top-10 graph: sparse {sparse:.0f} ms, dense {dense:.0f} ms")
    shares = forward_profile(ugnn, gains[:1])
    print(f"U-GNN forward, N = 400, 25 samples, its training degree: {shares.pop('ms'):.0f} ms, of which")
    for name, share in shares.items():
        print(f"  {name:40s} {100 * share:5.1f}%")


if __name__ == "__main__":
    main()
