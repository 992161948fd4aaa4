"""Headless Chromium for the browser tests (the static book in ``test_book.py``, a chapter served with a
live kernel in ``test_live_kernel.py``): where the browser is, how it starts, and a watch on a page that keeps
every request on this machine.

Not a test module (pytest collects ``test_*.py``); imported as ``tests.browser``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Response, Route

__all__ = [
    "CHROMIUM_ARGS",
    "browser",
    "browser_unavailable",
    "chromium",
    "keep_local",
    "require_browser",
    "watch",
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Schemes that never reach the network.
LOCAL_SCHEMES = {"data", "blob", "about"}


def chromium() -> str | None:
    """Debian's Chromium, else any ``chromium`` on PATH (playwright cannot download its own here)."""
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else shutil.which("chromium")


@contextmanager
def browser(profile: Path) -> Iterator[BrowserContext]:
    """Headless Chromium with its profile in the folder ``profile``, closed on exit (``require_browser``
    first)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile), executable_path=chromium(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield context
        finally:
            context.close()


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    if not chromium():
        return "no Chromium executable (apt-get install chromium)"
    return None


def require_browser() -> None:
    """Skip the calling test where no browser can run; fail it under CI (``CI=true``), where one must."""
    reason = browser_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser test cannot run under CI: {reason}")
        pytest.skip(reason)


def keep_local(problems: list[str]) -> Callable[[Route], None]:
    """A route handler that lets requests to this machine through and aborts, recording it on ``problems``,
    every other one: a page that needs a CDN fails its test instead of quietly reaching the network."""

    def route(route: Route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:  # record it, and never let the test itself reach the network
            problems.append(f"outside request {route.request.url}")
            route.abort()

    return route


def watch(page: Page, problems: list[str]) -> None:
    """Keep ``page`` on this machine (``keep_local``) and record on ``problems`` its console errors, uncaught
    exceptions and HTTP errors, for the caller to assert on once the page has done its work."""

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            problems.append(f"console error: {msg.text} ({msg.location.get('url')})")

    def response(resp: Response) -> None:
        if resp.status >= 400:
            problems.append(f"HTTP {resp.status} {resp.url}")

    page.route("**/*", keep_local(problems))
    page.on("console", console)
    page.on("pageerror", lambda err: problems.append(f"uncaught exception: {err}"))
    page.on("response", response)
