"""A diffusion policy sampled in a static web page, with no kernel and no server.

``write_browser_sampler`` fills a folder with what the page needs: ``model.onnx``, the policy's channel-graph
construction and denoiser as one ONNX graph (``gsdiff.policy.export``: raw gains in, noise estimate out),
``bundle.json`` (the sampler's steps, the radio, the sampling setting's margin and levels, the quadrature of
the exact ergodic rates, a few networks' gains with the expert's exact time-shared rates on them, the figures'
templates) and ``browser_sampler.mjs``, gsdiff's JavaScript module (package data beside this file).
``browser_sampler_html`` is the page's part: the controls, two figures and a module script that runs the
model with onnxruntime-web's WASM backend on one thread (no SharedArrayBuffer, so no cross-origin-isolation
headers on a static host). A press of *sample* on network g at f_min draws S allocations:

1. x_T ~ N(0, I) [N, S] from a seeded PRNG (mulberry32, Box-Muller): i.i.d. Gaussian noise, where the
   policy's own sampler may use Sobol points (``gsdiff.diffusion.initial_noise``: the same distribution,
   spread more evenly over the S samples);
2. for each step, eps = model(x_t, t, g, f_min + margin) and the linear update of
   ``gsdiff.policy.export.ReverseSteps`` (DDIM, DDPM or DPM-Solver++: the numbers come from the Python
   sampler, the page does no schedule maths of its own);
3. powers (x_0 + 1/2) P_max on [0, P_max], then the setting's power levels
   (``gsdiff.policy.project_to_levels``);
4. each sample's exact ergodic rates by the quadrature of ``gsdiff.wireless.ergodic_rates_exact``, and each
   user's time-shared rate, their mean over the samples (``gsdiff.wireless.asymptotic_rates``);

then draws the powers (users x samples) and the time-shared rates against the expert's and f_min, and says
how long it took. ``tests/test_book.py`` checks the page against the Python sampler from the same noise.

A static host must serve ``.mjs`` as ``text/javascript`` and ``.wasm`` as ``application/wasm`` (GitHub Pages
does); the module files are ``.mjs`` also because jupyter-book loads every ``.js`` under ``_static/`` on
every page. In the book, ``scripts/build_book.py`` sets ``GSDIFF_BOOK_STATIC`` to a folder that it copies
into the built book's ``_static/generated/`` (``show_browser_sampler`` writes there), and copies
onnxruntime-web's WASM build (``make vendor``) into ``_static/vendor/onnxruntime-web/``.
"""

from __future__ import annotations

import html
import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib.resources import files
from pathlib import Path

import plotly.graph_objects as go
import torch

from ..checks import check_f_min, check_int_at_least, check_networks
from ..config import SamplingSetting, policy_candidate
from ..policy import MAX_EXPORT_PAIRS, DiffusionPolicy, ReverseSteps, cached_export
from ..wireless.time_sharing import asymptotic_rates
from ._layout import color
from .display import in_book

__all__ = [
    "BOOK_STATIC_ENV",
    "SamplerControls",
    "sampler_figures",
    "sampler_bundle",
    "write_browser_sampler",
    "browser_sampler_html",
    "show_browser_sampler",
]

BOOK_STATIC_ENV = "GSDIFF_BOOK_STATIC"  # set by build_book.py: copied into the built _static/generated/
BOOK_STATIC_URL = "../_static/generated/"  # that folder, from a chapter's page (book/<chapter>.html)
BOOK_ORT_URL = "../_static/vendor/onnxruntime-web/"  # onnxruntime-web's WASM build, from a chapter's page
MODULE = "browser_sampler.mjs"
QUADRATURE = {"quadrature_nodes": 48, "tail": 1e-6}  # gsdiff.wireless.sample_rates's (its defaults)


@dataclass(frozen=True)
class SamplerControls:
    """What the page's controls offer."""

    f_mins: tuple[float, ...] = (0.4, 0.5, 0.6, 0.7, 0.8)  # bits/s/Hz: the f_min menu
    f_min: float = 0.6  # selected at first (one of f_mins)
    sample_counts: tuple[int, ...] = (25, 50, 100, 200)  # the menu of samples per press
    num_samples: int = 100  # selected at first (one of sample_counts)
    seed: int = 0  # seed of the first press's noise; each press adds 1

    def __post_init__(self) -> None:
        check_f_min(torch.tensor(self.f_mins, dtype=torch.float64))
        for count in self.sample_counts:
            check_int_at_least("sample_counts", count, 1)
        check_int_at_least("seed", self.seed, 0)
        if not any(abs(self.f_min - f) < 1e-9 for f in self.f_mins):
            raise ValueError(f"f_min must be one of f_mins {self.f_mins}, got {self.f_min!r}")
        if self.num_samples not in self.sample_counts:
            raise ValueError(
                f"num_samples must be one of sample_counts {self.sample_counts}, got {self.num_samples!r}"
            )


