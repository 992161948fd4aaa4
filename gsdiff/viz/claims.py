"""The papers' claims checked on a run (``gsdiff.evaluation.paper_claims``), as a Markdown table."""

from __future__ import annotations

from collections.abc import Sequence

from ..evaluation.claims import Claim
from .tables import markdown_table

__all__ = ["claims_table"]


def claims_table(claims: Sequence[Claim]) -> str:
    """The claims as a Markdown table: claim (with its criterion), the papers, here under the papers'
    protocol and its verdict, then gsdiff's stricter comparison and its verdict ("–" where a claim has
    none)."""

    def verdict(holds: bool) -> str:
        return "holds" if holds else "**does not hold**"

    rows = (
        [
            c.claim,
            c.papers,
            c.protocol.here,
            verdict(c.protocol.holds),
            c.stricter.here if c.stricter else "–",
            verdict(c.stricter.holds) if c.stricter else "–",
        ]
        for c in claims
    )
    header = ["claim (criterion)", "papers (N = 400, GPU)", "here, papers' protocol", "verdict"]
    return markdown_table([*header, "here, stricter (the expert's chain)", "verdict"], rows)
