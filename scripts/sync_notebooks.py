#!/usr/bin/env python
"""Write the shipped, output-free notebooks (``gsdiff/notebooks/chapters/<chapter>.ipynb``) from the Jupytext
chapters that ``_toc.yml`` lists, with the Colab install cell filled from ``_config.yml``; ``--check`` only
says which are out of date (exit 1), as CI does.

    python scripts/sync_notebooks.py           # make notebooks
    python scripts/sync_notebooks.py --check
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_book import ROOT, book_config, chapters  # noqa: E402

from gsdiff.files import atomic_write  # noqa: E402
from gsdiff.notebooks import package_source, to_notebook  # noqa: E402

SHIPPED = ROOT / "gsdiff" / "notebooks" / "chapters"


def expected(root: Path = ROOT) -> dict[Path, str]:
    """Shipped path -> the text it must hold, for every chapter."""
    source = package_source(book_config(root))
    return {
        SHIPPED / f"{c.stem}.ipynb": nbformat.writes(to_notebook(root / c, source)) + "\n"
        for c in chapters(root)
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale notebooks; write nothing")
    args = parser.parse_args(argv)
    want = expected()
    stale = [p for p, text in want.items() if not p.is_file() or p.read_text() != text]
    extra = sorted(set(SHIPPED.glob("*.ipynb")) - set(want))
    if args.check:
        for p in stale + extra:
            print(f"out of date: {p.relative_to(ROOT)} (run `make notebooks`)", file=sys.stderr)
        return 1 if stale or extra else 0
    for p in stale:
        atomic_write(p, lambda f, t=want[p]: f.write(t.encode()))
        print(f"wrote {p.relative_to(ROOT)}")
    for p in extra:
        p.unlink()
        print(f"removed {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
