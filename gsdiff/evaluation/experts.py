"""The two experts side by side, with full power, on the same networks: the direct primal-dual expert
(gsdiff's source of samples) and the GNN-parametrized one (the authors' kind), each played as the
evaluation plays a pool of samples. The papers' claim that full power has a higher mean than their policy
but is unfair is a claim about their expert's regime: which expert it holds against is measured here.
"""

from __future__ import annotations

import time

import torch

from ..config import (
    EXPERT,
    FULL_POWER,
    GNN_EXPERT,
    Candidate,
    EvaluationConfig,
    ExpertConfig,
    GNNExpertConfig,
    GraphConfig,
    RadioConfig,
)
from ..solvers.baselines import full_power
from ..solvers.expert import run_expert
from ..solvers.gnn_expert import run_gnn_expert
from ..wireless.metrics import rate_metrics
from ..wireless.time_sharing import played_rates

__all__ = ["compare_experts"]


def compare_experts(
    gains: torch.Tensor,
    f_min: float,
    radio: RadioConfig,
    expert: ExpertConfig,
    gnn_expert: GNNExpertConfig,
    graph_config: GraphConfig,
    evaluation: EvaluationConfig,
    *,
    seed: int = 0,
    interferers: int | None = None,
) -> dict[Candidate, dict[str, float]]:
    """``rate_metrics`` (and "seconds") of the direct expert (``EXPERT``), the GNN-parametrized expert
    (``GNN_EXPERT``) and full power on networks [B, N, N] at ``f_min``: each expert run here (seeded) and its
    samples played by ``evaluation`` (exact rates over fading; with ``interferers``, mean-field beyond each
    receiver's strongest, for large N: pass the same in the experts' configs)."""
    out = {}
    for candidate, run in (
        (EXPERT, lambda: run_expert(gains, f_min, radio, expert, seed=seed)),
        (GNN_EXPERT, lambda: run_gnn_expert(gains, f_min, radio, gnn_expert, graph_config, seed=seed)),
        (FULL_POWER, None),
    ):
        start = time.perf_counter()
        samples = full_power(gains, radio) if run is None else run().samples_w
        seconds = time.perf_counter() - start
        rates = played_rates(gains, samples, radio, evaluation, seed=seed, interferers=interferers)
        out[candidate] = rate_metrics(rates, f_min, aggregate=evaluation.aggregate) | {"seconds": seconds}
    return out
