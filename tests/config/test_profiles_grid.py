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
