"""What the shipped U-GNN loses when it moves from its training size (N = 20 pairs, complete channel graphs)
to larger networks sampled on top-k graphs (each receiver's 19 strongest interferers), measured like for like.

At every N of ``--pairs``, on ``--networks`` new networks per density of the book profile at f_min = 0.6,
the expert runs (exact up to 50 pairs, mean field with 16 exact interferers per receiver above) and its 200
samples are resampled to ``--samples`` i.i.d. draws, the number of samples the policy draws (sampling
setting: margin 0.05, 5 power levels, top_k = 19 beyond the training size, the complete graph at it). Each
user's rate is the mean over its network's samples of their exact ergodic rates (mean field beyond 50
pairs, as the expert). Three groups of Markdown tables:

1. The graph the policy sees: in- and out-degree kept, interferers within 20 dB of the direct link (all, and
   those outside the graph), kept coupling weights w_ji = log10(1 + 10 g_ji / g_ii), the normalized shift
   S (self-loop entry, row sums; its spectral radius is 1 by construction, sqrt(d) being its Perron
   vector), the node conditions u (direct-link strength, aggregate full-power interference over *all*
   interferers, f_min + margin) and the share of a receiver's full-power interference its kept interferers
   carry.
2. The tail: the policy's p1, p5 and mean against the expert's (per-network aggregation); where the
   policy's worst users (bottom 5% of all users at that N by policy rate ÷ expert rate, or by policy rate)
   sit: SNR and interference-to-signal ratio at full power, against all users; how often their strongest
   interferer under the expert's mean powers lies outside the graph (by gain it never does: the graph keeps
   each receiver's strongest gains), and the share of their interference (expert's mean powers) from
   outside it; how often they transmit (power > P_max / 10), the mean power they get when they do and the
   mean power of their 3 strongest interferers (by gain) in those samples, policy against expert.
3. The spread of samples per user: each user's share of samples in which it transmits, policy against
   expert (means, correlation across users, users always and never on), and the mean over users of the
   standard deviation of power across samples.

    python benchmarks/transfer_diagnosis.py                      # N = 20, 100, 400; 8 networks each
    python benchmarks/transfer_diagnosis.py --pairs 20 200 --networks 1 --samples 50
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, replace

import torch

from gsdiff.config import get_profile
from gsdiff.graph.signals import coupling_weight
from gsdiff.policy import load_pretrained
from gsdiff.solvers import run_expert
from gsdiff.wireless import drop_at_densities, rate_metrics, resample, sample_rates

F_MIN = 0.6
MARGIN = 0.05  # the policy's sampling margin, bits/s/Hz
LEVELS = 5  # power levels the policy's samples are projected on
EXACT_MAX_PAIRS = 50  # beyond: mean field with MEAN_FIELD_INTERFERERS exact interferers per receiver
MEAN_FIELD_INTERFERERS = 16
TAIL_SHARE = 0.05  # the policy's worst users: this share of all users at one N
ON_SHARE = 0.1  # a user transmits when its power exceeds this share of P_max
STRONGEST = 3  # interferers whose power is reported while a tail user transmits


@dataclass
class SizeRun:
    """One network size: the networks, what the policy sees of them, both sides' samples and rates."""

    n: int
    gains: torch.Tensor  # [B, N, N], gains[b, j, i]: transmitter j to receiver i
    u: torch.Tensor  # [B, N, 3] node conditions the policy sees
    shift: torch.Tensor  # [B, N, N] normalized shift, rows the receiving node i
    kept: torch.Tensor  # [B, N, N] bool: interferer j of receiver i is in the graph (no self-loops)
    policy_w: torch.Tensor  # [B, S, N] policy samples
    expert_w: torch.Tensor  # [B, S, N] i.i.d. draws from the expert's samples
    policy_rates: torch.Tensor  # [B, N]
    expert_rates: torch.Tensor  # [B, N]
    seconds: float


def gen(seed: int) -> torch.Generator:
    """A CPU generator seeded with ``seed``."""
    return torch.Generator().manual_seed(seed)


