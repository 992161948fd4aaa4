"""A chapter's live panel in a real browser: Voilà serves the explore chapter on 127.0.0.1 with a kernel of
this environment, headless Chromium opens it, one control of its sampling panel (``gsdiff.viz.panels``)
moves, and the panel's plotly figures redraw with other data, with nothing fetched from off the machine.

Serving a chapter offline takes three things, all made in a temporary ``JUPYTER_PATH`` (nothing installed):
- a ``python3`` kernelspec that runs ``sys.executable``, so the kernel is this environment whatever
  kernelspecs the user has;
- Voilà's ``lab`` template less its two links to Font Awesome on a CDN (``voila-style.js`` bundles it);
- jupytext's lab extension left out: it needs JupyterLab's document manager, which Voilà has not, and its
  failure to load is a console error.
The figures are drawn by the lab extension that plotly installs (``jupyterlab-plotly``), from its own bundle.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import nbformat
import pytest
import yaml
from jupyter_core.paths import jupyter_path
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from gsdiff.notebooks import package_source, to_notebook
from tests.browser import browser, require_browser, watch

if TYPE_CHECKING:
    from playwright.sync_api import Page

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "book/explore.py"  # the chapter served, with PARAMETERS injected as papermill injects them
PARAMETERS = {"profile": "ci"}  # the ci profile's policies and choices (cached by the ci book build)
CONTROL = "sampler steps"  # the description of the panel slider the test moves one step (sampling_panel)
TEMPLATE = "gsdiff-offline"
START_TIMEOUT_S, PAGE_TIMEOUT_S, DRAW_TIMEOUT_S, STOP_TIMEOUT_S = 60.0, 300.0, 60.0, 20.0
# Page errors known to be harmless, by their text. jupyterlab-plotly 7.1, once it has drawn a figure, stores a
# PNG of it in the output's model (``model.setData``); Voilà 0.5 renders a cell's own outputs from their
# plain JSON, which has no such method. It throws once the figure is drawn; an Output widget's figures (the
# panel's) have real output models and never throw it.
HARMLESS = ("setData is not a function",)

# Voilà's lab template without its stylesheet links to other hosts (Font Awesome on a CDN).
OFFLINE_INDEX = """\
{%- extends 'voila/templates/lab/index.html.j2' -%}
{%- block notebook_css -%}
{%- for line in super().splitlines() if not (line.lstrip().startswith('<link') and '://' in line) %}
{{ line }}
{%- endfor %}
{%- endblock notebook_css -%}
"""
# The data of every drawn plotly figure in the panel around the control described `label` (the nearest box
# that holds an Output widget), as JSON, once it differs from `before`; false until then.
PANEL_DATA_JS = """([label, before]) => {
  const control = [...document.querySelectorAll('.widget-inline-hbox')]
    .find(w => w.querySelector('.widget-label')?.textContent === label);
  for (let box = control; box; box = box.parentElement) {
    if (!box.querySelector('.widget-output')) continue;
    const drawn = [...box.querySelectorAll('.widget-output .js-plotly-plot')]
      .filter(d => d.querySelector('.main-svg'));
    const data = JSON.stringify(drawn.map(d => d.data));
    return drawn.length > 0 && data !== before && data;
  }
  return false;
}"""

pytestmark = pytest.mark.book


class Server(NamedTuple):
    url: str
    log: Path  # Voilà's stdout and stderr
    started: float  # time.monotonic() when it was started


def _notebook(folder: Path) -> Path:
    """CHAPTER as the book build converts it (install cell from ``_config.yml``) with PARAMETERS injected
    after its parameters cell, written in ``folder``."""
    folder.mkdir()
    out = folder / Path(CHAPTER).with_suffix(".ipynb").name
    source = package_source(yaml.safe_load((ROOT / "_config.yml").read_text()))
    nbformat.write(to_notebook(ROOT / CHAPTER, source), out)
    # papermill's reader gives every cell the metadata its parameterizer looks for
    nbformat.write(parameterize_notebook(load_notebook_node(str(out)), PARAMETERS), out)
    return out


def _jupyter_path(folder: Path) -> Path:
    """A JUPYTER_PATH entry with this environment's ``python3`` kernel and the offline template."""
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (gsdiff tests)",
        "language": "python",
    }
    (folder / "kernels" / "python3").mkdir(parents=True)
    (folder / "kernels" / "python3" / "kernel.json").write_text(json.dumps(kernel))
    template = folder / "voila" / "templates" / TEMPLATE
    template.mkdir(parents=True)
    (template / "conf.json").write_text(json.dumps({"base_template": "lab"}))  # static files, page.html, ...
    (template / "index.html.j2").write_text(OFFLINE_INDEX)
    return folder


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _log_tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def _wait_until_serving(proc: subprocess.Popen, url: str, log: Path) -> None:
    """Poll one of Voilà's static files (the page itself would execute the chapter) until it is served."""
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"Voilà exited {proc.returncode} before serving:\n{_log_tail(log)}")
        try:
            with direct.open(url + "voila/static/voila.js", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"Voilà did not serve {url} within {START_TIMEOUT_S} s:\n{_log_tail(log)}")


