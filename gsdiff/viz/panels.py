"""Live panels for a kernel (Jupyter, Colab, Voilà): the shipped policy sampled on the spot.

* ``sampling_panel``: pick a network (density, size, seed), f_min (any value, the training grid's or not),
  the number of samples, the sampler, its steps and eta, and dual time-sharing on or off; the policy
  samples, and the panel draws the network map coloured by transmit power, the strip of samples, and the
  time-sharing percentile curves against the expert's, run on the same network.
* ``slice_panel``: pick a network and a pair of users (most coupled first): the policy's joint samples of
  the pair over the expert's.
* ``percentile_panel``: cumulative p1, p5 and mean over slots, for the chosen candidates, horizon and f_min.

Each builds with no arguments (the ``book`` profile's shipped U-GNN and networks drawn from the profile);
arguments override them. Each is a ``Panel``: an ``ipywidgets.VBox`` that also keeps its controls and its
latest figures by name, so a test (or a notebook) can set a control and read what was drawn. Everything is
computed on demand and cached per choice; while a computation runs, a progress bar and a line say which
stage it is in, and the line then says how long it took.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import ipywidgets as widgets
import torch

from ..config import (
    AVERAGE_POWER,
    EXPERT,
    FULL_POWER,
    SAMPLER_KINDS,
    WMMSE,
    DropConfig,
    DualTimeSharingConfig,
    Profile,
    SamplingSetting,
    dual_candidate,
    get_profile,
    policy_candidate,
)
from ..evaluation import CandidateSamples, evaluate_candidates, expert_and_candidates, expert_for_size
from ..policy import DiffusionPolicy, load_pretrained
from ..solvers.dual_time_sharing import dual_time_sharing
from ..solvers.expert import run_expert
from ..wireless.channel import drop_at_densities, drop_networks
from .expert import pair_slice_figure, sample_strip_figure, strongest_pairs
from .network import allocation_map_figure
from .rates import percentile_curves_figure
from .widgets import show_in

if TYPE_CHECKING:
    from plotly.graph_objects import Figure

__all__ = ["Panel", "sampling_panel", "slice_panel", "percentile_panel"]

POLICY = policy_candidate("ugnn")  # how the panels name the policy


class Panel(widgets.VBox):
    """A VBox of controls, a status line with a progress bar, and named figure outputs.

    ``controls`` maps names to the control widgets; ``figures`` holds the figure last drawn in each output.
    """

    def __init__(self, controls: Mapping[str, widgets.Widget], figure_names: Sequence[str]) -> None:
        self.controls = dict(controls)
        self.figures: dict[str, Figure] = {}
        self.outputs = {name: widgets.Output() for name in figure_names}
        self.status = widgets.HTML()
        self.progress = widgets.IntProgress(value=0, min=0, max=1, layout={"visibility": "hidden"})
        rows = [
            widgets.HBox(list(self.controls.values())[k : k + 4]) for k in range(0, len(self.controls), 4)
        ]
        super().__init__([*rows, widgets.HBox([self.progress, self.status]), *self.outputs.values()])

    def draw(self, name: str, fig: Figure) -> None:
        self.figures[name] = fig
        show_in(self.outputs[name], fig)

    def run(self, stages: Sequence[tuple[str, Callable[[], object]]]) -> None:
        """Run the ``stages`` (label, work) in order, the progress bar and status line following them."""
        started = time.perf_counter()
        self.progress.max, self.progress.value = len(stages), 0
        self.progress.layout.visibility = "visible"
        try:
            for label, work in stages:
                self.status.value = f"{label}…"
                work()
                self.progress.value += 1
        finally:
            self.progress.layout.visibility = "hidden"
        self.status.value = f"done in {time.perf_counter() - started:.1f} s"

    def on_change(self, redraw: Callable[[], None]) -> None:
        """Call ``redraw`` whenever a control's value changes."""
        for control in self.controls.values():
            control.observe(lambda _: redraw(), names="value")


def _policy_and_profile(
    policy: DiffusionPolicy | None, profile: Profile | None
) -> tuple[DiffusionPolicy, Profile]:
    """The given policy and profile, or the ``book`` profile and its shipped U-GNN."""
    profile = profile or get_profile("book")
    if policy is None:
        policy = load_pretrained(profile, "ugnn")
        if policy is None:
            raise ValueError(
                f"policy: the {profile.name} profile ships no U-GNN checkpoint; pass a trained policy"
            )
    return policy, profile


def _f_min_slider(value: float) -> widgets.FloatSlider:
    return widgets.FloatSlider(
        value=value, min=0.1, max=1.5, step=0.05, description="f_min (b/s/Hz)", continuous_update=False
    )


