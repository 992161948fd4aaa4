"""The papers' qualitative claims, each checked against this run's numbers.

Every claim of the results sections (the expert is near-feasible and stochastic; the policy is close to it in
the tail and in mean; FP and AP fail the tail, FP with a higher but unfair mean; the running 5th percentile
passes f_min within 20 slots; the tail stays above f_min at seen and unseen requirements and across network
sizes) becomes a row: what the papers report (``gsdiff.config.PAPER_RESULTS``, N = 400 on a GPU), what this
run measured, and whether the claim holds here by a criterion stated in the row. The criteria reuse the
project's targets (``gsdiff.config.PolicyTargets``) where one exists, so "holds" means the same thing in the
claims table and in the target checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config import AVERAGE_POWER, EXPERT, FULL_POWER, PAPER_RESULTS, Candidate, PaperResults, PolicyTargets

__all__ = ["Claim", "paper_claims"]

Metrics = Mapping[Candidate, Mapping[str, float]]


@dataclass(frozen=True)
class Claim:
    """One claim of the papers against this run."""

    claim: str  # the claim, and the criterion by which it holds here
    papers: str  # what the papers report
    here: str  # what this run measured
    holds: bool


def _gap(metrics: Metrics, name: Candidate, key: str, reference: Candidate = EXPERT) -> float:
    """How far ``name``'s ``key`` lies below the reference's, as a fraction of it (negative: above)."""
    return 1.0 - metrics[name][key] / metrics[reference][key]


def _below(gap: float) -> str:
    """A gap as "5.3% below" (or "2.0% above" where the candidate is higher)."""
    return f"{gap:.1%} below" if gap >= 0 else f"{-gap:.1%} above"


def _slot(slot: int | None) -> str:
    return "never" if slot is None else f"slot {slot}"


def _test_claims(
    test: Metrics,
    f_min: float,
    policy: Candidate,
    settling: Mapping[Candidate, tuple[int | None, int | None]],
    expert_varying: float,
    targets: PolicyTargets,
    paper: PaperResults,
) -> list[Claim]:
    p, e, fp, ap = test[policy], test[EXPERT], test[FULL_POWER], test[AVERAGE_POWER]
    max_p5_gap, min_mean = 1 - targets.p5_ratio, targets.mean_ratio
    p5_gap, p10_gap = _gap(test, policy, "p5"), _gap(test, policy, "p10")
    slots = settling[policy], settling[EXPERT]
    paper_ratio = paper.policy_mean / paper.expert_mean
    return [
        Claim(
            "The expert is near-feasible (≥ 98% of users meet f_min)",
            f"{paper.expert_feasible_fraction:.1%} of users",
            f"{e['feasible_fraction']:.1%} of users",
            e["feasible_fraction"] >= 0.98,
        ),
        Claim(
            "The expert's policy is stochastic (≥ 10% of users' powers vary between its samples)",
            "late iterates sample a stochastic policy",
            f"{expert_varying:.0%} of users' powers vary",
            expert_varying >= 0.10,
        ),
        Claim(
            f"The policy is close to the expert in the tail (p5 ≤ {max_p5_gap:.0%} below: our target)",
            f"p5 {paper.p5_gap:.1%} below, p10 {paper.p10_gap:.1%} below",
            f"p5 {_below(p5_gap)}, p10 {_below(p10_gap)}",
            p5_gap <= max_p5_gap + 1e-12,
        ),
        Claim(
            f"The policy's mean is comparable to the expert's (≥ {min_mean:g} ×)",
            f"{paper.policy_mean:.3f} vs {paper.expert_mean:.2f} ({paper_ratio:.3f} ×)",
            f"{p['mean']:.3f} vs {e['mean']:.3f} ({p['mean'] / e['mean']:.3f} ×)",
            p["mean"] >= min_mean * e["mean"],
        ),
        Claim(
            "The policy is nearly as feasible as the expert (within 2 points)",
            f"{paper.policy_feasible_fraction:.1%} vs {paper.expert_feasible_fraction:.1%}",
            f"{p['feasible_fraction']:.1%} vs {e['feasible_fraction']:.1%}",
            p["feasible_fraction"] >= e["feasible_fraction"] - 0.02,
        ),
        Claim(
            "FP and AP fail the tail (p5 < f_min)",
            "both plateau below f_min",
            f"FP p5 {fp['p5']:.3f}, AP p5 {ap['p5']:.3f}, f_min {f_min:g}",
            fp["p5"] < f_min and ap["p5"] < f_min,
        ),
        Claim(
            "FP has a higher mean than the policy but is unfair (lower Jain index, p5 < f_min)",
            "higher aggregate throughput at the expense of severe QoS unfairness",
            f"FP mean {fp['mean']:.3f} vs {p['mean']:.3f}; Jain {fp['jain']:.3f} vs {p['jain']:.3f}",
            fp["mean"] > p["mean"] and fp["jain"] < p["jain"] and fp["p5"] < f_min,
        ),
        Claim(
            f"The running p5 passes f_min within {paper.settling_slots} slots (policy and expert)",
            f"both within {paper.settling_slots} slots",
            f"policy at {_slot(slots[0][0])} (for good from {_slot(slots[0][1])}), expert at "
            f"{_slot(slots[1][0])} (for good from {_slot(slots[1][1])})",
            all(first is not None and first <= paper.settling_slots for first, _ in slots),
        ),
    ]


def _f_min_claims(
    by_f_min: Mapping[float, Metrics], trained_f_mins: Sequence[float], policy: Candidate
) -> list[Claim]:
    out = []
    for label, want_seen in (("seen", True), ("unseen", False)):
        chosen = [f for f in by_f_min if any(abs(f - t) < 1e-9 for t in trained_f_mins) == want_seen]
        if not chosen:
            continue
        met = [f for f in chosen if by_f_min[f][policy]["p5"] >= f]
        out.append(
            Claim(
                f"The policy's p5 stays above f_min at {label} levels",
                "p5 above f_min across seen and unseen f_min",
                f"{len(met)} of {len(chosen)} levels ({', '.join(f'{f:g}' for f in sorted(chosen))})",
                len(met) == len(chosen),
            )
        )
    return out


def _size_claim(
    sizes: Mapping[int, Metrics], test: Metrics, trained_pairs: int, policy: Candidate, paper: PaperResults
) -> Claim:
    # The reference is the test split at the training size (many networks), not the few new networks of
    # the size study, whose own point at the training size is listed beside the others.
    at_home = test[policy]["p5"] / test[EXPERT]["p5"]
    ratios = {n: s[policy]["p5"] / s[EXPERT]["p5"] for n, s in sorted(sizes.items())}
    larger = [r for n, r in ratios.items() if n > trained_pairs]
    return Claim(
        "Tails are stable across network sizes (p5 / expert p5 on larger networks within 0.1 of its value on "
        "the test networks)",
        f"transfers from {paper.num_pairs} to {paper.transfer_pairs[0]}–{paper.transfer_pairs[1]} pairs",
        f"test networks (N = {trained_pairs}): {at_home:.2f}; new networks: "
        + ", ".join(f"N = {n}: {r:.2f}" for n, r in ratios.items()),
        bool(larger) and min(larger) >= at_home - 0.1,
    )


def paper_claims(
    test: Metrics,
    f_min: float,
    policy: Candidate,
    settling: Mapping[Candidate, tuple[int | None, int | None]],
    expert_varying: float,
    *,
    by_f_min: Mapping[float, Metrics] | None = None,
    trained_f_mins: Sequence[float] = (),
    sizes: Mapping[int, Metrics] | None = None,
    trained_pairs: int | None = None,
    targets: PolicyTargets | None = None,
    paper: PaperResults = PAPER_RESULTS,
) -> list[Claim]:
    """The claims, checked on this run.

    Args:
        test: ``rate_metrics`` by candidate on the test networks at f_min: the expert, ``policy``, full
            power and average power.
        settling: for the expert and the policy, the slot at which the running p5 first reaches f_min and
            the slot from which it stays there (``TimeSharingResult.settling_slot``).
        expert_varying: the share of users whose power is not the same in all of the expert's samples.
        by_f_min, trained_f_mins: metrics by f_min (``compare_over_f_mins``), the f_min the policy trained on.
        sizes, trained_pairs: pooled metrics by network size (``compare_over_sizes``), the training size
            among them.
    """
    targets = targets or PolicyTargets()
    claims = _test_claims(test, f_min, policy, settling, expert_varying, targets, paper)
    if by_f_min:
        claims += _f_min_claims(by_f_min, trained_f_mins, policy)
    if sizes:
        if trained_pairs not in sizes:
            raise ValueError(f"trained_pairs must be one of the sizes {sorted(sizes)}, got {trained_pairs!r}")
        claims.append(_size_claim(sizes, test, trained_pairs, policy, paper))
    return claims
