"""The papers' qualitative claims, each checked against this run's numbers, under the papers' protocol and
under gsdiff's stricter comparison.

Every claim of the results sections (the expert is near-feasible and stochastic; the policy is close to it in
the tail and in mean; FP and AP fail the tail, FP with a higher but unfair mean; the running 5th percentile
passes f_min within 20 time-sharing slots; the tail stays above f_min at seen and unseen requirements and
across network sizes) becomes a row: what the papers report (``gsdiff.config.PAPER_RESULTS``, N = 400 on a
GPU), and two verdicts, each by a criterion stated in the row:

- **the papers' protocol**: the policy against the expert drawn as the policy draws (``EXPERT``: as many
  i.i.d. draws of its samples as the policy's, played by the same i.i.d. rule), percentiles per network
  averaged over networks and realizations (``EvaluationConfig``'s defaults), time in time-sharing slots;
- **gsdiff's stricter comparison**: against the expert's chain of iterates played in order
  (``EXPERT_CHAIN``, whose turns the dual dynamics balance), and "for good" where the papers say "within";
  a claim that names no reference has no stricter reading.

The criteria reuse the project's targets (``gsdiff.config.PolicyTargets``) where one exists, so "holds"
means the same thing in the claims table and in the target checks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config import (
    AVERAGE_POWER,
    EXPERT,
    EXPERT_CHAIN,
    FULL_POWER,
    PAPER_RESULTS,
    Candidate,
    PaperResults,
    PolicyTargets,
)

__all__ = ["Verdict", "Claim", "paper_claims"]

Metrics = Mapping[Candidate, Mapping[str, float]]
Settling = Mapping[Candidate, tuple[int | None, ...]]  # (first, settled, ...): gsdiff.wireless.Settling


@dataclass(frozen=True)
class Verdict:
    """What a run measured for a claim, and whether the claim holds by its criterion."""

    here: str
    holds: bool


@dataclass(frozen=True)
class Claim:
    """One claim of the papers against this run."""

    claim: str  # the claim, and the criterion by which it holds here
    papers: str  # what the papers report
    protocol: Verdict  # under the papers' protocol
    stricter: Verdict | None = None  # under gsdiff's stricter comparison (None: no stricter reading)

    @property
    def holds(self) -> bool:
        """The verdict under the papers' protocol."""
        return self.protocol.holds


def _ratio(metrics: Metrics, name: Candidate, reference: Candidate, key: str) -> float:
    return metrics[name][key] / metrics[reference][key]


def _below(ratio: float) -> str:
    """A ratio as "5.3% below" (or "2.0% above")."""
    gap = 1.0 - ratio
    return f"{gap:.1%} below" if gap >= 0 else f"{-gap:.1%} above"


def _window(window: int | None) -> str:
    return "never" if window is None else f"slot {window}"


def _per_reference(check, references: Sequence[Candidate]) -> tuple[Verdict, Verdict]:
    """The verdict of ``check(reference)`` against each of the two references."""
    papers, stricter = (check(reference) for reference in references)
    return papers, stricter