def sampling_panel(
    policy: DiffusionPolicy | None = None,
    profile: Profile | None = None,
    setting: SamplingSetting | None = None,
    sizes: Sequence[int] | None = None,
    seed: int = 0,
) -> Panel:
    """Sample the policy on one network of the chosen density, size and seed, and draw what it plays.

    Args:
        policy, profile: the policy and the profile whose densities, expert and evaluation are used
            (default: the ``book`` profile's shipped U-GNN).
        setting: how the policy samples (default its own; e.g. the tuned setting of
            ``gsdiff.evaluation.tuned_settings``); the panel's sampler, steps and eta (DDIM's) override its
            own.
        sizes: the network sizes offered (default: the profile's training size and its transfer sizes up to
            100 pairs, where the expert still takes seconds).
        seed: seed of the samples and of the fading slots.
    """
    policy, profile = _policy_and_profile(policy, profile)
    setting = setting or policy.sampling
    sizes = list(sizes or [n for n in (profile.num_pairs, *profile.transfer_pairs) if n <= 100])
    panel = Panel(
        {
            "density": widgets.Dropdown(options=list(profile.densities_per_km2), description="pairs/km²"),
            "num_pairs": widgets.Dropdown(options=sizes, description="pairs N"),
            "network_seed": widgets.BoundedIntText(value=0, min=0, max=10**6, description="network seed"),
            "f_min": _f_min_slider(profile.f_min),
            "num_samples": widgets.Dropdown(options=[10, 25, 50, 100], value=25, description="samples"),
            "sampler": widgets.Dropdown(
                options=list(SAMPLER_KINDS), value=setting.sampler, description="sampler"
            ),
            "steps": widgets.IntSlider(
                value=setting.steps,
                min=1,
                max=50,
                description="sampler steps",
                continuous_update=False,
            ),
            "eta": widgets.FloatSlider(
                value=setting.eta,
                min=0.0,
                max=1.0,
                step=0.1,
                description="η (DDIM)",
                continuous_update=False,
            ),
            "dual": widgets.Checkbox(value=False, description="dual time-sharing"),
        },
        ["map", "strip", "curves"],
    )
    experts: dict[tuple, torch.Tensor] = {}

    def redraw() -> None:
        c = {name: w.value for name, w in panel.controls.items()}
        drop = DropConfig(num_pairs=c["num_pairs"], density_per_km2=c["density"])
        state: dict = {}

        def sample() -> None:
            state["net"] = drop_networks(1, drop, seed=c["network_seed"])
            eta = c["eta"] if c["sampler"] == "ddim" else 0.0  # the other samplers have no eta
            chosen = replace(setting, sampler=c["sampler"], steps=c["steps"], eta=eta)
            generator = torch.Generator().manual_seed(seed)
            state["samples"] = policy.sample(
                state["net"].gains, c["f_min"], c["num_samples"], chosen, generator=generator
            )

        def expert() -> None:
            key = (drop, c["network_seed"], c["f_min"])
            if key not in experts:
                config = expert_for_size(profile.expert, c["num_pairs"])
                experts[key] = run_expert(
                    state["net"].gains, c["f_min"], profile.radio, config, seed=seed
                ).samples_w
            state["expert"] = experts[key]

        def time_share() -> None:
            gains, played = state["net"].gains, state["samples"]
            if c["dual"]:
                played = dual_time_sharing(
                    gains, played, c["f_min"], profile.radio, profile.evaluation, DualTimeSharingConfig()
                )
            played_by = dual_candidate(POLICY) if c["dual"] else POLICY
            candidates = {
                EXPERT: CandidateSamples(state["expert"], 0.0),
                played_by: CandidateSamples(played, 0.0),
            }
            state["results"] = evaluate_candidates(
                gains, candidates, profile.radio, profile.evaluation, seed=seed
            )

        panel.run(
            [
                ("drawing samples", sample),
                ("running the expert", expert),
                ("time-sharing over slots", time_share),
            ]
        )
        samples = state["samples"][0]  # [S, N]
        x = (samples / policy.max_power_w - 0.5).double().numpy()  # the map colours the diffusion space
        panel.draw("map", allocation_map_figure(state["net"], 0, x, [f"sample {k}" for k in range(len(x))]))
        panel.draw("strip", sample_strip_figure(samples, policy.max_power_w))
        panel.draw("curves", percentile_curves_figure(state["results"], c["f_min"]))

    panel.on_change(redraw)
    redraw()
    return panel


