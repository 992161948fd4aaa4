"""Tests for gsdiff.viz.widgets: the two-user panel recomputes the rate region when a slider moves."""

from __future__ import annotations

import pytest

import gsdiff.viz.widgets
from gsdiff.config import RadioConfig
from gsdiff.viz.widgets import two_user_panel


def test_two_user_panel_recomputes_on_slider_change(monkeypatch) -> None:
    calls = []
    real = gsdiff.viz.widgets.rate_region
    monkeypatch.setattr(
        gsdiff.viz.widgets, "rate_region", lambda g, *a, **k: calls.append(g) or real(g, *a, **k)
    )
    panel = two_user_panel(RadioConfig(), num_levels=5)
    direct_db, cross_db, _ = panel.children[0].children
    assert len(calls) == 1  # drawn once when built
    cross_db.value = -10.0
    assert len(calls) == 2
    gains = calls[-1]  # [2, 2]: direct on the diagonal, cross 10 dB below it
    assert gains[0, 1].item() == pytest.approx(10 ** (direct_db.value / 10) / 10)
    assert gains[0, 0].item() == pytest.approx(10 ** (direct_db.value / 10))


def test_show_in_replaces_the_outputs_without_output_capture() -> None:
    import ipywidgets

    from gsdiff.viz.widgets import show_in

    out = ipywidgets.Output()
    show_in(out, "first")
    show_in(out, "second")
    (only,) = out.outputs
    assert only["output_type"] == "display_data" and only["data"]["text/plain"] == "'second'"
    assert out.msg_id == ""  # nothing routed through the kernel's capture of a cell's outputs
