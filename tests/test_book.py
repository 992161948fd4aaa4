"""The book: every chapter executes under the ``ci`` profile, the HTML builds without Sphinx warnings,
every page works offline in headless Chromium (no console error, no failed or outside request,
every plotly figure drawn), and the explore page samples the policy in the browser as PyTorch does."""

from __future__ import annotations

import functools
import http.server
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import torch

from gsdiff.config import SamplingSetting, get_profile
from gsdiff.data import load_or_build_dataset
from gsdiff.diffusion import from_diffusion_space, reverse_process
from gsdiff.notebooks import records_of
from gsdiff.policy import DiffusionPolicy, project_to_levels
from gsdiff.training import policy_for
from gsdiff.wireless import sample_rates
from tests.browser import browser, require_browser, watch

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Request

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
EXECUTED = ROOT / "_build" / "executed"
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


@pytest.fixture(scope="module")
def server(built_book: Path) -> Iterator[str]:
    """Serve the built HTML on 127.0.0.1 from a thread; yield its base URL."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        # Browsers refuse ES modules served as application/octet-stream, which Python's mimetypes may give
        # .mjs without a system MIME table; WebAssembly compiles while streaming only as application/wasm.
        extensions_map = {
            **http.server.SimpleHTTPRequestHandler.extensions_map,
            ".mjs": "text/javascript",
            ".wasm": "application/wasm",
        }

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
    pending: set[Request] = set()

    def failed(req: Request) -> None:
        pending.discard(req)
        problems.append(f"request failed {req.url}: {req.failure}")

    page = context.new_page()
    watch(page, problems)  # outside requests (aborted), console errors, uncaught exceptions, HTTP errors
    page.on("request", lambda req: pending.add(req))
    page.on("requestfinished", lambda req: pending.discard(req))
    page.on("requestfailed", failed)
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
    require_browser()
    base = request.getfixturevalue("server")
    pages = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html") if "_static" not in p.parts)
    problems: list[str] = []
    figures = 0
    with browser(tmp_path / "profile") as context:
        for name in pages:
            found, count = _check_page(context, base + name)
            problems += [f"{name}: {p}" for p in found]
            figures += count
    assert not problems, "\n".join(problems)
    print(f"{len(pages)} pages and {figures} plotly figures checked")


# The explore page's in-browser sampler against PyTorch, from the same initial noise: the float32 kernels of
# onnxruntime-web and of PyTorch agree to ~1e-6 on each noise estimate, and the deterministic DDIM steps carry
# that to powers within 2e-9 W for the ci profile's policy and 1.1e-7 W for the shipped book U-GNN (N = 20,
# 20 steps; P_max = 10 mW). The bound leaves ten times that, and is still 2500 times smaller than the gap
# between two of the expert's power levels.
EXPLORE_TOLERANCE_W = 1e-6
EXPLORE_SAMPLES = 12
SAMPLE_JS = """async ([network, fMin, noise]) => {
    const result = await window.gsdiffSampler.sample({ network, fMin, noise });
    const rows = (a) => a.map((r) => Array.from(r));
    return { raw: rows(result.raw), powers: rows(result.powers), rates: rows(result.rates),
             timeShared: Array.from(result.timeShared) };
}"""
PRESSED_JS = """() => ({
    secondsPer100: window.gsdiffSampler.last.secondsPer100,
    z: document.querySelector('[data-role=powers]').data[0].z,
    line: document.querySelector('[data-role=rates]').data[2].y,
    status: document.querySelector('[data-role=status]').textContent,
})"""
HEATMAP_Z = "JSON.stringify(document.querySelector('[data-role=powers]').data[0].z)"


def _explore_policy() -> DiffusionPolicy:
    """The policy the explore chapter put in its page: its recorded profile and kind, from the cache."""
    parameters = records_of(EXECUTED / "book" / "explore.ipynb")["parameters"]
    config = get_profile(parameters["profile"])
    dataset = load_or_build_dataset(config, progress=False, splits={"test": (config.f_min,)})
    return policy_for(dataset, config, parameters["kind"])[0]


def _python_powers(
    policy: DiffusionPolicy, bundle: dict, network: int, f_min: float, noise: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """The library's reverse loop (the bundle's sampling setting) from the initial noise [S, N]: powers [S, N]
    in W (before any levels) and the network's gains [1, N, N], in float64."""
    n, steps = bundle["num_pairs"], bundle["steps"]
    gains = torch.tensor(bundle["networks"][network]["gains"], dtype=torch.float32).view(1, n, n)
    sampler = policy.sampler(SamplingSetting(**bundle["sampling"]))
    assert sampler.timesteps.tolist() == steps["timesteps"], "the page's steps are the sampler's"
    graph = policy.graphs(gains, f_min + bundle["setting"]["margin"])

    def predict(x: torch.Tensor, t: int) -> torch.Tensor:
        return policy.denoiser(x, torch.full((1, x.shape[2]), t), graph)

    with torch.no_grad():
        x = reverse_process(sampler, noise.T[None].contiguous(), predict)  # [1, N, S]
    return from_diffusion_space(x, policy.max_power_w)[0].T.double(), gains.double()


