"""The package's shape: data flows one way through the layers, nothing in the library imports the
presentation layer, modules stay small, and none shadows the standard library."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gsdiff"
# Lowest first; a module may import from its own layer and the layers below it.
LAYERS = {
    "units": 0,
    "checks": 0,
    "rng": 0,
    "devices": 0,
    "distributed": 0,
    "files": 0,
    "cache": 0,
    "config": 1,
    "wireless": 2,
    "graph": 3,
    "solvers": 4,
    "diffusion": 5,
    "denoisers": 6,
    "data": 7,
    "policy": 8,
    "training": 9,
    "evaluation": 10,
    "viz": 11,
    "notebooks": 12,
    "cli": 13,
    "__main__": 14,
}
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "checkpoints" not in p.parts)


def _room(path: Path) -> str:
    """The top-level room of a module: its subpackage, or its own name at the top."""
    return path.relative_to(PACKAGE).with_suffix("").parts[0]


def _imported_rooms(path: Path) -> set[str]:
    """The gsdiff rooms a module imports at run time (imports under ``if TYPE_CHECKING:`` left out)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and getattr(block.test, "id", None) == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    package = path.relative_to(PACKAGE).parent.parts  # where a relative import starts
    rooms = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(package[: len(package) - (node.level - 1)]) if node.level > 1 else list(package)
                parts = base + (node.module.split(".") if node.module else [])
                if not parts:  # "from . import x" at the top: x is the room
                    rooms.update(alias.name for alias in node.names)
                else:
                    rooms.add(parts[0])
            elif node.module and node.module.split(".")[0] == "gsdiff":
                rooms.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gsdiff."):
                    rooms.add(alias.name.split(".")[1])
    return rooms


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_down_the_layers(path: Path) -> None:
    room = _room(path)
    if room == "__init__":
        return
    assert room in LAYERS, f"{room} is not a known layer: add it to LAYERS"
    for other in _imported_rooms(path) - {room}:
        assert LAYERS[other] <= LAYERS[room], (
            f"{path.relative_to(PACKAGE)} ({room}) imports {other}, a higher layer"
        )
        assert other != "viz", f"{path.relative_to(PACKAGE)} imports the presentation layer"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_are_small_and_shadow_nothing(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= 400, f"{path.relative_to(PACKAGE)} has {lines} lines (at most ~400: split it by idea)"
    assert path.stem not in sys.stdlib_module_names or path.stem == "__main__", (
        f"{path} shadows the standard library"
    )
