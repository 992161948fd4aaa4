"""The in-browser sampler: its bundle, files and page, and its JavaScript module against the Python it mirrors
(run in Node: the DDIM step, the powers and levels, the exact ergodic rates); ``tests/test_book.py`` runs the
whole page in headless Chromium against the Python sampler."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import IPython.display
import pytest
import torch

from gsdiff.config import (
    DenoiserConfig,
    DiffusionConfig,
    DropConfig,
    GraphConfig,
    RadioConfig,
    SamplingSetting,
)
from gsdiff.diffusion import from_diffusion_space
from gsdiff.policy import DiffusionPolicy, ReverseSteps, project_to_levels
from gsdiff.viz import (
    SamplerControls,
    browser_sampler_html,
    sampler_bundle,
    show_browser_sampler,
    write_browser_sampler,
)
from gsdiff.viz import browser_sampler as module
from gsdiff.wireless import asymptotic_rates, sample_rates
from gsdiff.wireless.channel import drop_networks

MODULE = Path(module.__file__).with_name(module.MODULE)


@pytest.fixture
def policy() -> DiffusionPolicy:
    torch.manual_seed(0)
    return DiffusionPolicy(
        DenoiserConfig(hidden=8, depth=2),
        DiffusionConfig(num_train_steps=50),
        RadioConfig(),
        GraphConfig(),
        sampling=SamplingSetting(steps=5),
    )


@pytest.fixture
def gains() -> torch.Tensor:
    return drop_networks(3, DropConfig(num_pairs=6, density_per_km2=10.0), seed=2).gains  # [3, 6, 6]


@pytest.fixture
def fake_export(monkeypatch, tmp_path):
    """``cached_export`` writing a stand-in file (tests/policy/test_export.py exports for real)."""

    def export(policy, num_pairs, *, top_k=None):
        path = tmp_path / f"fake-{num_pairs}-{top_k}.onnx"
        path.write_bytes(b"onnx")
        return path

    monkeypatch.setattr(module, "cached_export", export)


def test_bundle_holds_what_the_page_needs(policy, gains):
    expert = torch.rand(3, 4, 6, generator=torch.Generator().manual_seed(1)) * policy.max_power_w
    setting = SamplingSetting(margin=0.1, power_levels=5, steps=4)
    labels = ["a", "b", "c"]
    bundle = sampler_bundle(policy, gains, labels, expert, 0.6, setting)
    json.dumps(bundle)  # plain data
    assert bundle["num_pairs"] == 6 and bundle["figures"]["rates"]["data"][0]["name"] == "U-GNN, sampled here"
    label = "margin 0.1, 5 levels, steps 4"
    assert bundle["setting"] == {"margin": 0.1, "power_levels": 5, "label": label}
    steps = ReverseSteps.of(policy, setting)
    assert bundle["steps"]["timesteps"] == list(steps.timesteps) and len(steps.timesteps) == 4
    assert bundle["steps"]["x0_scale"] == list(steps.x0_scale) and bundle["steps"]["sampler"] == "ddim"
    assert SamplingSetting(**bundle["sampling"]) == setting
    assert bundle["noise_w"] == policy.configs["radio"].noise_w
    assert [net["label"] for net in bundle["networks"]] == labels
    assert torch.equal(torch.tensor(bundle["networks"][2]["gains"]).view(6, 6), gains[2])
    rates = asymptotic_rates(gains.double(), expert.double(), policy.configs["radio"])
    assert bundle["networks"][1]["expert"] == {"f_min": 0.6, "rates": rates[1].tolist()}
    assert set(bundle["figures"]) == {"powers", "rates"}
    assert len(bundle["figures"]["rates"]["data"]) == 3  # the policy's bars, the expert, the f_min line
    assert sampler_bundle(policy, gains, labels)["networks"][0]["expert"] is None


def test_bundle_and_controls_refuse_bad_input(policy, gains):
    with pytest.raises(ValueError, match="labels must name each of the 3 networks, got 2 labels"):
        sampler_bundle(policy, gains, ["a", "b"])
    with pytest.raises(ValueError, match="give both or neither"):
        sampler_bundle(policy, gains, ["a", "b", "c"], expert_f_min=0.6)
    with pytest.raises(ValueError, match="UniPC's corrector is not a LinearStep"):
        sampler_bundle(policy, gains, ["a", "b", "c"], setting=SamplingSetting(sampler="unipc"))
    with pytest.raises(ValueError, match=r"f_min must be one of f_mins \(0.4, 0.5\), got 0.6"):
        SamplerControls(f_mins=(0.4, 0.5))
    with pytest.raises(ValueError, match=r"num_samples must be one of sample_counts \(10,\), got 100"):
        SamplerControls(sample_counts=(10,))
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got -1"):
        SamplerControls(seed=-1)


def test_write_fills_a_fresh_folder(policy, gains, fake_export, tmp_path):
    folder = tmp_path / "page"
    folder.mkdir()
    (folder / "stale.json").write_text("{}")
    bundle = write_browser_sampler(folder, policy, gains, ["a", "b", "c"], setting=SamplingSetting(top_k=2))
    assert sorted(p.name for p in folder.iterdir()) == ["browser_sampler.mjs", "bundle.json", "model.onnx"]
    assert (folder / "model.onnx").read_bytes() == b"onnx"
    assert json.loads((folder / "bundle.json").read_text()) == bundle
    with pytest.raises(ValueError, match="N <= 128 pairs"):
        write_browser_sampler(folder, policy, torch.rand(1, 129, 129), ["x"])


def test_page_loads_the_module_and_onnxruntime_from_the_given_urls(policy, gains):
    bundle = sampler_bundle(policy, gains, ["a <b>", "b", "c"], controls=SamplerControls(seed=4))
    page = browser_sampler_html(bundle, "../_static/generated/x/", "../ort/", element_id="here")
    assert '<div id="here"' in page and 'document.getElementById("here")' in page
    assert 'import * as ort from "../ort/ort.wasm.min.mjs";' in page
    assert 'import { mount } from "../_static/generated/x/browser_sampler.mjs";' in page
    assert "a &lt;b&gt;" in page and 'value="4"' in page and '<option value="100" selected>' in page
    assert "<script src" not in page  # modules only: nothing for jupyter-book's every-page .js list
    with pytest.raises(ValueError, match="base_url must start with '/', './' or '../' .* got 'x/'"):
        browser_sampler_html(bundle, "x/")
    with pytest.raises(ValueError, match="ort_url must .* end with '/'; got '../ort'"):
        browser_sampler_html(bundle, "./x/", "../ort")


def test_show_writes_into_the_book_static_folder_or_says_why_not(
    policy, gains, fake_export, monkeypatch, tmp_path
):
    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    monkeypatch.delenv("GSDIFF_BOOK", raising=False)
    show_browser_sampler("explore", "only in the book", policy, gains, ["a", "b", "c"])
    assert "only in the book" in shown[-1].data and not list(tmp_path.iterdir())
    monkeypatch.setenv("GSDIFF_BOOK", "1")
    monkeypatch.delenv(module.BOOK_STATIC_ENV, raising=False)
    with pytest.raises(RuntimeError, match="GSDIFF_BOOK_STATIC is not set"):
        show_browser_sampler("explore", "", policy, gains, ["a", "b", "c"])
    monkeypatch.setenv(module.BOOK_STATIC_ENV, str(tmp_path / "static"))
    show_browser_sampler("explore", "", policy, gains, ["a", "b", "c"])
    assert (tmp_path / "static" / "explore" / "bundle.json").is_file()
    assert '"../_static/generated/explore/"' in shown[-1].data


def _node(script: str, case: dict, tmp_path: Path) -> dict:
    """Run ``script`` (ES module code with ``case`` in scope and the sampler module as ``m``) in Node;
    return the JSON it prints."""
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI") == "true":
            pytest.fail("node is needed under CI (.ci/run installs nodejs)")
        pytest.skip("no node executable")
    (tmp_path / "case.json").write_text(json.dumps(case))
    code = (
        f"import * as m from {json.dumps(MODULE.as_uri())};\n"
        "import fs from 'node:fs';\n"
        f"const case_ = JSON.parse(fs.readFileSync({json.dumps(str(tmp_path / 'case.json'))}, 'utf8'));\n"
        f"{script}\n"
    )
    (tmp_path / "run.mjs").write_text(code)
    proc = subprocess.run([node, str(tmp_path / "run.mjs")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_module_steps_projects_and_rates_as_the_python_does(policy, tmp_path):
    gen = torch.Generator().manual_seed(5)
    n, m = 6, 4
    setting = SamplingSetting(sampler="dpmsolver++", steps=5, timestep_spacing="trailing")
    steps = ReverseSteps.of(policy, setting)
    x = torch.randn(n, m, generator=gen, dtype=torch.float64)
    eps = torch.randn(2, n, m, generator=gen, dtype=torch.float64)
    sampler = policy.sampler(setting)  # two steps, the second of 2nd order: it uses the first's x0
    first, _ = sampler.step(eps[0], steps.timesteps[0], x)
    expected_step, _ = sampler.step(eps[1], steps.timesteps[1], first)
    assert steps.previous_x0_scale[1] != 0
    signal = torch.tensor([[-0.7, 0.125, 0.375, 0.6], [0.0, -0.5, 0.5, 0.1]], dtype=torch.float64)  # [2, M]
    radio = RadioConfig()
    gains = drop_networks(1, DropConfig(num_pairs=n, density_per_km2=10.0), seed=3).gains.double()
    powers = torch.rand(3, n, generator=gen, dtype=torch.float64) * radio.max_power_w
    powers[0, 1] = 0.0  # a silent transmitter: its own rate is exactly 0
    case = {
        "x": x.flatten().tolist(),
        "eps": [e.flatten().tolist() for e in eps],
        "a": list(steps.alphas_cumprod[:2]),
        "scales": [
            {
                "x": steps.x_scale[k],
                "x0": steps.x0_scale[k],
                "previousX0": steps.previous_x0_scale[k],
                "noise": steps.noise_scale[k],
            }
            for k in range(2)
        ],
        "signal": signal.flatten().tolist(),
        "gains": gains[0].flatten().tolist(),
        "powers": powers.tolist(),
        "noiseW": radio.noise_w,
    }
    script = """