def _stop(proc: subprocess.Popen) -> None:
    """Terminate Voilà (on SIGTERM it shuts its kernels down); kill it if it has not exited in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture
def voila(tmp_path: Path) -> Iterator[Server]:
    """Voilà serving CHAPTER on a free port of 127.0.0.1, live (no GSDIFF_BOOK), until teardown."""
    labextensions = [Path(p) / "jupyterlab-plotly" for p in jupyter_path("labextensions")]
    if not any(p.is_dir() for p in labextensions):
        pytest.fail(f"plotly's lab extension is not in {labextensions}: no figure could be drawn")
    started = time.monotonic()
    notebook = _notebook(tmp_path / "chapter")
    jupyter = _jupyter_path(tmp_path / "jupyter")
    env = {k: v for k, v in os.environ.items() if k != "GSDIFF_BOOK"}  # the panels are live
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter), env.get("JUPYTER_PATH")]))
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")  # no user configuration of Voilà
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",  # this port or none
        "--Voila.token=",
        f"--template={TEMPLATE}",
        "--show_tracebacks=True",  # a chapter that raises shows why on the page
        "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext",
    ]
    log = tmp_path / "voila.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            cmd, cwd=notebook.parent, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_until_serving(proc, url, log)
        yield Server(url, log, started)
    finally:
        _stop(proc)


def _panel_data(page: Page, before: str | None, what: str, server: Server, problems: list[str]) -> str:
    """The panel's figure data once drawn and different from ``before``; after a while fail with ``what``,
    the page's stderr outputs, its problems so far and Voilà's log."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        handle = page.wait_for_function(PANEL_DATA_JS, arg=[CONTROL, before], timeout=DRAW_TIMEOUT_S * 1000)
    except PlaywrightTimeout:
        errors = page.locator("[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
        pytest.fail(f"{what} within {DRAW_TIMEOUT_S} s; stderr {errors}; {problems}\n{_log_tail(server.log)}")
    return handle.json_value()


def _drive(page: Page, server: Server, problems: list[str]) -> str:
    """Open the chapter, wait for the panel's figure, move CONTROL one step, wait for the figure to change;
    return what happened and how long each stage took."""
    opened = time.monotonic()
    # Voilà streams the page while the kernel runs the chapter: "load" is the chapter's end.
    page.goto(server.url, wait_until="load", timeout=PAGE_TIMEOUT_S * 1000)
    executed = time.monotonic()
    before = _panel_data(page, None, f"no figure drawn in the panel of {CONTROL!r}", server, problems)
    drawn = time.monotonic()
    control = page.locator(".widget-inline-hbox").filter(has=page.get_by_text(CONTROL, exact=True))
    old = control.locator(".widget-readout").inner_text()
    control.locator(".noUi-handle").press("ArrowRight")  # noUiSlider's handle takes the arrow keys
    moved = f"the panel's figure kept its data after {CONTROL!r} moved from {old}"
    _panel_data(page, before, moved, server, problems)
    new = control.locator(".widget-readout").inner_text()
    assert new != old, f"{CONTROL!r} did not move"
    return (
        f"{CHAPTER} in Voilà: {CONTROL!r} {old} -> {new} redrew the panel's figure; server up "
        f"{opened - server.started:.1f} s, chapter executed {executed - opened:.1f} s, panel drawn "
        f"{drawn - executed:.1f} s, redrawn {time.monotonic() - drawn:.1f} s"
    )


def test_live_panel_redraws_in_chromium(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    require_browser()
    server = request.getfixturevalue("voila")  # only once a browser is known to be here
    problems: list[str] = []
    with browser(tmp_path / "profile") as context:
        page = context.new_page()
        page.set_default_timeout(DRAW_TIMEOUT_S * 1000)
        watch(page, problems)
        summary = _drive(page, server, problems)
    unexpected = [p for p in problems if not any(known in p for known in HARMLESS)]
    assert not unexpected, "\n".join(unexpected)
    total = time.monotonic() - server.started
    print(f"{summary}; {len(problems)} known harmless page error(s); {total:.1f} s in all.")
