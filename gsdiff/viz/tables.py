"""Markdown tables for the book's outputs (``IPython.display.Markdown``), from one helper."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

from ..config import EXPERT, Candidate
from ..evaluation.size_changes import SIZE_CHANGES
from ..wireless.metrics import PERCENTILES
from ..wireless.time_sharing import Settling

__all__ = [
    "markdown_table",
    "records_table",
    "metrics_table",
    "p5_mean_table",
    "ratio_lines",
    "settling_table",
    "size_changes_table",
    "verdicts",
]

DEFAULT_METRICS = ("mean", *(f"p{q:g}" for q in PERCENTILES), "feasible_fraction", "jain")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table: one header row, then ``rows`` of cells (already formatted or ``str()``-able)."""
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def records_table(records: Sequence[Mapping[str, object]], fmt: str = ".3f") -> str:
    """One row per record (a dict, e.g. a study's row), one column per key of the first; floats in ``fmt``,
    underscores in the headers as spaces."""
    keys = list(records[0])

    def cell(value: object) -> str:
        return format(value, fmt) if isinstance(value, float) else str(value)

    rows = ([cell(record[k]) for k in keys] for record in records)
    return markdown_table([k.replace("_", " ") for k in keys], rows)


def metrics_table(
    metrics: Mapping[Candidate | str, Mapping[str, float]],
    keys: Sequence[str] | None = None,
    fmt: str = ".3f",
) -> str:
    """Candidates (rows, by label) by metrics (columns; "–" where a row lacks one)."""
    keys = list(keys or DEFAULT_METRICS)
    rows = ([name] + [format(m[k], fmt) if k in m else "–" for k in keys] for name, m in metrics.items())
    return markdown_table(["policy", *keys], rows)


def p5_mean_table(
    results: Mapping[Hashable, Mapping[str, Mapping[str, float]]],
    key_header: str,
    key_label: Callable[[Hashable], str] = str,
) -> str:
    """One row per key of ``results`` (e.g. an f_min level or a network size), one "p5 / mean" column per
    policy: ``results[key][policy]`` holds ``rate_metrics``."""
    names = list(next(iter(results.values())))
    rows = (
        [key_label(key)] + [f"{scores[name]['p5']:.3f} / {scores[name]['mean']:.2f}" for name in names]
        for key, scores in results.items()
    )
    return markdown_table([key_header, *(f"{name} p5 / mean" for name in names)], rows)


def settling_table(settling: Mapping[Candidate, Settling], window_slots: int) -> str:
    """Each candidate's time-sharing slot (window) its running p5 first reaches f_min and the one it stays
    from (``gsdiff.wireless.settling_slots``), the same in fading slots, and the curve's final value."""

    def both(window: int | None) -> list[object]:
        return ["never", "–"] if window is None else [window, window * window_slots]

    rows = ([name, *both(s.first), *both(s.settled), f"{s.final:.3f}"] for name, s in settling.items())
    header = [
        "candidate",
        "p5 first ≥ f_min: time-sharing slot",
        "fading slot",
        "p5 ≥ f_min for good from: time-sharing slot",
        "fading slot",
        "final p5 of the curve",
    ]
    return markdown_table(header, rows)


def ratio_lines(
    results: Mapping[Hashable, Mapping[str, Mapping[str, float]]],
    names: Sequence[Candidate],
    key_label: Callable[[Hashable], str] = str,
    metric: str = "p5",
    reference: Candidate = EXPERT,
) -> str:
    """A bullet per name: its ``metric`` over the reference's at every key of ``results`` (an f_min level, a
    network size), ``results[key][name]`` holding ``rate_metrics``."""
    lines = []
    for name in names:
        ratios = [f"{key_label(k)}: {s[name][metric] / s[reference][metric]:.2f}" for k, s in results.items()]
        lines.append(f"- {name}: {metric} / {reference} {metric} at " + ", ".join(ratios) + ".")
    return "\n".join(lines)


def size_changes_table(changes: Mapping[int, Mapping[str, float]], fmt: str = ".2f") -> str:
    """What changes with size (``gsdiff.evaluation.size_changes``): one row per quantity of
    ``SIZE_CHANGES``, one column per network size N."""
    sizes = list(changes)
    rows = (
        [label] + [format(changes[n][key], ".0f" if key == "neighbours" else fmt) for n in sizes]
        for key, label in SIZE_CHANGES
    )
    return markdown_table(["", *(f"N = {n}" for n in sizes)], rows)


def verdicts(checks: Mapping[str, bool]) -> str:
    """ "label: met, label: **not met**" for the named checks of ``gsdiff.config`` targets."""
    return ", ".join(f"{label}: {'met' if ok else '**not met**'}" for label, ok in checks.items())
