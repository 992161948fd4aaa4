"""What changes with size: the kept share of interference against a loop, the tail ratios against
compare_over_sizes on the same draws, the shares' ranges and hand-checkable cases."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from gsdiff.config import EXPERT, EvaluationConfig, ExpertConfig, RadioConfig, policy_candidate
from gsdiff.evaluation import (
    SIZE_CHANGES,
    CandidateSamples,
    SizeRun,
    compare_over_sizes,
    kept_interference_share,
    score_sizes,
    size_changes,
    size_runs,
)
from gsdiff.wireless import drop_at_densities
from tests.conftest import small_policy

RADIO = RadioConfig()
EXPERT_CONFIG = ExpertConfig(num_iterations=30, burn_in=10, num_samples=5)
EVALUATION = EvaluationConfig(num_slots=40, window_slots=4, repeats=3)


def test_kept_interference_share_against_a_loop():
    gains = drop_at_densities(2, 7, (8.2,), seed=4)  # [B, j, i]
    got = kept_interference_share(gains, 3).numpy()
    g = gains.numpy()
    for b in range(2):
        for i in range(7):
            others = [g[b, j, i] for j in range(7) if j != i]
            assert got[b, i] == pytest.approx(sum(sorted(others)[-3:]) / sum(others), rel=1e-6)  # float32
    assert torch.equal(kept_interference_share(gains, None), torch.ones(2, 7, dtype=gains.dtype))
    assert torch.equal(kept_interference_share(gains, 6), torch.ones(2, 7, dtype=gains.dtype))


def test_size_changes_match_the_size_study():
    """From the runs compare_over_sizes scores: its ratios exactly; the shares are shares; the degree."""
    torch.manual_seed(0)
    policy = small_policy()
    candidate = policy_candidate("ugnn")
    setting = {candidate: replace(policy.sampling, top_k=3)}
    args = ([4, 7], (8.2, 11.9), 2, 0.5, {candidate: policy}, RADIO, EXPERT_CONFIG, EVALUATION)
    common = dict(num_samples=4, seed=2, sampling=setting, exact_max_pairs=50)
    runs = size_runs(*args, **common)
    changes = size_changes(runs, candidate, RADIO.max_power_w, EVALUATION, top_k=3)
    study = compare_over_sizes(*args, **common)
    scored = score_sizes(runs, EVALUATION)
    for n in (4, 7):  # the same draws (all but the measured seconds)
        for c, metrics in study[n].items():
            assert {k: v for k, v in scored[n][c].items() if k != "seconds"} == {
                k: v for k, v in metrics.items() if k != "seconds"
            }
    for n in (4, 7):
        assert list(changes[n]) == [key for key, _ in SIZE_CHANGES]
        ratio = study[n][candidate]["p5"] / study[n][EXPERT]["p5"]
        assert changes[n]["p5_ratio"] == pytest.approx(ratio, rel=1e-12)
        mean = study[n][candidate]["mean"] / study[n][EXPERT]["mean"]
        assert changes[n]["mean_ratio"] == pytest.approx(mean, rel=1e-12)
        shares = [v for k, v in changes[n].items() if "on_" in k or k == "kept_interference"]
        assert len(shares) == 5 and all(0 <= v <= 1 for v in shares)
        assert np.isfinite(changes[n]["power_spread_ratio"])
    assert changes[4]["neighbours"] == 3 and changes[4]["kept_interference"] == 1.0  # all 3 kept
    assert changes[7]["neighbours"] == 3 and changes[7]["kept_interference"] < 1.0
    with pytest.raises(ValueError, match=r"tail_share must lie in \(0, 1\), got 0"):
        size_changes(runs, candidate, RADIO.max_power_w, EVALUATION, top_k=3, tail_share=0)
    with pytest.raises(ValueError, match="policy 'GNN' was not played"):
        size_changes(runs, policy_candidate("gnn"), RADIO.max_power_w, EVALUATION, top_k=3)


def test_protected_users_by_hand():
    """Two networks of 4 users, the policy's two worst users fixed by hand-made rates; their on-shares."""
    gains = torch.ones(2, 4, 4, dtype=torch.float64)
    policy_c, p_max = policy_candidate("ugnn"), 1.0
    on, off = p_max, 0.01 * p_max
    policy_w = torch.tensor([[on, off, on, on], [off, off, on, on]]).expand(2, 2, 4).double()  # [B, S, N]
    expert_w = torch.tensor([[on, on, on, on], [on, off, on, off]]).expand(2, 2, 4).double()
    rates = {
        EXPERT: torch.tensor([[[1.0, 0.5, 2.0, 3.0], [0.1, 0.2, 2.0, 3.0]]]),  # [R, B, N]: worst 0, 1 / 0, 1
        policy_c: torch.tensor([[[1.0, 0.5, 2.0, 3.0], [0.1, 0.2, 2.0, 3.0]]]),
    }
    samples = {c: CandidateSamples(w, 0.0) for c, w in ((EXPERT, expert_w), (policy_c, policy_w))}
    run = SizeRun(gains, (10.0,), 0.5, samples, rates)
    got = size_changes({4: run}, policy_c, p_max, EVALUATION, top_k=None, tail_share=0.5)[4]
    assert got["tail_on_policy"] == pytest.approx(1 / 4)  # users 0, 1: on in 1 of 4 sample slots
    assert got["tail_on_expert"] == pytest.approx(3 / 4)
    assert got["always_on_policy"] == pytest.approx(0.5) and got["always_on_expert"] == pytest.approx(0.5)
    assert got["p5_ratio"] == 1.0 and got["neighbours"] == 3 and got["kept_interference"] == 1.0
