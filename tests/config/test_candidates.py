"""The registry of candidates: names, labels and kinds, dual time-sharing of a pool, and lookups by value."""

import dataclasses

import pytest

from gsdiff.config import (
    AVERAGE_POWER,
    BASELINE_CANDIDATES,
    BASELINES,
    CANDIDATE_KINDS,
    EXPERT,
    EXPERT_CHAIN,
    FULL_POWER,
    RANDOM_LEVELS,
    WMMSE,
    Candidate,
    baseline_candidate,
    dual_candidate,
    policy_candidate,
)

KINDS = r"'expert', 'chain', 'policy', 'dual', 'baseline', 'control'"


def test_registry_names_labels_and_kinds():
    expected = {
        EXPERT: ("expert", "expert", "expert"),
        EXPERT_CHAIN: ("expert_chain", "expert, its chain in order", "chain"),
        FULL_POWER: ("full_power", "full power", "baseline"),
        AVERAGE_POWER: ("average_power", "average power", "baseline"),
        WMMSE: ("wmmse", "WMMSE", "baseline"),
        RANDOM_LEVELS: ("random_levels", "random levels", "control"),
        policy_candidate("ugnn"): ("ugnn", "U-GNN", "policy"),
        policy_candidate("gnn"): ("gnn", "GNN", "policy"),
    }
    for candidate, (name, label, kind) in expected.items():
        assert (candidate.name, candidate.label, candidate.kind, candidate.pool) == (name, label, kind, None)
        assert str(candidate) == label  # what a table prints
        assert candidate.kind in CANDIDATE_KINDS
        assert candidate.stochastic == (kind != "baseline")  # a baseline plays one allocation per network
        assert candidate.schedule == (kind in ("chain", "dual"))  # played in order, never drawn i.i.d.
    assert CANDIDATE_KINDS == ("expert", "chain", "policy", "dual", "baseline", "control")
    assert dual_candidate(EXPERT).schedule
    with pytest.raises(ValueError, match="dual time-sharing schedules a pool of samples"):
        dual_candidate(EXPERT_CHAIN)
    mine = policy_candidate("ugnn_small", "U-GNN (small)")
    assert (mine.name, mine.label, mine.kind) == ("ugnn_small", "U-GNN (small)", "policy")


def test_baselines_match_the_choices():
    assert tuple(BASELINE_CANDIDATES) == BASELINES == ("full_power", "average_power", "wmmse")
    assert list(BASELINE_CANDIDATES.values()) == [FULL_POWER, AVERAGE_POWER, WMMSE]
    for name, candidate in BASELINE_CANDIDATES.items():
        assert candidate.name == name and candidate.kind == "baseline"
        assert baseline_candidate(name) is candidate
    with pytest.raises(
        ValueError, match=r"baseline must be one of 'full_power', 'average_power', 'wmmse'; got 'expert'"
    ):
        baseline_candidate("expert")


def test_dual_candidate_names_its_pool():
    ugnn = policy_candidate("ugnn")
    dual = dual_candidate(ugnn)
    assert (dual.name, dual.label, dual.kind, dual.pool) == (
        "ugnn_dual_time_sharing",
        "U-GNN + dual time-sharing",
        "dual",
        ugnn,
    )
    assert dual.stochastic
    expert = dual_candidate(EXPERT)
    assert (expert.name, expert.label, expert.pool) == (
        "expert_dual_time_sharing",
        "expert + dual time-sharing",
        EXPERT,
    )
    control = dual_candidate(RANDOM_LEVELS)  # a control pool can be scheduled too
    assert (control.name, control.pool) == ("random_levels_dual_time_sharing", RANDOM_LEVELS)


@pytest.mark.parametrize(
    ("pool", "pattern"),
    [
        (FULL_POWER, r"dual time-sharing schedules a pool of samples; 'full power' is a baseline"),
        (WMMSE, r"dual time-sharing schedules a pool of samples; 'WMMSE' is a baseline"),
        (
            dual_candidate(policy_candidate("ugnn")),
            r"dual time-sharing schedules a pool of samples; 'U-GNN \+ dual time-sharing' is a dual",
        ),
    ],
)
def test_dual_of_a_baseline_or_of_a_dual_is_refused(pool, pattern):
    with pytest.raises(ValueError, match=pattern):
        dual_candidate(pool)


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (lambda: Candidate("oracle", "oracle", "oracle"), rf"kind must be one of {KINDS}; got 'oracle'"),
        (lambda: policy_candidate("mlp"), r"kind must be one of 'ugnn', 'gnn'; got 'mlp'"),
        (
            lambda: Candidate("U-GNN", "U-GNN", "policy"),
            r"a candidate's name is lower-case letters, digits and '_'; got 'U-GNN'",
        ),
        (
            lambda: policy_candidate("my policy", "mine"),
            r"a candidate's name is lower-case letters, digits and '_'; got 'my policy'",
        ),
        (
            lambda: Candidate("", "nothing", "expert"),
            r"a candidate's name is lower-case letters, digits and '_'; got ''",
        ),
        (
            lambda: Candidate("pool", "pool", "dual"),
            r"a candidate of kind 'dual' \(and only one\) names its pool",
        ),
        (
            lambda: Candidate("ugnn", "U-GNN", "policy", pool=EXPERT),
            r"a candidate of kind 'dual' \(and only one\) names its pool",
        ),
    ],
)
def test_bad_kind_or_name_is_refused(make, pattern):
    with pytest.raises(ValueError, match=pattern):
        make()


def test_candidates_are_values():
    """A freshly built candidate equals the registry's, with the same hash: it finds results keyed by it."""
    assert policy_candidate("ugnn") == policy_candidate("ugnn") == Candidate("ugnn", "U-GNN", "policy")
    assert hash(policy_candidate("ugnn")) == hash(policy_candidate("ugnn"))
    assert dual_candidate(policy_candidate("gnn")) == dual_candidate(policy_candidate("gnn"))
    assert hash(dual_candidate(policy_candidate("gnn"))) == hash(dual_candidate(policy_candidate("gnn")))
    results = {policy_candidate("ugnn"): 1.0, dual_candidate(policy_candidate("ugnn")): 2.0, EXPERT: 3.0}
    assert results[policy_candidate("ugnn")] == 1.0
    assert results[dual_candidate(policy_candidate("ugnn"))] == 2.0
    assert results[Candidate("expert", "expert", "expert")] == 3.0
    assert policy_candidate("ugnn") != policy_candidate("gnn")
    assert policy_candidate("ugnn") != dual_candidate(policy_candidate("ugnn"))
    assert len({FULL_POWER, AVERAGE_POWER, WMMSE, RANDOM_LEVELS, EXPERT}) == 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        EXPERT.label = "oracle"
