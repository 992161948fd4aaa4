"""The shipped checkpoints load with weights_only=True and match the current book profile's configs."""

import pytest
import torch

from gsdiff.config import get_profile
from gsdiff.policy import checkpoint_path, load_pretrained


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
