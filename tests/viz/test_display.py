"""Tests for gsdiff.viz: what the book build and a live kernel each show."""

from __future__ import annotations

import IPython.display

from gsdiff.viz import in_book, show_widget


def test_show_widget_builds_the_panel_only_outside_the_book(monkeypatch) -> None:
    shown, built = [], []
    monkeypatch.setattr(IPython.display, "display", shown.append)

    def make() -> str:
        built.append(True)
        return "panel"

    monkeypatch.setenv("GSDIFF_BOOK", "1")
    assert in_book()
    show_widget(make, "run it live")
    assert built == [] and "run it live" in shown[-1].data

    monkeypatch.delenv("GSDIFF_BOOK")
    assert not in_book()
    show_widget(make, "run it live")
    assert built == [True] and shown[-1] == "panel"
