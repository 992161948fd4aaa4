"""In-browser sampling benchmark: seconds per 100 samples of the shipped book U-GNN in headless Chromium.

Writes the explore chapter's sampler page (``gsdiff.viz.write_browser_sampler``, the shipped policy at the
book profile's N, a few new networks) into a temporary folder with onnxruntime-web (``make vendor``) and
plotly.js, serves it on 127.0.0.1, presses *sample* ``--presses`` times and prints the seconds per 100
samples the page measured (its reverse loop on onnxruntime-web's WASM backend, one thread, and the exact
rates), beside PyTorch's for the same samples in this process: the distilled student the explore chapter's
page runs (2 DDIM steps), the shipped policy at its stored setting (6 DPM-Solver++ steps), and with
``--before`` the same policy at the 20 DDIM steps it used before, with the same margin and levels:

    python benchmarks/browser_sampler.py --samples 100 --presses 5 --before
"""

from __future__ import annotations

import argparse
import functools
import http.server
import shutil
import statistics
import tempfile
import threading
import time
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

import torch

from gsdiff.config import SamplingSetting, get_profile
from gsdiff.policy import DiffusionPolicy, load_distilled, load_pretrained
from gsdiff.viz import SamplerControls, browser_sampler_html, write_browser_sampler
from gsdiff.wireless import drop_networks, sample_rates

ROOT = Path(__file__).resolve().parents[1]
ORT_DIST = ROOT / "book" / "vendor" / "node_modules" / "onnxruntime-web" / "dist"
ORT_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    extensions_map = {".mjs": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, *args: object) -> None:
        pass


def _write_site(folder: Path, samples: int, policy: DiffusionPolicy, setting: SamplingSetting) -> None:
    """The page, its bundle and model, onnxruntime-web and plotly.js under ``folder``."""
    profile = get_profile("book")
    gains = drop_networks(2, profile.drop(profile.densities_per_km2[0]), seed=0).gains
    controls = SamplerControls(sample_counts=(samples,), num_samples=samples)
    labels = ["network 1", "network 2"]
    bundle = write_browser_sampler(
        folder / "sampler", policy, gains, labels, setting=setting, controls=controls
    )
    (folder / "ort").mkdir()
    for name in ORT_FILES:
        shutil.copy(ORT_DIST / name, folder / "ort" / name)
    shutil.copy(Path(str(files("plotly"))) / "package_data" / "plotly.min.js", folder / "plotly.min.js")
    page = browser_sampler_html(bundle, "./sampler/", "./ort/")
    (folder / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><link rel='icon' href='data:,'>"
        f"<script src='plotly.min.js'></script></head><body>{page}</body></html>"
    )


def _pytorch_seconds_per_100(
    samples: int, repeats: int, policy: DiffusionPolicy, setting: SamplingSetting
) -> float:
    """The same draw in PyTorch (sampling and exact rates), best of ``repeats``, per 100 samples."""
    profile = get_profile("book")
    gains = drop_networks(1, profile.drop(profile.densities_per_km2[0]), seed=0).gains
    best = float("inf")
    for seed in range(repeats):
        start = time.perf_counter()
        x = policy.sample(
            gains, profile.f_min, samples, setting, generator=torch.Generator().manual_seed(seed)
        )
        sample_rates(gains, x, profile.radio).mean(1)
        best = min(best, time.perf_counter() - start)
    return best * 100 / samples


def _browser_seconds_per_100(
    samples: int, presses: int, policy: DiffusionPolicy, setting: SamplingSetting
) -> list[float]:
    """The page's own measure of each press, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        _write_site(Path(tmp), samples, policy, setting)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=tmp))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--disable-gpu"],
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/index.html")
            page.wait_for_function("() => window.gsdiffSampler !== undefined")
            page.evaluate("() => window.gsdiffSampler.ready.then(() => null)")
            seconds = []
            for press in range(1, presses + 1):
                page.click("[data-role=sample]")
                page.wait_for_function(f"() => window.gsdiffSampler.presses === {press}", timeout=600_000)
                seconds.append(page.evaluate("() => window.gsdiffSampler.last.secondsPer100"))
            browser.close()
        server.shutdown()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100, help="samples per press")
    parser.add_argument("--presses", type=int, default=5)
    parser.add_argument("--before", action="store_true", help="also at 20 DDIM steps")
    args = parser.parse_args()
    book = get_profile("book")
    shipped = load_pretrained(book, "ugnn")
    runs = {"stored setting": (shipped, shipped.sampling)}
    distilled = load_distilled(book, "ugnn")
    if distilled is not None:  # what the explore chapter's page runs
        runs = {"distilled student": (distilled, distilled.sampling)} | runs
    if args.before:
        before = replace(shipped.sampling, sampler="ddim", steps=20, timestep_spacing="leading")
        runs["20 DDIM steps"] = (shipped, before)
    for name, (policy, setting) in runs.items():
        seconds = _browser_seconds_per_100(args.samples, args.presses, policy, setting)
        torch_seconds = _pytorch_seconds_per_100(args.samples, 3, policy, setting)
        n = get_profile("book").num_pairs
        print(
            f"book U-GNN, N = {n}, {name} ({setting.label}), {args.samples} samples "
            f"per press: headless Chromium {min(seconds):.2f} s per 100 samples (median "
            f"{statistics.median(seconds):.2f} over {args.presses} presses), PyTorch {torch_seconds:.2f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