def test_explore_page_samples_like_pytorch(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    """(1) The page's sampler from given noise against the library's DDIM loop, and its exact rates against
    ``sample_rates``; (2) a reader's press redraws the figures, with no console error and no request off
    this machine; (3) the latency of that press, per 100 samples, printed."""
    require_browser()

    base = request.getfixturevalue("server")
    page_html = (HTML / "book" / "explore.html").read_text()
    assert "onnxruntime-web/ort.wasm.min.mjs" in page_html and 'src="../_static/vendor' not in page_html
    bundle = json.loads((HTML / "_static" / "generated" / "explore" / "bundle.json").read_text())
    policy = _explore_policy()
    n, network, f_min = bundle["num_pairs"], len(bundle["networks"]) - 1, bundle["controls"]["f_min"]
    noise = torch.randn(EXPLORE_SAMPLES, n, generator=torch.Generator().manual_seed(0))
    expected, gains = _python_powers(policy, bundle, network, f_min, noise)
    chosen_f_min = bundle["controls"]["f_mins"][0]
    problems: list[str] = []
    with browser(tmp_path / "profile") as context:
        page = context.new_page()
        watch(page, problems)
        page.goto(base + "book/explore.html", wait_until="load")
        page.wait_for_function("() => window.gsdiffSampler !== undefined")
        page.evaluate("() => window.gsdiffSampler.ready.then(() => null)")  # the model is loaded
        out = page.evaluate(SAMPLE_JS, [network, f_min, noise.tolist()])
        # A reader's press: another network and f_min, the default number of samples.
        page.select_option("[data-role=network]", "0")
        page.select_option("[data-role=f-min]", str(chosen_f_min))
        before = page.evaluate(f"() => {HEATMAP_Z}")
        page.click("[data-role=sample]")
        page.wait_for_function(f"(before) => {HEATMAP_Z} !== before", arg=before, timeout=300_000)
        page.wait_for_function("() => window.gsdiffSampler.presses === 1")
        pressed = page.evaluate(PRESSED_JS)
    assert not problems, "\n".join(problems)
    raw = torch.tensor(out["raw"], dtype=torch.float64)
    worst = (raw - expected).abs().max().item()
    assert worst <= EXPLORE_TOLERANCE_W, f"JS vs PyTorch: max |power difference| {worst:.2e} W"
    powers = torch.tensor(out["powers"], dtype=torch.float64)
    levels = bundle["setting"]["power_levels"]
    assert torch.equal(powers, project_to_levels(raw, policy.max_power_w, levels) if levels else raw)
    rates = sample_rates(gains, powers[None], policy.configs["radio"])[0]  # [S, N]
    assert torch.allclose(torch.tensor(out["rates"], dtype=torch.float64), rates, rtol=0, atol=1e-9)
    time_shared = torch.tensor(out["timeShared"], dtype=torch.float64)
    assert torch.allclose(time_shared, rates.mean(0), rtol=0, atol=1e-12)
    assert len(pressed["z"]) == n and len(pressed["z"][0]) == bundle["controls"]["num_samples"]
    assert pressed["line"] == [chosen_f_min, chosen_f_min] and "per 100 samples" in pressed["status"]
    print(
        f"explore page: JS vs PyTorch max |power difference| {worst:.2e} W over {EXPLORE_SAMPLES} samples; "
        f"{pressed['secondsPer100']:.2f} s per 100 samples in headless Chromium (N = {n}, "
        f"{len(bundle['steps']['timesteps'])} {bundle['steps']['sampler']} steps)"
    )
