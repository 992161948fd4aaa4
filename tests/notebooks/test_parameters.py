"""Papermill parameters checked before any work: names, types, and the kernel-history reading."""

from __future__ import annotations

import pytest

from gsdiff.notebooks import MARKER, chapter_parameters, check_names, check_value, declared_parameters

CELL = f"""{MARKER}
profile = "book"  # size
seed = 0  # seed
f_min = None  # bits/s/Hz
margins = [0.05, 0.1]  # bits/s/Hz
retrain = False  # train here
"""


def test_declared_parameters_reads_defaults_and_papermill_overrides() -> None:
    injected = "# Parameters\nseed = 3\nf_min = 0.7\n"
    defaults, overrides = declared_parameters(["import x", CELL, injected, "y = 1"])
    assert defaults == {"profile": "book", "seed": 0, "f_min": None, "margins": [0.05, 0.1], "retrain": False}
    assert overrides == {"seed": 3, "f_min": 0.7}
    assert declared_parameters(["x = 1"]) == ({}, {})
    assert declared_parameters([CELL, "seed = 3"])[1] == {}  # not papermill's cell


@pytest.mark.parametrize(
    ("name", "value", "default"),
    [
        ("seed", 1.5, 0),
        ("seed", True, 0),
        ("f_min", "high", 0.6),
        ("f_min", float("nan"), 0.6),
        ("f_min", "x", None),
        ("retrain", 1, False),
        ("profile", 3, "book"),
        ("margins", 0.1, [0.05]),
        ("margins", ["a"], [0.05]),
    ],
)
def test_check_value_refuses_the_wrong_kind_naming_the_parameter(name, value, default) -> None:
    with pytest.raises(ValueError, match=f"parameter (an entry of )?{name} must be"):
        check_value(name, value, default)


@pytest.mark.parametrize(("value", "default"), [(3, 0), (1, 0.6), (0.7, None), (None, None), ([], [0.1])])
def test_check_value_accepts_the_default_kind(value, default) -> None:
    check_value("p", value, default)


def _namespace(injected: str) -> dict:
    namespace = {"profile": "book", "seed": 0, "f_min": None, "margins": [0.05, 0.1], "retrain": False}
    namespace["In"] = ["", CELL, injected]
    exec(injected.removeprefix("# Parameters\n"), namespace)  # what the kernel did with papermill's cell
    return namespace


def test_chapter_parameters_returns_every_value_defaults_included() -> None:
    used = chapter_parameters(_namespace("# Parameters\nseed = 4\n"))
    assert used == {"profile": "book", "seed": 4, "f_min": None, "margins": [0.05, 0.1], "retrain": False}


def test_chapter_parameters_refuses_a_misspelled_name_listing_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown parameter 'fmin': this chapter's parameters are f_min, "):
        chapter_parameters(_namespace("# Parameters\nfmin = 0.7\n"))


def test_chapter_parameters_refuses_a_wrong_type() -> None:
    with pytest.raises(ValueError, match="parameter seed must be an integer"):
        chapter_parameters(_namespace("# Parameters\nseed = 1.5\n"))


def test_chapter_parameters_outside_a_kernel_checks_nothing() -> None:
    assert chapter_parameters({"seed": 0}) == {}


def test_check_names() -> None:
    check_names({"seed": 1}, {"seed": 0, "profile": "book"}, "problem")
    with pytest.raises(
        ValueError, match="problem: unknown parameters 'a', 'b'; its parameters are profile, seed"
    ):
        check_names({"a": 1, "b": 2}, {"seed": 0, "profile": "book"}, "problem")