const x = Float64Array.from(case_.x);
const x0Prev = new Float64Array(x.length);
for (let k = 0; k < 2; k++) m.reverseStep(x, case_.eps[k], x0Prev, case_.a[k], case_.scales[k], 0.5, null);
const levels = m.toPowers(case_.signal, 2, 4, 1.0, 5);  // P_max = 1: the half-way levels are exact
const rates = case_.powers.map((p) => Array.from(m.exactRates(p, case_.gains, 6, case_.noiseW, 48, 1e-6)));
const normal = m.gaussian(m.mulberry32(7));
const draws = Array.from({ length: 20000 }, normal);
const again = m.gaussian(m.mulberry32(7))();
console.log(JSON.stringify({ step: Array.from(x), raw: levels.raw.map((p) => Array.from(p)),
  powers: levels.powers.map((p) => Array.from(p)), rates, draws, again }));
"""
    out = _node(script, case, tmp_path)
    assert torch.allclose(torch.tensor(out["step"], dtype=torch.float64), expected_step.flatten(), atol=1e-12)
    raw = from_diffusion_space(signal, 1.0).T  # [M, 2] sample-major, as the module returns
    assert torch.equal(torch.tensor(out["raw"], dtype=torch.float64), raw)
    assert torch.equal(torch.tensor(out["powers"], dtype=torch.float64), project_to_levels(raw, 1.0, 5))
    rates = sample_rates(gains, powers[None], radio)[0]
    assert torch.allclose(torch.tensor(out["rates"], dtype=torch.float64), rates, rtol=0, atol=1e-12)
    assert out["rates"][0][1] == 0.0
    draws = torch.tensor(out["draws"], dtype=torch.float64)
    assert abs(draws.mean()) < 0.03 and abs(draws.std() - 1) < 0.03 and out["again"] == out["draws"][0]
