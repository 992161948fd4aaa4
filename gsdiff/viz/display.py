"""Show plotly figures both live (Jupyter, Colab) and in the offline HTML book.

In a papermill kernel plotly's default renderer emits a MIME type that myst-nb drops, and the
``notebook_connected`` renderer fetches plotly.js from a CDN. When the book build sets
``GSDIFF_BOOK=1``, figures are therefore emitted as plain HTML that relies on the ``plotly.min.js``
the book loads on every page from its own ``_static/``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

__all__ = ["in_book", "show", "show_widget"]


def in_book() -> bool:
    """True while the book build executes the chapters (it sets ``GSDIFF_BOOK=1``)."""
    return os.environ.get("GSDIFF_BOOK") == "1"


def show(fig: Figure) -> None:
    """Display a plotly figure: self-contained ``<div>`` for the book, ``fig.show()`` otherwise."""
    if in_book():
        from IPython.display import HTML, display

        html = fig.to_html(include_plotlyjs=False, include_mathjax=False, full_html=False, auto_play=False)
        display(HTML(html))
    else:
        fig.show()


def show_widget(make_widget: Callable[[], object], note: str) -> None:
    """Display the ipywidgets panel ``make_widget()`` in a live kernel; in the static book, show ``note``.

    The panel is only built when it is shown: built during the book build, its comm messages reach a client
    that renders none of them, and such traffic can leave nbclient waiting forever for a finished cell
    (jupyter/nbclient#312).
    """
    from IPython.display import Markdown, display

    display(Markdown(f"*{note}*") if in_book() else make_widget())
