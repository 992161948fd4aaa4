"""Profile.grid_f_min: the chapters' f_min parameter checked against the dataset grid before any work."""

import pytest

from gsdiff.config import get_profile


def test_grid_f_min() -> None:
    book = get_profile("book")
    assert book.grid_f_min(None) == book.f_min
    assert book.grid_f_min(0.8) == 0.8
    levels = r"\(0.4, 0.5, 0.6, 0.7, 0.8\)"
    with pytest.raises(
        ValueError,
        match=f"f_min must be one of the book profile's dataset levels {levels}; got 0.75",
    ):
        book.grid_f_min(0.75)


def test_transfer_pairs_are_checked() -> None:
    import dataclasses

    with pytest.raises(ValueError, match="transfer_pairs must be an integer >= 2"):
        dataclasses.replace(get_profile("ci"), transfer_pairs=(1,))


def test_override_profile():
    from gsdiff.config import get_profile, override_profile

    ci = get_profile("ci")
    changed = override_profile(
        ci, {"num_pairs": 12, "f_mins": [0.5, 0.6], "train.num_steps": 7, "expert.interferers": 3}
    )
    assert (changed.num_pairs, changed.f_mins, changed.train.num_steps, changed.expert.interferers) == (
        12,
        (0.5, 0.6),
        7,
        3,
    )
    assert changed.train.batch_problems == ci.train.batch_problems and changed.name == "ci"
    assert override_profile(ci, {}) == ci
    for settings, message in (
        ({"num_pair": 3}, "unknown profile setting 'num_pair'; the profile's own are: num_pairs"),
        ({"train": 3}, "unknown profile setting 'train'"),
        ({"trian.num_steps": 3}, "unknown profile section 'trian' in 'trian.num_steps'; sections: radio"),
        ({"train.steps": 3}, "unknown setting 'train.steps'; train has: num_steps"),
        ({"train.num_steps": 0}, "num_steps must be an integer >= 1"),
        ({"name": "x"}, "unknown profile setting 'name'"),
    ):
        with pytest.raises(ValueError, match=message):
            override_profile(ci, settings)