def slice_panel(
    policy: DiffusionPolicy | None = None,
    profile: Profile | None = None,
    setting: SamplingSetting | None = None,
    gains: torch.Tensor | None = None,
    num_pairs: int = 6,
    seed: int = 0,
) -> Panel:
    """The policy's joint samples of a pair of users over the expert's, for a chosen network and pair.

    Args:
        gains: the networks offered [B, N, N] (default: one network of the profile's size per density).
        num_pairs: how many of each network's most coupled pairs the pair menu offers.
    """
    policy, profile = _policy_and_profile(policy, profile)
    setting = setting or policy.sampling
    if gains is None:  # one network of the profile's size per density
        gains = drop_at_densities(1, profile.num_pairs, profile.densities_per_km2, seed=seed)
    panel = Panel(
        {
            "network": widgets.Dropdown(options=list(range(gains.shape[0])), description="network"),
            "pair": widgets.Dropdown(description="users"),
            "f_min": _f_min_slider(profile.f_min),
            "num_samples": widgets.Dropdown(options=[25, 50, 100, 200], value=100, description="samples"),
        },
        ["slice"],
    )
    pools: dict[tuple, dict[str, torch.Tensor]] = {}

    def set_pairs() -> None:
        pairs = strongest_pairs(gains[panel.controls["network"].value].double(), num_pairs)
        # Options (label, (i, j)); setting them clears the value (a redraw skips it) before the first pair.
        panel.controls["pair"].options = [(f"users {i}, {j}", pair) for pair in pairs for i, j in [pair]]
        panel.controls["pair"].index = 0

    def redraw() -> None:
        c = {name: w.value for name, w in panel.controls.items()}
        if c["pair"] is None:
            return
        key = (c["network"], c["f_min"], c["num_samples"])
        g = gains[c["network"] : c["network"] + 1]

        def expert() -> None:
            config = expert_for_size(profile.expert, g.shape[-1])
            pools.setdefault(key, {})[EXPERT] = run_expert(
                g, c["f_min"], profile.radio, config, seed=seed
            ).samples_w[0]

        def sample() -> None:
            generator = torch.Generator().manual_seed(seed)
            pools[key][POLICY] = policy.sample(g, c["f_min"], c["num_samples"], setting, generator=generator)[
                0
            ]

        if key not in pools:
            panel.run([("running the expert", expert), ("drawing samples", sample)])
        panel.draw("slice", pair_slice_figure(pools[key], c["pair"]))

    set_pairs()
    panel.controls["network"].observe(lambda _: set_pairs(), names="value")
    panel.on_change(redraw)
    redraw()
    return panel


def percentile_panel(
    policy: DiffusionPolicy | None = None,
    profile: Profile | None = None,
    setting: SamplingSetting | None = None,
    gains: torch.Tensor | None = None,
    num_samples: int = 100,
    seed: int = 0,
) -> Panel:
    """Cumulative p1, p5 and mean over slots for the chosen candidates, horizon and f_min.

    Args:
        gains: the networks pooled [B, N, N] (default: two networks of the profile's size per density).
        num_samples: policy samples per network.
    """
    policy, profile = _policy_and_profile(policy, profile)
    setting = setting or policy.sampling
    if gains is None:  # two networks of the profile's size per density
        gains = drop_at_densities(2, profile.num_pairs, profile.densities_per_km2, seed=seed)
    names = [EXPERT, POLICY, dual_candidate(POLICY), FULL_POWER, AVERAGE_POWER, WMMSE]
    windows = profile.evaluation.num_windows  # time-sharing slots
    panel = Panel(
        {
            "candidates": widgets.SelectMultiple(
                options=[(c.label, c) for c in names], value=tuple(names), description="candidates"
            ),
            "horizon": widgets.IntSlider(
                value=windows,
                min=min(5, windows),
                max=windows,
                description="time-sharing slots",
                continuous_update=False,
            ),
            "f_min": _f_min_slider(profile.f_min),
        },
        ["curves"],
    )
    results: dict[float, dict] = {}

    def evaluate(f_min: float) -> None:
        candidates = expert_and_candidates(
            gains,
            f_min,
            profile.radio,
            expert_for_size(profile.expert, gains.shape[-1]),
            seed=seed,
            policies={POLICY: policy},
            num_samples=num_samples,
            sampling={POLICY: setting},
            dual={POLICY: DualTimeSharingConfig()},
            evaluation=profile.evaluation,
            baselines=(FULL_POWER, AVERAGE_POWER, WMMSE),
        )
        results[f_min] = evaluate_candidates(gains, candidates, profile.radio, profile.evaluation, seed=seed)

    def redraw() -> None:
        c = {name: w.value for name, w in panel.controls.items()}
        if c["f_min"] not in results:
            panel.run([("running the expert, sampling and time-sharing", lambda: evaluate(c["f_min"]))])
        chosen = {name: results[c["f_min"]][name] for name in c["candidates"]}
        panel.draw("curves", percentile_curves_figure(chosen, c["f_min"], horizon=c["horizon"]))

    panel.on_change(redraw)
    redraw()
    return panel
