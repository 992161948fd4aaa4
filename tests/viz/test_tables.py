"""Tests for gsdiff.viz.tables: the Markdown tables and target verdicts, as exact strings."""

from __future__ import annotations

import torch

from gsdiff.config import EXPERT
from gsdiff.viz import markdown_table, metrics_table, p5_mean_table, verdicts
from gsdiff.wireless import rate_metrics


def test_markdown_table_by_hand() -> None:
    table = markdown_table(["a", "b"], [[1, "x"], [2.5, None]])
    assert table == "| a | b |\n|---|---|\n| 1 | x |\n| 2.5 | None |"
    assert markdown_table(["only"], []) == "| only |\n|---|"
    assert markdown_table(("a",), iter([("z",)])) == "| a |\n|---|\n| z |"  # any iterables


def test_metrics_table_default_columns_and_missing_cells() -> None:
    table = metrics_table({"FP": {"mean": 1.23456, "p5": 0.5, "min": 0.0}})
    assert table.splitlines() == [
        "| policy | mean | p0.1 | p1 | p5 | p10 | feasible_fraction | jain |",
        "|---|---|---|---|---|---|---|---|",
        "| FP | 1.235 | – | – | 0.500 | – | – | – |",
    ]


def test_metrics_table_chosen_keys_and_format() -> None:
    table = metrics_table({"a": {"p5": 0.5}, "b": {"p5": 0.25, "mean": 1.0}}, ["p5", "mean"])
    assert table == "| policy | p5 | mean |\n|---|---|---|\n| a | 0.500 | – |\n| b | 0.250 | 1.000 |"
    assert metrics_table({"a": {"p5": 0.123}}, ["p5"], fmt=".1%").endswith("| a | 12.3% |")


def test_metrics_table_of_rate_metrics(generator) -> None:
    metrics = rate_metrics(torch.rand(3, 6, generator=generator), 0.6)
    table = metrics_table({"FP": metrics})
    header, _, row = table.splitlines()
    assert header.startswith("| policy | mean")
    keys = header.strip("| ").split(" | ")[1:]
    assert row == "| FP | " + " | ".join(format(metrics[k], ".3f") for k in keys) + " |"


def test_p5_mean_table_by_hand() -> None:
    results = {
        0.5: {EXPERT: {"p5": 0.1234, "mean": 1.5}, "DP": {"p5": 0.1, "mean": 1.456}},
        0.7: {EXPERT: {"p5": 0.2, "mean": 1.25}, "DP": {"p5": 0.05, "mean": 1.0}},
    }
    table = p5_mean_table(results, "f_min", key_label=lambda f: f"{f:g} bits/s/Hz")
    assert table.splitlines() == [
        "| f_min | expert p5 / mean | DP p5 / mean |",
        "|---|---|---|",
        "| 0.5 bits/s/Hz | 0.123 / 1.50 | 0.100 / 1.46 |",
        "| 0.7 bits/s/Hz | 0.200 / 1.25 | 0.050 / 1.00 |",
    ]
    assert p5_mean_table({20: results[0.5]}, "N").splitlines()[2].startswith("| 20 | 0.123 / 1.50 |")


def test_verdicts_text() -> None:
    checks = {"p5 ≥ 0.9 × expert": True, "mean ≥ 0.95 × expert": False}
    assert verdicts(checks) == "p5 ≥ 0.9 × expert: met, mean ≥ 0.95 × expert: **not met**"
    assert verdicts({}) == ""


def test_settling_table_and_ratio_lines_by_hand() -> None:
    from gsdiff.viz import ratio_lines, settling_table
    from gsdiff.wireless import Settling

    table = settling_table({"a": Settling(3, 7, 0.7), "b": Settling(None, None, 0.1)}, 5)
    # time-sharing slots, then the same in fading slots (windows of 5)
    assert table.splitlines()[2:] == [
        "| a | 3 | 15 | 7 | 35 | 0.700 |",
        "| b | never | – | never | – | 0.100 |",
    ]
    results = {0.5: {EXPERT: {"p5": 0.8}, "P": {"p5": 0.6}}, 0.9: {EXPERT: {"p5": 1.0}, "P": {"p5": 1.1}}}
    assert ratio_lines(results, ["P"], lambda f: f"f_min {f:g}") == (
        "- P: p5 / expert p5 at f_min 0.5: 0.75, f_min 0.9: 1.10."
    )


def test_records_table_formats_floats_only() -> None:
    from gsdiff.viz import records_table

    table = records_table([{"num_pairs": 20, "fp_mean": 3.14159, "pairing": "strongest"}])
    lines = ["| num pairs | fp mean | pairing |", "|---|---|---|", "| 20 | 3.142 | strongest |"]
    assert table.splitlines() == lines


def test_size_changes_table_by_hand() -> None:
    from gsdiff.evaluation import SIZE_CHANGES
    from gsdiff.viz import size_changes_table

    row = {key: 0.5 for key, _ in SIZE_CHANGES} | {"neighbours": 19.0}
    lines = size_changes_table({20: row, 400: row | {"p5_ratio": 0.904}}).splitlines()
    assert lines[0] == "|  | N = 20 | N = 400 |" and len(lines) == 2 + len(SIZE_CHANGES)
    assert lines[2] == "| neighbours kept per receiver | 19 | 19 |"
    assert "| p5, policy ÷ expert | 0.50 | 0.90 |" in lines
