"""The amortization table's rows against a direct computation on the same draws."""

from dataclasses import replace

import pytest
import torch

from gsdiff.config import DropConfig, EvaluationConfig, ExpertConfig, RadioConfig, policy_candidate
from gsdiff.evaluation import amortization
from gsdiff.solvers import run_expert
from gsdiff.viz import amortization_table
from gsdiff.wireless import drop_networks, played_rates, rate_metrics


def test_amortization_rows_against_a_direct_computation(small_policy):
    torch.manual_seed(0)
    policy, radio = small_policy(), RadioConfig()
    expert = ExpertConfig(num_iterations=30, burn_in=10, num_samples=4)
    evaluation = EvaluationConfig(num_slots=12, window_slots=2, repeats=2)
    ugnn = policy_candidate("ugnn")
    rows = amortization(
        [5, 8],
        {ugnn: policy},
        radio,
        expert,
        evaluation,
        f_min=0.4,
        density_per_km2=10.0,
        num_samples=6,
        num_networks={5: 2, 8: 1},
        exact_max_pairs=5,
        interferers=3,
        seed=2,
    )
    small, large = rows
    assert (small.num_pairs, small.num_networks, small.reference) == (5, 2, "exact")
    assert (large.num_pairs, large.num_networks, large.reference, large.exact_seconds) == (
        8,
        1,
        "mean field",
        None,
    )
    assert small.exact_seconds > 0 and large.mean_field_seconds > 0 and small.policy_seconds[ugnn] > 0
    for row, exact in ((small, True), (large, False)):
        gains = drop_networks(
            row.num_networks, DropConfig(num_pairs=row.num_pairs, density_per_km2=10.0), seed=2
        ).gains
        config = replace(expert, num_samples=6, interferers=None if exact else 3)
        reference = run_expert(gains, 0.4, radio, config, seed=2).samples_w
        drawn = policy.sample(gains, 0.4, 6, generator=torch.Generator().manual_seed(2))
        scored = None if exact else 3
        m = {
            name: rate_metrics(
                played_rates(gains, x, radio, evaluation, seed=2, interferers=scored),
                0.4,
                aggregate=evaluation.aggregate,
            )
            for name, x in (("expert", reference), ("policy", drawn))
        }
        assert row.p5_ratio[ugnn] == pytest.approx(m["policy"]["p5"] / m["expert"]["p5"], rel=1e-6)
        assert row.mean_ratio[ugnn] == pytest.approx(m["policy"]["mean"] / m["expert"]["mean"], rel=1e-6)
    table = amortization_table(rows)
    assert table.count("\n") == 3 and "| 8 | — |" in table and "(mean field)" in table
