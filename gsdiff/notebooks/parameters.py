"""A chapter's papermill parameters, checked before any work: unknown names are an error, and every value
must have its default's type.

Every chapter's parameters cell starts with ``MARKER`` and holds one ``name = literal  # comment`` per
parameter; papermill inserts its own cell of overrides right after it (``# Parameters``). In the next cell
``chapter_parameters(globals())`` reads both from the kernel's input history, refuses a name that the
chapter does not declare (``-p fmin 0.7`` names the chapter's parameters in the error), checks each value
against its default's type (``-p f_min high``, ``-p seed 1.5``), and returns every parameter's value,
defaults included, for the chapter to record. Outside a kernel it checks nothing and returns ``{}``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping, MutableMapping

__all__ = ["MARKER", "declared_parameters", "check_value", "chapter_parameters", "check_names"]

MARKER = "# Parameters of this chapter"


def _assigned(source: str) -> dict[str, object]:
    """name -> literal value of every ``name = literal`` statement of a cell (other statements ignored)."""
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                out[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                out[node.targets[0].id] = None
    return out


def declared_parameters(cells: list[str]) -> tuple[dict[str, object], dict[str, object]]:
    """(the chapter's declared parameters with their defaults, papermill's overrides) from executed cell
    sources in order; both empty when there is no parameters cell."""
    starts = [k for k, source in enumerate(cells) if source.lstrip().startswith(MARKER)]
    if not starts:
        return {}, {}
    k = starts[-1]
    defaults = _assigned(cells[k])
    overrides = {}
    if k + 1 < len(cells) and cells[k + 1].lstrip().startswith("# Parameters\n"):
        overrides = _assigned(cells[k + 1])
    return defaults, overrides


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_value(name: str, value: object, default: object) -> None:
    """``value`` must be of ``default``'s kind: the same type (an int where a float is the default; a
    number or None where None is; a list of the default's element type where a list is)."""
    if isinstance(default, bool):
        ok, kind = isinstance(value, bool), "True or False"
    elif isinstance(default, int):
        ok, kind = isinstance(value, int) and not isinstance(value, bool), "an integer"
    elif isinstance(default, float):
        ok, kind = _is_number(value), "a finite number"
    elif default is None:
        ok, kind = value is None or _is_number(value), "a number or None"
    elif isinstance(default, str):
        ok, kind = isinstance(value, str), "a string"
    elif isinstance(default, list):
        ok, kind = isinstance(value, list), "a list"
        if ok and default:
            for item in value:
                check_value(f"an entry of {name}", item, default[0])
    elif isinstance(default, dict):
        ok, kind = isinstance(value, dict) and all(isinstance(k, str) for k in value), "a dict with str keys"
    else:
        ok, kind = True, ""
    if not ok:
        raise ValueError(f"parameter {name} must be {kind} (the default is {default!r}); got {value!r}")


def chapter_parameters(namespace: MutableMapping) -> dict[str, object]:
    """Check the chapter's parameters in ``namespace`` (its ``globals()``) and return their values."""
    cells = namespace.get("In")
    if not isinstance(cells, list):
        return {}
    defaults, overrides = declared_parameters([c for c in cells if isinstance(c, str)])
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise ValueError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}: this "
            f"chapter's parameters are {', '.join(sorted(defaults))}"
        )
    for name, default in defaults.items():
        check_value(name, namespace[name], default)
    return {name: namespace[name] for name in defaults}


def check_names(parameters: Mapping[str, object], known: Mapping[str, object], chapter: str) -> None:
    """Refuse parameter names a chapter does not declare, before anything runs (the sweep and the build)."""
    unknown = sorted(set(parameters) - set(known))
    if unknown:
        raise ValueError(
            f"{chapter}: unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; "
            f"its parameters are {', '.join(sorted(known))}"
        )
