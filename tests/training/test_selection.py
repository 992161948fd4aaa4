"""Selection on validation problems: the validation scores and the rule that keeps a checkpoint."""

import numpy as np
import pytest
import torch

from gsdiff.training import selection_score, validation_scores


def test_validation_scores_and_selection_rule():
    # 20 users in 2 problems: policy rates 1..20, expert rates 2..40 (so every ratio is 1/2)
    policy = torch.arange(1.0, 21.0, dtype=torch.float64).reshape(2, 10)
    f_min = torch.tensor([0.5, 1.0], dtype=torch.float64)
    scores = validation_scores(policy, f_min, 2 * policy)
    margins = (policy - f_min[:, None]).flatten().numpy()
    assert scores["p5_margin"] == pytest.approx(np.percentile(margins, 5))
    assert scores["p5_ratio"] == pytest.approx(0.5) and scores["mean_ratio"] == pytest.approx(0.5)
    # the tail is pooled in multiples of f_min: problem 0 (f_min 0.5) is at 2..20 f_min, problem 1 at
    # 11..20; an expert whose users all sit at 2 f_min has p5 2
    expert = torch.stack([torch.full((10,), 1.0), torch.full((10,), 2.0)]).double()
    relative = np.percentile((policy / f_min[:, None]).flatten().numpy(), 5)
    assert validation_scores(policy, f_min, expert)["p5_ratio"] == pytest.approx(relative / 2)
    # a problem without a requirement (f_min = 0) is left out of the tail ratio, not divided by zero
    none = torch.tensor([0.0, 1.0], dtype=torch.float64)
    scores = validation_scores(policy, none, expert)
    assert scores["p5_ratio"] == pytest.approx(np.percentile(np.arange(11.0, 21.0), 5) / 2)
    assert scores["mean_ratio"] == pytest.approx(10.5 / 1.5)
    assert validation_scores(policy, torch.zeros(2, dtype=torch.float64), 2 * policy)["p5_ratio"] == 0.5
    mixed = {"loss": 0.12, "p5_margin": -0.1, "p5_ratio": 1.1, "mean_ratio": 0.9}
    assert selection_score(mixed, "loss") == -0.12  # the lowest loss is the best
    assert selection_score(mixed, "balanced") == 0.9  # the weaker side
    assert selection_score(mixed, "p5") == -0.1
    with pytest.raises(ValueError, match="select_by must be one of"):
        selection_score(mixed, "mean")