def markdown(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


def summary(values: torch.Tensor) -> list[str]:
    """Mean, p5, p50 and p95 of all ``values``, formatted."""
    v = values.double().flatten()
    q = torch.quantile(v, torch.tensor([0.05, 0.5, 0.95], dtype=torch.float64))
    return [f"{x:.3g}" for x in (v.mean().item(), *q.tolist())]


def spread(values: torch.Tensor) -> str:
    """p10 / p50 / p90 of ``values``, formatted."""
    q = torch.quantile(values.double().flatten(), torch.tensor([0.1, 0.5, 0.9], dtype=torch.float64))
    return " / ".join(f"{x:.1f}" for x in q.tolist())


def kept_interferers(gains: torch.Tensor, top_k: int | None) -> torch.Tensor:
    """[B, N, N] bool, (j, i) set where j is among receiver i's ``top_k`` strongest interferers (or any
    interferer when ``top_k`` is None): the edges the policy's graph keeps besides the self-loops."""
    n = gains.shape[-1]
    eye = torch.eye(n, dtype=torch.bool)
    if top_k is None or top_k >= n - 1:
        return ~eye.expand_as(gains)
    strongest = gains.masked_fill(eye, -1.0).topk(top_k, dim=1).indices  # [B, k, N] sources per receiver
    return torch.zeros_like(gains, dtype=torch.bool).scatter_(1, strongest, True)


def run_size(policy, book, n: int, networks: int, num_samples: int, seed: int) -> SizeRun:
    """Drop networks of ``n`` pairs, build the policy's graphs, draw both sides' samples and rate them."""
    start = time.perf_counter()
    top_k = None if n <= book.num_pairs else book.num_pairs - 1
    interferers = None if n <= EXACT_MAX_PAIRS else MEAN_FIELD_INTERFERERS
    gains = drop_at_densities(networks, n, book.densities_per_km2, seed=seed)
    graph = policy.graphs(gains, F_MIN + MARGIN, top_k=top_k)  # what sample() builds
    expert = replace(book.expert, interferers=interferers)
    pool = run_expert(gains, F_MIN, book.radio, expert, seed=seed).samples_w
    expert_w = resample(pool, num_samples, generator=gen(seed))
    setting = replace(policy.sampling, margin=MARGIN, power_levels=LEVELS, top_k=top_k)
    policy_w = policy.sample(gains, F_MIN, num_samples, setting, generator=gen(seed))
    rates = [
        sample_rates(gains, x, book.radio, interferers=interferers).mean(1) for x in (policy_w, expert_w)
    ]
    return SizeRun(
        n=n,
        gains=gains,
        u=graph.u,
        shift=graph.shift.to_dense(),
        kept=kept_interferers(gains, top_k),
        policy_w=policy_w,
        expert_w=expert_w,
        policy_rates=rates[0],
        expert_rates=rates[1],
        seconds=time.perf_counter() - start,
    )


def graph_rows(run: SizeRun) -> list[list[str]]:
    """Section 1: distributions of what the policy's graph and node conditions hold at one N."""
    eye = torch.eye(run.n, dtype=torch.bool)
    weights = coupling_weight(run.gains)  # [B, j, i]
    interference = run.gains.masked_fill(eye, 0.0)
    significant = (weights > torch.log10(torch.tensor(1.1))) & ~eye  # g_ji within 20 dB of g_ii
    quantities = {
        "interferers kept per receiver (in-degree)": run.kept.sum(1).float(),
        "receivers keeping a transmitter (out-degree)": run.kept.sum(2).float(),
        "interferers within 20 dB of the direct link": significant.sum(1).float(),
        "... of them outside the graph": (significant & ~run.kept).sum(1).float(),
        "kept edge weight w_ji": weights[run.kept],
        "self-loop entry S_ii": torch.diagonal(run.shift, dim1=1, dim2=2),
        "row sum of S": run.shift.sum(-1),
        "u0: direct-link strength": run.u[..., 0],
        "u1: full-power interference (all N - 1)": run.u[..., 1],
        "u2: f_min + margin": run.u[..., 2],
        "share of interference on kept edges": (interference * run.kept).sum(1) / interference.sum(1),
    }
    return [[name, str(run.n), *summary(v)] for name, v in quantities.items()]


def tail_rows(run: SizeRun) -> list[str]:
    """Section 2a: the policy's p1, p5 and mean against the expert's, per-network aggregation."""
    pol = rate_metrics(run.policy_rates, F_MIN, aggregate="per_network")
    ex = rate_metrics(run.expert_rates, F_MIN, aggregate="per_network")
    return [
        str(run.n),
        str(run.gains.shape[0]),
        *(f"{ex[k]:.3f}" for k in ("p1", "p5", "mean")),
        *(f"{pol[k]:.3f}" for k in ("p1", "p5", "mean")),
        *(f"{pol[k] / ex[k]:.3f}" for k in ("p1", "p5", "mean")),
        f"{pol['feasible_fraction']:.1%} / {ex['feasible_fraction']:.1%}",
    ]


def tail_groups(run: SizeRun) -> dict[str, torch.Tensor]:
    """Users [B, N] bool: all, and the policy's bottom ``TAIL_SHARE`` by rate ratio and by rate."""
    ratio = run.policy_rates / run.expert_rates.clamp_min(1e-9)
    count = max(1, round(TAIL_SHARE * ratio.numel()))

    def bottom(score: torch.Tensor) -> torch.Tensor:
        mask = torch.zeros(score.numel(), dtype=torch.bool)
        mask[score.flatten().topk(count, largest=False).indices] = True
        return mask.view_as(score)

    return {
        "all users": torch.ones_like(ratio, dtype=torch.bool),
        "bottom 5% by rate ÷ expert": bottom(ratio),
        "bottom 5% by rate": bottom(run.policy_rates),
    }


def placement_rows(run: SizeRun, noise_w: float, max_power_w: float) -> list[list[str]]:
    """Section 2b: where each group of users sits (link strength, interference, the graph's blind spot)."""
    eye = torch.eye(run.n, dtype=torch.bool)
    direct = torch.diagonal(run.gains, dim1=1, dim2=2)  # [B, N]
    full_interference = run.gains.masked_fill(eye, 0.0).sum(1)  # [B, N]
    snr_db = 10 * torch.log10(max_power_w * direct / noise_w)
    isr_db = 10 * torch.log10(full_interference / direct)
    received = (run.expert_w.mean(1)[:, :, None] * run.gains).masked_fill(eye, 0.0)  # [B, j, i] expert powers
    strongest = received.argmax(1, keepdim=True)  # [B, 1, N]
    outside_strongest = ~run.kept.gather(1, strongest)[:, 0]  # [B, N]
    outside_share = (received * ~run.kept).sum(1) / received.sum(1).clamp_min(1e-30)
    ratio = run.policy_rates / run.expert_rates.clamp_min(1e-9)
    rows = []
    for name, users in tail_groups(run).items():
        rows.append(
            [
                str(run.n),
                name,
                str(int(users.sum())),
                f"{ratio[users].median():.3f}",
                spread(snr_db[users]),
                spread(isr_db[users]),
                f"{outside_strongest[users].double().mean():.1%}",
                f"{outside_share[users].double().mean():.1%}",
            ]
        )
    return rows


def on_share(samples_w: torch.Tensor, max_power_w: float) -> torch.Tensor:
    """[B, N]: each user's share of samples [B, S, N] in which it transmits (power > ON_SHARE P_max)."""
    return (samples_w > ON_SHARE * max_power_w).double().mean(1)


def on_powers(samples_w: torch.Tensor, gains: torch.Tensor, users: torch.Tensor, max_power_w: float):
    """For ``users`` [B, N]: their share of samples on, their mean power (mW) in the samples where they are
    on, and the mean power (mW) of their ``STRONGEST`` strongest interferers (by gain) in those samples."""
    n = gains.shape[-1]
    on = samples_w > ON_SHARE * max_power_w  # [B, S, N]
    strongest = gains.masked_fill(torch.eye(n, dtype=torch.bool), -1.0).topk(STRONGEST, dim=1).indices
    b, s, _ = samples_w.shape
    neighbours = samples_w.gather(2, strongest.reshape(b, 1, -1).expand(b, s, -1)).view(b, s, STRONGEST, n)
    chosen = on & users[:, None, :]
    count = chosen.sum().clamp_min(1)
    return (
        on_share(samples_w, max_power_w)[users].mean().item(),
        1e3 * (samples_w * chosen).sum().item() / count.item(),
        1e3 * (neighbours.mean(2) * chosen).sum().item() / count.item(),
    )


def allocation_rows(run: SizeRun, max_power_w: float) -> list[list[str]]:
    """Section 2c: what the policy and the expert give each group of users."""
    rows = []
    for name, users in tail_groups(run).items():
        pol = on_powers(run.policy_w, run.gains, users, max_power_w)
        ex = on_powers(run.expert_w, run.gains, users, max_power_w)
        rows.append(
            [
                str(run.n),
                name,
                f"{pol[0]:.2f} / {ex[0]:.2f}",
                f"{pol[1]:.2f} / {ex[1]:.2f}",
                f"{pol[2]:.2f} / {ex[2]:.2f}",
                f"{run.policy_rates[users].mean():.3f} / {run.expert_rates[users].mean():.3f}",
            ]
        )
    return rows


def spread_row(run: SizeRun, max_power_w: float) -> list[str]:
    """Section 3: how each user's power spreads over samples, policy against expert."""
    on_pol, on_ex = (on_share(x, max_power_w).flatten() for x in (run.policy_w, run.expert_w))
    correlation = torch.corrcoef(torch.stack([on_pol, on_ex]))[0, 1].item()
    std_pol, std_ex = (1e3 * x.double().std(1).mean().item() for x in (run.policy_w, run.expert_w))
    return [
        str(run.n),
        f"{on_pol.mean():.3f} / {on_ex.mean():.3f}",
        f"{correlation:.3f}",
        f"{(on_pol - on_ex).abs().mean():.3f}",
        f"{(on_pol == 1).double().mean():.1%} / {(on_ex == 1).double().mean():.1%}",
        f"{(on_pol == 0).double().mean():.1%} / {(on_ex == 0).double().mean():.1%}",
        f"{std_pol:.2f} / {std_ex:.2f}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[20, 100, 400], help="network sizes N")
    parser.add_argument("--networks", type=int, default=2, help="new networks per density at every N")
    parser.add_argument("--samples", type=int, default=100, help="samples per network, both sides")
    parser.add_argument("--seed", type=int, default=7, help="seed of the drops, expert and samplers")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    book = get_profile("book")
    policy = load_pretrained(book, "ugnn")
    radio = book.radio
    runs = [run_size(policy, book, n, args.networks, args.samples, args.seed) for n in args.pairs]
    print(
        f"U-GNN trained at N = {book.num_pairs}; f_min {F_MIN}, margin {MARGIN}, {LEVELS} levels, top_k "
        f"{book.num_pairs - 1} beyond N = {book.num_pairs}; {args.networks} network(s) per density, "
        f"{args.samples} samples per network; seconds per N: "
        + ", ".join(f"{r.n}: {r.seconds:.0f}" for r in runs)
        + "\n"
    )
    print("## 1. The graph the policy sees\n")
    per_size = [graph_rows(r) for r in runs]
    rows = [size[i] for i in range(len(per_size[0])) for size in per_size]  # each quantity at every N
    print(markdown(["quantity", "N", "mean", "p5", "p50", "p95"], rows))
    print("\n## 2. The tail\n")
    header = ["N", "networks", "expert p1", "p5", "mean", "U-GNN p1", "p5", "mean", "p1 ÷", "p5 ÷", "mean ÷"]
    print(markdown([*header, "meet f_min U-GNN / expert"], [tail_rows(r) for r in runs]))
    print()
    header = ["N", "users", "count", "median rate ÷ expert", "SNR dB p10/p50/p90", "ISR dB p10/p50/p90"]
    header += ["strongest interferer outside graph", "interference from outside graph"]
    rows = [row for r in runs for row in placement_rows(r, radio.noise_w, radio.max_power_w)]
    print(markdown(header, rows))
    print()
    header = ["N", "users", "share of samples on, U-GNN / expert", "power when on, mW"]
    header += [f"{STRONGEST} strongest interferers' power then, mW", "mean rate"]
    print(markdown(header, [row for r in runs for row in allocation_rows(r, radio.max_power_w)]))
    print("\n## 3. The spread of samples per user (U-GNN / expert)\n")
    header = ["N", "share of samples on", "correlation across users", "mean abs difference", "always on"]
    header += ["never on", "mean std of power, mW"]
    print(markdown(header, [spread_row(r, radio.max_power_w) for r in runs]))
    print(f"\n{time.perf_counter() - start:.0f} s in all")


if __name__ == "__main__":
    main()
