"""The chapters' common opening: the profile with the chapter's overrides, the clock and the closing line."""

from __future__ import annotations

import pytest

from gsdiff.config import get_profile
from gsdiff.notebooks import open_chapter


def test_open_chapter_applies_the_profile_settings() -> None:
    chapter = open_chapter({"profile": "ci", "profile_settings": {"seed": 3, "tuning.margins": [0.0, 0.05]}})
    assert chapter.profile.name == "ci" and chapter.profile.seed == 3
    assert chapter.profile.tuning.margins == (0.0, 0.05)
    assert chapter.profile.train == get_profile("ci").train  # the rest as the named profile has it
    assert open_chapter({}).profile == get_profile("book")  # a chapter without the parameters: the book's
    with pytest.raises(ValueError, match="unknown setting 'tuning.margin'; tuning has: networks_per_density"):
        open_chapter({"profile": "ci", "profile_settings": {"tuning.margin": [0.0]}})
    with pytest.raises(ValueError, match="profile must be one of 'ci', 'book', 'paper'; got 'big'"):
        open_chapter({"profile": "big"})


def test_finish_shows_and_records_the_run_time(monkeypatch) -> None:
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objects, **kwargs: shown.extend(objects))
    chapter = open_chapter({"profile": "ci"})
    chapter.finish()
    markdown, recorded = shown[-2:]
    assert "This chapter ran in" in markdown.data and "(profile `ci`)" in markdown.data
    assert float(recorded["application/papermill.record/text/plain"]) >= 0
