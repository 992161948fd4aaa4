"""The papers' claims checked on a run (``gsdiff.evaluation.paper_claims``), as a Markdown table."""

from __future__ import annotations

from collections.abc import Sequence

from ..evaluation.claims import Claim
from .tables import markdown_table

__all__ = ["claims_table"]


def claims_table(claims: Sequence[Claim]) -> str:
    """The claims as a Markdown table: claim (with its criterion), the papers, here, verdict."""
    rows = ([c.claim, c.papers, c.here, "holds" if c.holds else "**does not hold**"] for c in claims)
    return markdown_table(["claim (criterion)", "papers (N = 400, GPU)", "here", "verdict"], rows)
