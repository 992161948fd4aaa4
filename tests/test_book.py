"""The book: every chapter executes under the ``ci`` profile, the HTML builds without Sphinx warnings,
and every page works offline in headless Chromium (no console error, no failed or outside request,
every plotly figure drawn)."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Request, Response, Route

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
EXECUTED = ROOT / "_build" / "executed"
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
QUIET_S, PAGE_TIMEOUT_S = 0.5, 30.0

pytestmark = pytest.mark.book


def _chapters() -> list[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import build_book
    finally:
        sys.path.pop(0)
    return [str(c) for c in build_book.chapters(ROOT)]


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Execute every chapter under the ``ci`` profile and build the HTML, once per session."""
    cmd = [sys.executable, str(ROOT / "scripts" / "build_book.py"), "--profile", "ci"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}")
    return HTML


def test_chapters_execute_and_book_builds(built_book: Path) -> None:
    chapters = _chapters()
    timings = json.loads((EXECUTED / "timings.json").read_text())
    for chapter in chapters:
        assert chapter in timings, f"{chapter} has no execution time"
        assert (built_book / Path(chapter).with_suffix(".html")).is_file(), f"{chapter} has no HTML page"
        executed = json.loads((EXECUTED / Path(chapter).with_suffix(".ipynb")).read_text())
        assert executed["metadata"]["papermill"]["parameters"]["profile"] == "ci"
    assert (built_book / "_static" / "plotly.min.js").is_file()
    assert (built_book / "_static" / "mathjax" / "tex-chtml.js").is_file()


def _browser_unavailable() -> str | None:
    """Why the browser test cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed"
    if not _chromium():
        return "no Chromium executable (apt-get install chromium)"
    return None


def _chromium() -> str | None:
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else shutil.which("chromium")


@pytest.fixture(scope="module")
def server(built_book: Path) -> Iterator[str]:
    """Serve the built HTML on 127.0.0.1 from a thread; yield its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(built_book))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _check_page(context: BrowserContext, url: str) -> tuple[list[str], int]:
    """Load one page; return its problems and how many plotly figures it has."""
    problems: list[str] = []

    def route(route: Route) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:  # record it, and never let the test itself reach the network
            problems.append(f"outside request {route.request.url}")
            route.abort()

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error":
            problems.append(f"console error: {msg.text} ({msg.location.get('url')})")

    def response(resp: Response) -> None:
        if resp.status >= 400:
            problems.append(f"HTTP {resp.status} {resp.url}")

    pending: set[Request] = set()

    def failed(req: Request) -> None:
        pending.discard(req)
        problems.append(f"request failed {req.url}: {req.failure}")

    page = context.new_page()
    page.route("**/*", route)
    page.on("console", console)
    page.on("pageerror", lambda err: problems.append(f"uncaught exception: {err}"))
    page.on("request", lambda req: pending.add(req))
    page.on("requestfinished", lambda req: pending.discard(req))
    page.on("requestfailed", failed)
    page.on("response", response)
    page.goto(url, wait_until="load")
    # Wait for the network to stay quiet for QUIET_S (fonts, MathJax components, lazy scripts).
    # Playwright's own "networkidle" proved unreliable here: it can resolve before the page is parsed.
    deadline, quiet_since = time.monotonic() + PAGE_TIMEOUT_S, time.monotonic()
    while time.monotonic() - quiet_since < QUIET_S:
        if time.monotonic() > deadline:
            problems.append(f"requests still pending after {PAGE_TIMEOUT_S} s: {[r.url for r in pending]}")
            break
        page.wait_for_timeout(100)
        if pending:
            quiet_since = time.monotonic()
    empty = page.evaluate(
        "() => [...document.querySelectorAll('.plotly-graph-div')]"
        ".filter(d => !d.querySelector('.main-svg')).map(d => d.id)"
    )
    problems += [f"plotly figure #{fid} has no SVG" for fid in empty]
    figures = page.locator(".plotly-graph-div").count()
    page.close()
    return problems, figures


def test_pages_work_offline_in_chromium(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    reason = _browser_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser test cannot run under CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    base = request.getfixturevalue("server")
    pages = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html") if "_static" not in p.parts)
    problems: list[str] = []
    figures = 0
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            for name in pages:
                found, count = _check_page(context, base + name)
                problems += [f"{name}: {p}" for p in found]
                figures += count
        finally:
            context.close()
    assert not problems, "\n".join(problems)
    print(f"{len(pages)} pages and {figures} plotly figures checked")
