"""Sphinx extension keeping the HTML book offline and its browser console clean.

- An inline (body-only) script that an extension adds after the HTML builder's init
  (sphinx-thebe's ``const THEBE_JS_URL = ...`` in env-before-read-docs, sphinx-togglebutton's
  selector in builder-inited) reaches the builder with filename ``None``, and Sphinx 7.4's
  prepare_writing adds it again from the registry with filename ``""``; its de-duplication treats the
  two as different, so each page declares the ``const`` twice (a console SyntaxError). Drop repeats.
- After the build, warn (an error under ``-W``) about any page that loads a script, stylesheet,
  image or frame from another host, so a CDN dependency cannot slip in unnoticed.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

# <link rel=...> values that make the browser fetch the href.
FETCHING_RELS = {
    "stylesheet",
    "preload",
    "modulepreload",
    "icon",
    "shortcut icon",
    "apple-touch-icon",
    "manifest",
}


def drop_duplicate_scripts(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    # The same inline script is registered once with filename None and once with "", so compare
    # on (filename or "", priority, attributes) and keep the first of each.
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for js in context.get("script_files") or []:
        key = (js.filename or "", js.priority, tuple(sorted(js.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(js)
    context["script_files"] = unique


class _ExternalResources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and (a.get("rel") or "").lower() in FETCHING_RELS:
            url = a.get("href")
        elif tag in ("script", "img", "iframe", "source", "audio", "video", "embed"):
            url = a.get("src")
        else:
            return
        if url and url.split(":", 1)[0].lower() in ("http", "https") or (url or "").startswith("//"):
            self.urls.append(url or "")


def check_offline(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    for page in sorted(outdir.rglob("*.html")):
        parser = _ExternalResources()
        parser.feed(page.read_text(encoding="utf-8"))
        for url in parser.urls:
            logger.warning("%s loads an external resource: %s", page.relative_to(outdir), url)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("build-finished", check_offline)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}