def _test_claims(
    test: Metrics,
    f_min: float,
    policy: Candidate,
    settling: Settling,
    expert_varying: float,
    targets: PolicyTargets,
    paper: PaperResults,
) -> list[Claim]:
    p, fp, ap = test[policy], test[FULL_POWER], test[AVERAGE_POWER]
    max_p5_gap, min_mean = 1 - targets.p5_ratio, targets.mean_ratio
    references = (EXPERT, EXPERT_CHAIN)

    def feasible(reference: Candidate) -> Verdict:
        share = test[reference]["feasible_fraction"]
        return Verdict(f"{share:.1%} of users", share >= 0.98)

    def tail(reference: Candidate) -> Verdict:
        p5, p10 = _ratio(test, policy, reference, "p5"), _ratio(test, policy, reference, "p10")
        return Verdict(f"p5 {_below(p5)}, p10 {_below(p10)}", p5 >= targets.p5_ratio - 1e-12)

    def mean(reference: Candidate) -> Verdict:
        e = test[reference]["mean"]
        return Verdict(f"{p['mean']:.3f} vs {e:.3f} ({p['mean'] / e:.3f} ×)", p["mean"] >= min_mean * e)

    def as_feasible(reference: Candidate) -> Verdict:
        e = test[reference]["feasible_fraction"]
        share = p["feasible_fraction"]
        return Verdict(f"{share:.1%} vs {e:.1%}", share >= e - 0.02)

    def settles(reference: Candidate, for_good: bool) -> Verdict:
        slots = {name: settling[name][1 if for_good else 0] for name in (policy, reference)}
        holds = all(w is not None and w <= paper.settling_slots for w in slots.values())
        text = f"policy at {_window(slots[policy])}, expert at {_window(slots[reference])}"
        return Verdict(text + (" (for good)" if for_good else ""), holds)

    paper_ratio = paper.policy_mean / paper.expert_mean
    return [
        Claim(
            "The expert is near-feasible (≥ 98% of users meet f_min)",
            f"{paper.expert_feasible_fraction:.1%} of users",
            *_per_reference(feasible, references),
        ),
        Claim(
            "The expert's policy is stochastic (≥ 10% of users' powers vary between its samples)",
            "late iterates sample a stochastic policy",
            Verdict(f"{expert_varying:.0%} of users' powers vary", expert_varying >= 0.10),
        ),
        Claim(
            f"The policy is close to the expert in the tail (p5 ≤ {max_p5_gap:.0%} below: our target)",
            f"p5 {paper.p5_gap:.1%} below, p10 {paper.p10_gap:.1%} below",
            *_per_reference(tail, references),
        ),
        Claim(
            f"The policy's mean is comparable to the expert's (≥ {min_mean:g} ×)",
            f"{paper.policy_mean:.3f} vs {paper.expert_mean:.2f} ({paper_ratio:.3f} ×)",
            *_per_reference(mean, references),
        ),
        Claim(
            "The policy is nearly as feasible as the expert (within 2 points)",
            f"{paper.policy_feasible_fraction:.1%} vs {paper.expert_feasible_fraction:.1%}",
            *_per_reference(as_feasible, references),
        ),
        Claim(
            "FP and AP fail the tail (p5 < f_min)",
            "both plateau below f_min",
            Verdict(
                f"FP p5 {fp['p5']:.3f}, AP p5 {ap['p5']:.3f}, f_min {f_min:g}",
                fp["p5"] < f_min and ap["p5"] < f_min,
            ),
        ),
        Claim(
            f"The running p5 passes f_min within {paper.settling_slots} time-sharing slots (policy and "
            "expert; stricter: stays above from then on, against the chain)",
            f"both within {paper.settling_slots} slots",
            settles(EXPERT, for_good=False),
            settles(EXPERT_CHAIN, for_good=True),
        ),
    ]


def _fp_claims(fp_against: Mapping[str, Metrics], f_min: float) -> list[Claim]:
    """FP against each named comparison: its metrics hold FULL_POWER and one other candidate (the policy,
    the direct expert, the GNN-parametrized expert...). The papers: FP "attains a higher aggregate
    throughput ... at the expense of severe QoS unfairness", QoS being the f_min constraint FP "fails to
    meet": so FP's mean above the other's, FP's p5 below f_min and the other's at or above it. Jain's index
    is shown, not judged: it rewards equal rates, which a policy that meets f_min by giving strong users
    more need not have."""
    claims = []
    for label, metrics in fp_against.items():
        fp = metrics[FULL_POWER]
        (other,) = (c for c in metrics if c != FULL_POWER)
        o = metrics[other]
        claims.append(
            Claim(
                f"FP has a higher mean than {label} but fails the QoS it meets (p5 < f_min ≤ its p5)",
                "higher aggregate throughput at the expense of severe QoS unfairness",
                Verdict(
                    f"FP mean {fp['mean']:.3f} vs {o['mean']:.3f}; p5 {fp['p5']:.3f} vs {o['p5']:.3f} "
                    f"(f_min {f_min:g}); Jain {fp['jain']:.3f} vs {o['jain']:.3f}",
                    fp["mean"] > o["mean"] and fp["p5"] < f_min <= o["p5"],
                ),
            )
        )
    return claims


def _above(
    by_f_min: Mapping[float, Metrics], chosen: Sequence[float], policy: Candidate, reference: Candidate | None
) -> Verdict:
    """The policy's p5 at least f_min at every chosen level (and, with ``reference``, the reference's)."""
    met = [
        f
        for f in chosen
        if by_f_min[f][policy]["p5"] >= f and (reference is None or by_f_min[f][reference]["p5"] >= f)
    ]
    levels = ", ".join(f"{f:g}" for f in sorted(chosen))
    return Verdict(f"{len(met)} of {len(chosen)} levels ({levels})", len(met) == len(chosen))


def _f_min_claims(
    by_f_min: Mapping[float, Metrics], trained_f_mins: Sequence[float], policy: Candidate
) -> list[Claim]:
    out = []
    for label, want_seen in (("seen", True), ("unseen", False)):
        chosen = [f for f in by_f_min if any(abs(f - t) < 1e-9 for t in trained_f_mins) == want_seen]
        if not chosen:
            continue
        stricter = None  # and the expert's chain keeps its own p5 above f_min there too
        if all(EXPERT_CHAIN in by_f_min[f] for f in chosen):
            stricter = _above(by_f_min, chosen, policy, EXPERT_CHAIN)
        out.append(
            Claim(
                f"The policy's p5 stays above f_min at {label} levels (stricter: as the expert's chain does)",
                "p5 above f_min across seen and unseen f_min",
                _above(by_f_min, chosen, policy, None),
                stricter,
            )
        )
    return out