def sampler_figures(num_pairs: int, max_power_w: float, policy_name: str) -> dict[str, go.Figure]:
    """The page's two figures before the first press (the module fills in their data): "powers", a heatmap
    users x samples in mW, and "rates", each user's time-shared rate (bars) with the expert's and f_min."""
    users = list(range(1, num_pairs + 1))
    waiting = [{"text": "press <i>sample</i>", "showarrow": False, "xref": "paper", "yref": "paper"}]
    powers = go.Figure(
        go.Heatmap(
            z=[],
            y=users,
            zmin=0.0,
            zmax=max_power_w * 1e3,
            colorscale="Viridis",
            colorbar={"title": {"text": "mW"}},
            hovertemplate="user %{y}, sample %{x}: %{z:.2f} mW<extra></extra>",
        )
    )
    powers.update_layout(
        title={"text": "Sampled transmit powers"},
        xaxis={"title": {"text": "sample"}},
        yaxis={"title": {"text": "user (tx-rx pair)"}, "dtick": 1 if num_pairs <= 20 else None},
        height=380,
        annotations=waiting,
    )
    rates = go.Figure(
        [
            go.Bar(x=users, y=[], name=f"{policy_name}, sampled here", marker={"color": color(0)}),
            go.Scatter(x=users, y=[], mode="markers", name="expert", marker={"color": color(1), "size": 9}),
            go.Scatter(
                x=[0.5, num_pairs + 0.5],
                y=[],
                mode="lines",
                name="f_min",
                line={"dash": "dash", "color": "black"},
            ),
        ]
    )
    rates.update_layout(
        title={"text": "Exact time-shared rate of each user"},
        xaxis={"title": {"text": "user (tx-rx pair)"}, "dtick": 1 if num_pairs <= 20 else None},
        yaxis={"title": {"text": "ergodic rate (bits/s/Hz)"}, "rangemode": "tozero"},
        height=380,
        annotations=waiting,
    )
    return {"powers": powers, "rates": rates}


def sampler_bundle(
    policy: DiffusionPolicy,
    gains: torch.Tensor,
    labels: Sequence[str],
    expert_samples_w: torch.Tensor | None = None,
    expert_f_min: float | None = None,
    setting: SamplingSetting | None = None,
    controls: SamplerControls | None = None,
) -> dict:
    """The page's data (``bundle.json``) for networks ``gains`` [B, N, N] named ``labels``, with the expert's
    exact time-shared rates from its samples [B, S, N] at ``expert_f_min`` where given; ``setting`` (default
    the policy's own) says how the policy samples: its sampler's steps, margin and power levels."""
    setting, controls = setting or policy.sampling, controls or SamplerControls()
    check_networks(gains)
    b, n = gains.shape[0], gains.shape[-1]
    if len(labels) != b:
        raise ValueError(f"labels must name each of the {b} networks, got {len(labels)} labels")
    if (expert_samples_w is None) != (expert_f_min is None):
        raise ValueError("expert_samples_w and expert_f_min go together: give both or neither")
    expert = [None] * b
    if expert_samples_w is not None:
        check_f_min(expert_f_min)
        rates = asymptotic_rates(gains.double(), expert_samples_w.double(), policy.configs["radio"])  # [B, N]
        expert = [{"f_min": float(expert_f_min), "rates": r} for r in rates.tolist()]
    radio, kind = policy.configs["radio"], policy.configs["denoiser"].kind
    figures = sampler_figures(n, radio.max_power_w, policy_candidate(kind).label)
    bundle = {
        "model": "model.onnx",
        "num_pairs": n,
        "max_power_w": radio.max_power_w,
        "noise_w": radio.noise_w,
        "setting": {"margin": setting.margin, "power_levels": setting.power_levels, "label": setting.label},
        "sampling": asdict(setting),  # the whole setting, for a reader (and a test) to rebuild the sampler
        "steps": asdict(ReverseSteps.of(policy, setting)),
        "quadrature": QUADRATURE,
        "networks": [
            {"label": label, "gains": g.flatten().tolist(), "expert": e}
            for label, g, e in zip(labels, gains.float(), expert, strict=True)
        ],
        "figures": {name: json.loads(fig.to_json()) for name, fig in figures.items()},
        "controls": asdict(controls),
    }
    return json.loads(json.dumps(bundle))  # as the page reads it: lists, not tuples


