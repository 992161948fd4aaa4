"""The shipped checkpoints load with weights_only=True and match the current book profile's configs."""

import pytest
import torch

from gsdiff.config import BOOK_BASE_SETTINGS, get_profile, override_profile
from gsdiff.policy import checkpoint_path, initial_policy, load_distilled, load_pretrained, with_kind


@pytest.mark.parametrize("kind", ["ugnn", "gnn"])
def test_shipped_book_checkpoint_matches_the_book_profile(kind):
    path = checkpoint_path("book", kind)
    assert path.exists(), (
        f"missing {path}: train it with `python -m gsdiff train --profile book --out {path}`"
    )
    payload = torch.load(path, weights_only=True)
    assert {"history", "best_step", "state_dict", "config"} <= set(payload)
    policy = load_pretrained(get_profile("book"), kind)  # raises if the book config changed since training
    assert policy is not None and policy.configs["denoiser"].kind == kind
    gains = torch.rand(2, 6, 6) * 1e-9 + torch.eye(6) * 1e-7
    out = policy.sample(gains, 0.6, 3, generator=torch.Generator().manual_seed(0))
    assert out.shape == (2, 3, 6)


def test_no_checkpoint_for_the_ci_profile():
    assert load_pretrained(get_profile("ci")) is None


@pytest.mark.parametrize("kind", ["ugnn", "gnn"])
def test_shipped_book_checkpoints_follow_the_profiles_two_stages(kind):
    """book-{kind}-n20.pt is the first stage (BOOK_BASE_SETTINGS: 12000 steps from random weights); the
    shipped policy is the book profile's run from it (its num_steps, on its training sizes), and carries
    the sampling setting chosen on validation networks."""
    book = with_kind(get_profile("book"), kind)
    base = initial_policy(book)
    assert base is not None and base.checkpoint_info["history"]["step"][-1] == 12000
    assert override_profile(book, BOOK_BASE_SETTINGS).train.num_steps == 12000
    shipped = load_pretrained(book, kind)
    assert shipped.checkpoint_info["history"]["step"][-1] == book.train.num_steps
    assert book.train_pairs and book.train.init_from == "book-{kind}-n20"
    choice = shipped.checkpoint_info["sampling_choice"]
    assert choice["label"] == shipped.sampling.label and shipped.sampling.margin in book.tuning.margins
    assert tuple(choice["tuning"]["margins"]) == book.tuning.margins
    # the choice was made by the profile's whole search, the few-step solvers included
    assert tuple(tuple(entry) for entry in choice["tuning"]["samplers"]) == book.tuning.samplers
    assert choice["tuning"]["step_tolerance"] == book.tuning.step_tolerance
    assert shipped.training_pairs == book.num_pairs
    pairs = zip(base.state_dict().values(), shipped.state_dict().values(), strict=True)
    assert any(not torch.equal(a, b) for a, b in pairs)


@pytest.mark.parametrize("kind", ["ugnn", "gnn"])
def test_the_distilled_student_ships_beside_its_teacher(kind):
    """``book-{kind}-distilled.pt`` is ``gsdiff distill`` of the shipped policy: DDIM on few trailing steps,
    the teacher's levels, the margin chosen on validation to keep the shipped policy's quality (its record
    says so, against that policy), its record naming the recipe."""
    book = get_profile("book")
    student, teacher = load_distilled(book, kind), load_pretrained(book, kind)
    assert student.sampling.sampler == "ddim" and student.sampling.eta == 0.0
    assert student.sampling.timestep_spacing == "trailing" and student.sampling.steps < teacher.sampling.steps
    assert student.sampling.power_levels == teacher.sampling.power_levels
    assert student.sampling.margin in book.tuning.margins
    record = student.checkpoint_info["distill"]
    assert record["student_steps"] == student.sampling.steps and student.training_pairs == book.num_pairs
    choice = student.checkpoint_info["sampling_choice"]
    assert choice["reference"] == teacher.fingerprint() and choice["keeps_quality"]
    assert choice["label"] == student.sampling.label and choice["shortfall"] <= book.tuning.step_tolerance
