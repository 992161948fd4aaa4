"""The candidates the book plays against each other, as a typed registry: every candidate has a name (its
identifier: a dictionary key and a record name), a label (what a reader sees) and a kind.

The kinds (``CANDIDATE_KINDS``): the expert's samples drawn as a policy draws its own (the like-for-like
reference: as many i.i.d. draws from the expert's pool as a policy draws samples); the expert's chain of
iterates played in order (gsdiff's stricter reference); a trained policy's samples; a pool of samples played
by dual time-sharing (``gsdiff.solvers.dual_time_sharing``, it names the pool it schedules); a deterministic
baseline (one allocation per network); a control pool that knows nothing of the network. A chain and a dual
time-sharing are *schedules*: sequences played in order (``Candidate.schedule``); every other pool is
played by the evaluation's rule (``EvaluationConfig.play``: i.i.d. draws, the authors').
Candidates are frozen dataclasses, so results keyed by them are looked up with the same registry entry
(``metrics[EXPERT]``, ``metrics[policy_candidate("ugnn")]``), never by a display string.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..checks import check_choice
from .choices import BASELINES, CANDIDATE_KINDS, DENOISER_KINDS

__all__ = [
    "Candidate",
    "EXPERT",
    "EXPERT_CHAIN",
    "EXPERT_ONLINE",
    "GNN_EXPERT",
    "FULL_POWER",
    "AVERAGE_POWER",
    "WMMSE",
    "RANDOM_LEVELS",
    "BASELINE_CANDIDATES",
    "DENOISER_LABELS",
    "baseline_candidate",
    "policy_candidate",
    "distilled_candidate",
    "dual_candidate",
]

DENOISER_LABELS = {"ugnn": "U-GNN", "gnn": "GNN"}  # how the book names the policy of each denoiser kind


@dataclass(frozen=True)
class Candidate:
    """Something played on a network: its identifier, its label and its kind (``CANDIDATE_KINDS``)."""

    name: str  # identifier: letters, digits and "_" (a dictionary key, a record name)
    label: str  # what a table or a legend shows
    kind: str  # "expert", "chain", "policy", "dual", "baseline" or "control"
    pool: Candidate | None = None  # for kind "dual": the candidate whose samples the schedule plays

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, CANDIDATE_KINDS)
        if not re.fullmatch(r"[a-z0-9_]+", self.name):
            raise ValueError(f"a candidate's name is lower-case letters, digits and '_'; got {self.name!r}")
        if (self.kind == "dual") != (self.pool is not None):
            raise ValueError(f"a candidate of kind 'dual' (and only one) names its pool; got {self!r}")

    def __str__(self) -> str:
        return self.label

    @property
    def stochastic(self) -> bool:
        """Whether it plays several samples per network (a baseline plays one allocation)."""
        return self.kind != "baseline"

    @property
    def schedule(self) -> bool:
        """Whether its samples are a sequence to play in order (a chain of iterates, a dual time-sharing)."""
        return self.kind in ("chain", "dual")


EXPERT = Candidate("expert", "expert", "expert")  # drawn like the policies' samples: the papers' reference
EXPERT_CHAIN = Candidate("expert_chain", "expert, its chain in order", "chain")  # gsdiff's stricter one
# the expert as a deployed controller: cold start, no burn-in (gsdiff.evaluation.transient)
EXPERT_ONLINE = Candidate("expert_online", "expert run online from a cold start", "chain")
GNN_EXPERT = Candidate("gnn_expert", "GNN-parametrized expert", "expert")  # the authors' kind of expert
FULL_POWER = Candidate("full_power", "full power", "baseline")
AVERAGE_POWER = Candidate("average_power", "average power", "baseline")
WMMSE = Candidate("wmmse", "WMMSE", "baseline")
RANDOM_LEVELS = Candidate("random_levels", "random levels", "control")
BASELINE_CANDIDATES = {c.name: c for c in (FULL_POWER, AVERAGE_POWER, WMMSE)}  # by name, as BASELINES
assert tuple(BASELINE_CANDIDATES) == BASELINES


def baseline_candidate(name: str) -> Candidate:
    """The deterministic baseline called ``name`` (one of ``BASELINES``)."""
    check_choice("baseline", name, BASELINES)
    return BASELINE_CANDIDATES[name]


def policy_candidate(kind: str, label: str | None = None) -> Candidate:
    """The candidate of a policy: for a denoiser kind ("ugnn", "gnn") its book label, else ``kind`` is the
    policy's own name (lower-case letters, digits and "_") and ``label`` how to show it."""
    if label is None:
        check_choice("kind", kind, DENOISER_KINDS)
        label = DENOISER_LABELS[kind]
    return Candidate(kind, label, "policy")


def distilled_candidate(kind: str) -> Candidate:
    """The candidate of the distilled student of the policy of denoiser kind ``kind`` ("ugnn", "gnn")."""
    check_choice("kind", kind, DENOISER_KINDS)
    return Candidate(f"{kind}_distilled", f"{DENOISER_LABELS[kind]}, distilled", "policy")


def dual_candidate(pool: Candidate) -> Candidate:
    """The candidate that plays ``pool``'s samples by dual time-sharing."""
    if pool.kind in ("baseline", "dual", "chain"):
        raise ValueError(f"dual time-sharing schedules a pool of samples; {pool.label!r} is a {pool.kind}")
    return Candidate(f"{pool.name}_dual_time_sharing", f"{pool.label} + dual time-sharing", "dual", pool)