def _size_claim(
    sizes: Mapping[int, Metrics],
    trained_pairs: int,
    policy: Candidate,
    f_min: float,
    band: float,
    paper: PaperResults,
) -> Claim:
    """Papers' criterion: the policy's own p1, p5 and p10 at every larger N within ``band`` (relative) of
    their values at the training size, p5 above f_min. Stricter: its p5 ratio to the expert drawn the same
    way within 0.1 of that ratio at the training size."""
    home = sizes[trained_pairs][policy]
    larger = sorted(n for n in sizes if n > trained_pairs)
    keys = ("p1", "p5", "p10")
    drift = {n: max(abs(sizes[n][policy][k] / home[k] - 1) for k in keys) for n in larger}
    stable = bool(larger) and all(d <= band and sizes[n][policy]["p5"] >= f_min for n, d in drift.items())
    here = f"p5 at N = {trained_pairs}: {home['p5']:.3f}; " + ", ".join(
        f"N = {n}: {sizes[n][policy]['p5']:.3f} (largest drift {drift[n]:.0%})" for n in larger
    )
    if all(EXPERT in sizes[n] for n in sizes):  # how much of the drift the networks themselves make
        expert = {n: sizes[n][EXPERT]["p5"] / sizes[trained_pairs][EXPERT]["p5"] - 1 for n in larger}
        here += "; the expert's p5 moves " + ", ".join(f"{expert[n]:+.0%} at N = {n}" for n in larger)
    protocol = Verdict(here, stable)
    stricter = None
    if all(EXPERT in sizes[n] for n in sizes):
        ratios = {n: sizes[n][policy]["p5"] / sizes[n][EXPERT]["p5"] for n in sorted(sizes)}
        stricter = Verdict(
            ", ".join(f"N = {n}: {r:.2f}" for n, r in ratios.items()) + " × the expert's p5",
            bool(larger) and min(ratios[n] for n in larger) >= ratios[trained_pairs] - 0.1,
        )
    return Claim(
        f"Tails are stable across network sizes (p1, p5, p10 within {band:.0%} of the training size's, p5 ≥ "
        "f_min; stricter: p5 ÷ expert's within 0.1 of its value at the training size)",
        f"transfers from {paper.num_pairs} to {paper.transfer_pairs[0]}–{paper.transfer_pairs[1]} pairs",
        protocol,
        stricter,
    )


def paper_claims(
    test: Metrics,
    f_min: float,
    policy: Candidate,
    settling: Settling,
    expert_varying: float,
    *,
    fp_against: Mapping[str, Metrics] | None = None,
    by_f_min: Mapping[float, Metrics] | None = None,
    trained_f_mins: Sequence[float] = (),
    sizes: Mapping[int, Metrics] | None = None,
    trained_pairs: int | None = None,
    size_band: float = 0.1,
    targets: PolicyTargets | None = None,
    paper: PaperResults = PAPER_RESULTS,
) -> list[Claim]:
    """The claims, checked on this run.

    Args:
        test: ``rate_metrics`` by candidate on the test networks at f_min under the papers' protocol: the
            expert drawn as the policy draws (``EXPERT``), its chain (``EXPERT_CHAIN``), ``policy``, full
            power and average power.
        settling: for the policy and both expert references, the time-sharing slot at which the running p5
            first reaches f_min and the one from which it stays there (``TimeSharingResult.settling_window``).
        expert_varying: the share of users whose power is not the same in all of the expert's samples.
        fp_against: label -> metrics of full power and one other candidate on the same networks (the FP
            claim, against the policy and against each expert).
        by_f_min, trained_f_mins: metrics by f_min (``compare_over_f_mins``), the f_min the policy trained on.
        sizes, trained_pairs, size_band: metrics by network size (``compare_over_sizes``, the training size
            among them) and the band the policy's tail must stay in (relative).
    """
    targets = targets or PolicyTargets()
    claims = _test_claims(test, f_min, policy, settling, expert_varying, targets, paper)
    claims += _fp_claims(
        fp_against or {"the policy": {FULL_POWER: test[FULL_POWER], policy: test[policy]}}, f_min
    )
    if by_f_min:
        claims += _f_min_claims(by_f_min, trained_f_mins, policy)
    if sizes:
        if trained_pairs not in sizes:
            raise ValueError(f"trained_pairs must be one of the sizes {sorted(sizes)}, got {trained_pairs!r}")
        claims.append(_size_claim(sizes, trained_pairs, policy, f_min, size_band, paper))
    return claims