def write_browser_sampler(
    folder: str | Path,
    policy: DiffusionPolicy,
    gains: torch.Tensor,
    labels: Sequence[str],
    expert_samples_w: torch.Tensor | None = None,
    expert_f_min: float | None = None,
    setting: SamplingSetting | None = None,
    controls: SamplerControls | None = None,
) -> dict:
    """Empty ``folder`` and write the page's files into it: ``model.onnx`` (``cached_export`` at the networks'
    N and the setting's top_k), ``bundle.json`` (``sampler_bundle`` of the same arguments) and the
    JavaScript module. Returns the bundle."""
    n = gains.shape[-1]
    if n > MAX_EXPORT_PAIRS:
        raise ValueError(f"gains must have N <= {MAX_EXPORT_PAIRS} pairs for the page's model, got N = {n}")
    setting = setting or policy.sampling
    data = sampler_bundle(policy, gains, labels, expert_samples_w, expert_f_min, setting, controls)
    folder = Path(folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    shutil.copyfile(cached_export(policy, n, top_k=setting.top_k), folder / data["model"])
    (folder / "bundle.json").write_text(json.dumps(data))
    shutil.copyfile(Path(str(files("gsdiff.viz") / MODULE)), folder / MODULE)
    return data


def _options(values: Sequence, selected, label=str) -> str:
    """<option> elements, ``selected`` marked."""
    return "".join(
        f'<option value="{html.escape(str(v))}"{" selected" if v == selected else ""}>'
        f"{html.escape(label(v))}</option>"
        for v in values
    )


def browser_sampler_html(
    bundle: dict, base_url: str, ort_url: str = BOOK_ORT_URL, element_id: str = "gsdiff-sampler"
) -> str:
    """The page's controls, figures and module script for the files of ``write_browser_sampler`` at
    ``base_url`` and onnxruntime-web's WASM build at ``ort_url`` (both relative to the page, ending in /)."""
    for name, url in (("base_url", base_url), ("ort_url", ort_url)):
        if not (url.startswith(("/", "./", "../")) and url.endswith("/")):
            raise ValueError(
                f"{name} must start with '/', './' or '../' (a module's URL) and end with '/'; got {url!r}"
            )
    controls = bundle["controls"]
    networks = _options(range(len(bundle["networks"])), 0, lambda k: bundle["networks"][k]["label"])
    f_mins = _options(controls["f_mins"], controls["f_min"], lambda f: f"{f:g}")
    counts = _options(controls["sample_counts"], controls["num_samples"])
    urls = {name: json.dumps(url) for name, url in (("base", base_url), ("ort", ort_url))}
    script = (
        f"import * as ort from {json.dumps(ort_url + 'ort.wasm.min.mjs')};\n"
        f"import {{ mount }} from {json.dumps(base_url + MODULE)};\n"
        f'mount(document.getElementById("{element_id}"), ort, {urls["base"]}, {urls["ort"]});\n'
    )
    return (
        f'<div id="{element_id}" class="gsdiff-sampler">\n'
        '<div style="display: flex; flex-wrap: wrap; gap: 0.5em 1.5em; align-items: center">\n'
        f'<label>network <select data-role="network">{networks}</select></label>\n'
        f'<label>f<sub>min</sub> <select data-role="f-min">{f_mins}</select> bits/s/Hz</label>\n'
        f'<label>samples <select data-role="samples">{counts}</select></label>\n'
        f'<label>seed <input data-role="seed" type="number" min="0" step="1" value="{controls["seed"]}"'
        ' style="width: 6em"></label>\n'
        '<button data-role="sample" type="button" disabled>sample</button>\n'
        "</div>\n"
        '<p data-role="status">Loading the policy and onnxruntime-web...</p>\n'
        f'<div id="{element_id}-powers" data-role="powers" class="plotly-graph-div"></div>\n'
        f'<div id="{element_id}-rates" data-role="rates" class="plotly-graph-div"></div>\n'
        f'<script type="module">\n{script}</script>\n'
        "</div>\n"
    )


def show_browser_sampler(
    name: str, note: str, policy: DiffusionPolicy, gains: torch.Tensor, labels: Sequence[str], **options
) -> None:
    """In the book build, write the sampler's files (``write_browser_sampler`` with ``options``) into the
    folder ``name`` of the book's generated static files and display the page's part; in a live kernel, show
    ``note`` instead (the page needs the files that the book build serves beside it)."""
    from IPython.display import HTML, Markdown, display

    if not in_book():
        display(Markdown(f"*{note}*"))
        return
    root = os.environ.get(BOOK_STATIC_ENV)
    if not root:
        raise RuntimeError(f"{BOOK_STATIC_ENV} is not set: scripts/build_book.py sets it for the book build")
    data = write_browser_sampler(Path(root) / name, policy, gains, labels, **options)
    page = browser_sampler_html(data, f"{BOOK_STATIC_URL}{name}/", element_id=f"gsdiff-sampler-{name}")
    display(HTML(page))
