"""The play rules: which sample each window plays, i.i.d. draws or in order, and their realizations."""

import pytest
import torch

from gsdiff.config import EvaluationConfig
from gsdiff.wireless.play import play_order, play_picks, played_samples


def test_iid_picks_are_uniform_independent_draws_per_realization():
    evaluation = EvaluationConfig(num_slots=500, window_slots=5, repeats=4)  # 100 windows
    picks = play_picks(3, 7, evaluation, generator=torch.Generator().manual_seed(0))
    assert picks.shape == (4, 3, 100) and picks.min() >= 0 and picks.max() <= 6
    again = torch.randint(0, 7, (4, 3, 100), generator=torch.Generator().manual_seed(0))
    assert torch.equal(picks, again)  # uniform draws with replacement, realization by realization
    many = play_picks(1, 7, EvaluationConfig(num_slots=70_000, window_slots=1, repeats=1))
    counts = torch.bincount(many.flatten(), minlength=7).double() / 70_000
    assert torch.allclose(counts, torch.full((7,), 1 / 7, dtype=torch.float64), atol=0.01)


def test_ordered_picks_and_single_allocations_are_one_realization():
    evaluation = EvaluationConfig(num_slots=500, window_slots=5, repeats=4)
    ordered = play_picks(2, 200, evaluation, play="ordered")
    assert ordered.shape == (1, 2, 100) and torch.equal(
        ordered[0, 1], play_order(torch.arange(100), 100, 200)
    )
    one = play_picks(2, 1, evaluation)  # one allocation: the same in every window, nothing to draw
    assert one.shape == (1, 2, 100) and int(one.max()) == 0


def test_played_samples_follow_the_picks():
    """500 slots held 5 each are 100 windows: in order, of 200 samples every other one is played, of 40
    each 2.5 times."""
    samples = torch.arange(200.0)[None, :, None].expand(2, 200, 3)
    evaluation = EvaluationConfig(num_slots=500, window_slots=5, play="ordered")
    picks = play_picks(2, 200, evaluation)
    assert torch.equal(played_samples(samples, picks)[0, 0, :, 0], torch.arange(0.0, 200.0, 2.0))
    picks = play_picks(2, 40, evaluation)
    assert torch.equal(played_samples(samples[:, :40], picks)[0, 0, :, 0], torch.arange(100.0) % 40)
    drawn = play_picks(2, 200, EvaluationConfig(num_slots=12, window_slots=5, repeats=3))  # 3 windows
    assert played_samples(samples, drawn).shape == (3, 2, 3, 3)
    assert torch.equal(played_samples(samples, drawn)[..., 0], drawn.double())


def test_evaluation_config_checks_the_play():
    with pytest.raises(ValueError, match="play must be one of 'iid', 'ordered'; got 'shuffled'"):
        EvaluationConfig(play="shuffled")
    with pytest.raises(ValueError, match="repeats must be an integer >= 1, got 0"):
        EvaluationConfig(repeats=0)
    with pytest.raises(ValueError, match="aggregate must be one of 'per_network', 'pooled'; got 'users'"):
        EvaluationConfig(aggregate="users")
