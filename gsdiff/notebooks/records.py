"""Results as data: a chapter records its key numbers by name, and a sweep reads them back.

``record(name, value)`` writes the output myst-nb's ``glue`` writes (a display with the value's text under
the ``application/papermill.record/`` prefix and ``scrapbook`` metadata naming it), without needing myst-nb
in the kernel (Colab has none): the book quotes recorded numbers in its prose with ``{glue:text}`name:.3f```,
and ``records_of`` reads them from an executed notebook.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from pathlib import Path

__all__ = ["PREFIX", "record", "record_metrics", "slug", "records_of"]

PREFIX = "application/papermill.record/"  # myst-nb's (and scrapbook's) mime prefix of hidden records


def record(name: str, value: object) -> None:
    """Record ``value`` (a number, string, bool, or a list / dict of them) as ``name`` in the output."""
    from IPython.display import display

    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
        raise ValueError(f"record names are letters, digits, '_', '.' and '-'; got {name!r}")
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # a NumPy or torch scalar: a Python one
        value = value.item()
    display(
        {PREFIX + "text/plain": repr(value)},
        raw=True,
        metadata={"scrapbook": {"name": name, "mime_prefix": PREFIX}},
    )


def slug(label: str) -> str:
    """A record-name fragment for a label: "UGNN + dual time-sharing" -> "ugnn_dual_time_sharing"."""
    return re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")


def record_metrics(
    prefix: str, metrics: Mapping[object, Mapping[str, float]], keys=("mean", "p1", "p5", "feasible_fraction")
) -> None:
    """Record ``metrics[candidate][key]`` as ``<prefix>.<name>.<key>`` for every candidate and key: a
    ``Candidate``'s name (``gsdiff.config.candidates``), or the ``slug`` of any other label."""
    for candidate, m in metrics.items():
        name = getattr(candidate, "name", None) or slug(str(candidate))
        for key in keys:
            if key in m:
                record(f"{prefix}.{name}.{key}", float(m[key]))


def records_of(notebook: str | Path | Mapping) -> dict[str, object]:
    """Every value recorded in an executed notebook (a path or its parsed JSON), by name."""
    nb = json.loads(Path(notebook).read_text()) if not isinstance(notebook, Mapping) else notebook
    out: dict[str, object] = {}
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            meta = output.get("metadata", {}).get("scrapbook")
            text = output.get("data", {}).get(PREFIX + "text/plain")
            if meta and text is not None:
                text = "".join(text) if isinstance(text, list) else text
                try:
                    out[meta["name"]] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    out[meta["name"]] = text
    return out
