#!/usr/bin/env python
"""Compare two builds' executed notebooks output by output: the text of every output (Markdown, plain
text) and the data of every plotly figure, with wall-clock timings masked.

Cells are matched by their order among the cells that have outputs, so a refactor that keeps what each
cell shows keeps the match; a difference prints the chapter, the output's position and the first
differing stretch of both sides.

    python scripts/diff_executed.py BEFORE_DIR AFTER_DIR     # e.g. two copies of _build/executed
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

# "12.3 s", "4 min", "0.65 s per network", "(12 s of training": wall-clock times, which differ run to run.
TIMING = re.compile(r"\d+(?:\.\d+)?(?:e[-+]?\d+)?\s*(?:s|min|ms)\b")
PLOTLY = re.compile(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{", re.S)


def outputs(path: Path) -> list[str]:
    """Every output of the notebook as comparable text: plotly figures as their trace data."""
    nb = json.loads(path.read_text())
    found = []
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if out.get("output_type") == "stream":
                continue  # progress bars and warnings
            text = data.get("text/html") or data.get("text/markdown") or data.get("text/plain") or ""
            text = "".join(text) if isinstance(text, list) else text
            figure = PLOTLY.search(text)
            if figure:
                text = "FIGURE " + figure.group(1)
            else:
                text = re.sub(r'id="[0-9a-f-]{36}"', "", text)
            found.append(TIMING.sub("<time>", text))
    return found


def first_difference(a: str, b: str, context: int = 160) -> tuple[str, str]:
    k = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, k - 40)
    return a[start : start + context], b[start : start + context]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args()
    differing = 0
    for before in sorted(args.before.rglob("*.ipynb")):
        after = args.after / before.relative_to(args.before)
        if not after.is_file():
            print(f"{before.relative_to(args.before)}: missing in {args.after}")
            differing += 1
            continue
        a, b = outputs(before), outputs(after)
        same = sum(x == y for x, y in zip(a, b, strict=False))
        print(f"{before.relative_to(args.before)}: {same} of {len(a)} outputs identical ({len(b)} after)")
        for k, (x, y) in enumerate(zip(a, b, strict=False)):
            if x != y:
                differing += 1
                left, right = first_difference(x, y)
                print(f"  output {k}:\n    before: {left!r}\n    after:  {right!r}")
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())
