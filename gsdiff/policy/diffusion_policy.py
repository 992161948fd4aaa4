"""``DiffusionPolicy``: a trained denoiser, its noise schedule and graph construction, as a policy that draws
power allocations for any network (eqs. (3)-(5) of the extended paper)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import torch
from torch import nn

from ..checks import check_int_at_least, check_networks, per_network_f_min
from ..config import DenoiserConfig, DiffusionConfig, GraphConfig, RadioConfig
from ..denoisers import build_denoiser
from ..diffusion import (
    ddpm_loss,
    from_diffusion_space,
    loss_weights,
    make_sampler,
    noise_schedule,
    reverse_path,
    reverse_process,
    to_diffusion_space,
)
from ..diffusion import initial_noise as initial_noise_of
from ..diffusion.samplers import ReversePath
from ..files import atomic_write
from ..graph import ChannelGraph, channel_graph

__all__ = ["SamplingSetting", "DiffusionPolicy", "project_to_levels"]

_FORMAT = 2  # checkpoint layout version (2: DiffusionConfig.noise became initial_noise)


@dataclass(frozen=True)
class SamplingSetting:
    """How a policy samples, beyond its configs: the keywords of ``DiffusionPolicy.sample`` that the
    selection on validation chooses (None: the policy's configured value)."""

    margin: float = 0.0  # bits/s/Hz: condition on f_min + margin
    levels: int | None = None  # project each power onto this many evenly spaced levels
    steps: int | None = None  # inference steps
    sampler: str | None = None  # "ddim" or "ddpm"
    eta: float | None = None  # DDIM's stochasticity
    initial_noise: str | None = None  # "sobol" or "gaussian"
    top_k: int | None = None  # graphs with each receiver's k strongest interferers (larger networks)

    def kwargs(self) -> dict:
        """The keywords to pass to ``DiffusionPolicy.sample`` (unset ones left out)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    @property
    def label(self) -> str:
        """e.g. "margin 0.05, 5 levels": the margin and every other field that is set."""
        parts = [f"margin {self.margin:g}"]
        if self.levels:
            parts.append(f"{self.levels} levels")
        parts += [
            f"{f.name} {getattr(self, f.name)}" for f in fields(self)[2:] if getattr(self, f.name) is not None
        ]
        return ", ".join(parts)


def project_to_levels(x_w: torch.Tensor, max_power_w: float, levels: int) -> torch.Tensor:
    """Each power (in [0, P_max]) moved to the nearest of ``levels`` evenly spaced powers 0, ..., P_max.

    The expert's primal moves use such levels (``ExpertConfig.num_levels``), so its samples live on this grid;
    projecting a sample onto it is the discrete analogue of the projection onto [0, P_max].
    """
    check_int_at_least("levels", levels, 2)
    steps = levels - 1
    return torch.round(x_w / max_power_w * steps) / steps * max_power_w


class DiffusionPolicy(nn.Module):
    """A conditional DDPM over allocation vectors viewed as graph signals.

    Args:
        denoiser, diffusion, radio, graph: the configs that define the policy; a checkpoint stores them and
            refuses to load into a policy built from others.
    """

    def __init__(
        self,
        denoiser: DenoiserConfig | None = None,
        diffusion: DiffusionConfig | None = None,
        radio: RadioConfig | None = None,
        graph: GraphConfig | None = None,
    ) -> None:
        super().__init__()
        self.configs = {
            "denoiser": denoiser or DenoiserConfig(),
            "diffusion": diffusion or DiffusionConfig(),
            "radio": radio or RadioConfig(),
            "graph": graph or GraphConfig(),
        }
        self.denoiser = build_denoiser(self.configs["denoiser"])
        d = self.configs["diffusion"]
        self.schedule = noise_schedule(d.schedule, d.num_train_steps, d.beta_start, d.beta_end)
        self.loss_weights = loss_weights(self.schedule, d.loss_weighting)
        self.checkpoint_info: dict = {}  # what a loaded checkpoint stored beside the weights (history, ...)

    def _apply(self, fn, recurse=True):
        """``.to(device)`` and friends: the noise schedule and loss weights follow the weights' device, so
        the training loop's ``add_noise`` and loss never copy them from the host."""
        super()._apply(fn, recurse)
        device = next(self.parameters()).device
        self.schedule = self.schedule.to(device)
        if self.loss_weights is not None:
            self.loss_weights = self.loss_weights.to(device)
        return self

    @property
    def max_power_w(self) -> float:
        return self.configs["radio"].max_power_w

    def graphs(
        self,
        gains: torch.Tensor,
        f_min: float | torch.Tensor,
        top_k: int | None = None,
        check: bool = True,
    ) -> ChannelGraph:
        """The channel graphs of networks [B, N, N] at f_min (scalar, [B] or [B, N]), as this policy sees
        them; ``top_k`` keeps each receiver's k strongest interferers instead of the configured graph's
        (``check``: see ``gsdiff.graph.channel_graph``)."""
        graph = self.configs["graph"] if top_k is None else replace(self.configs["graph"], top_k=top_k)
        return channel_graph(gains, f_min, self.configs["radio"], graph, check=check)

    def loss(
        self, gains: torch.Tensor, f_min: torch.Tensor, samples_w: torch.Tensor, generator: torch.Generator
    ) -> torch.Tensor:
        """The eps-prediction loss (4) on expert samples [P, S, N] (gains [P, N, N], f_min [P])."""
        return self.loss_given(gains, f_min, samples_w, *self.draw_noise(samples_w, generator))

    def draw_noise(
        self, samples_w: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The diffusion steps [P, S] and the noise [P, S, N] of one loss evaluation on samples [P, S, N]
        (drawn for a whole batch at once, so that data-parallel ranks can each take a shard of it)."""
        p, s, _ = samples_w.shape
        t = torch.randint(
            0, self.schedule.num_train_steps, (p * s,), generator=generator, device=samples_w.device
        )
        noise = torch.randn(
            samples_w.shape, generator=generator, device=samples_w.device, dtype=samples_w.dtype
        )
        return t.view(p, s), noise

    def loss_given(
        self,
        gains: torch.Tensor,
        f_min: torch.Tensor,
        samples_w: torch.Tensor,
        t: torch.Tensor,
        noise: torch.Tensor,
        check: bool = True,
    ) -> torch.Tensor:
        """The loss (4) at given diffusion steps t [P, S] and noise [P, S, N] (``draw_noise``);
        ``check=False`` for inputs validated already (the training loop's: it never waits on the device)."""
        p, s, n = samples_w.shape
        graph = self.graphs(gains, f_min, check=check)  # one graph per problem, shared by its S samples
        x0 = to_diffusion_space(samples_w, self.max_power_w)  # [P, S, N]
        x_t = self.schedule.add_noise(x0, noise, t)  # [P, S, N]
        eps = self.denoiser(x_t.transpose(1, 2), t, graph).transpose(1, 2)  # [P, S, N]
        return ddpm_loss(
            eps.reshape(p * s, n).to(noise.dtype), noise.reshape(p * s, n), t.reshape(-1), self.loss_weights
        )

    def _sampler(self, kind: str | None, steps: int | None, eta: float | None):
        """The configured sampler, or ``kind`` with ``steps`` and ``eta`` (DDIM only) where given."""
        d = self.configs["diffusion"]
        kind = d.sampler if kind is None else kind
        if eta is None and kind == "ddim":
            eta = d.eta
        sampler = make_sampler(kind, self.schedule, eta)
        sampler.set_timesteps(steps or d.sample_steps)
        return sampler

    def _noise_predictor(self, graph: ChannelGraph):
        """eps_theta(x_t, t) for signals x_t [B, N, M] on ``graph``, all at step t."""

        def predict(x: torch.Tensor, t: int) -> torch.Tensor:
            return self.denoiser(x, torch.full((x.shape[0], x.shape[2]), t, device=x.device), graph)

        return predict

    @torch.no_grad()
    def sample(
        self,
        gains: torch.Tensor,
        f_min: float | torch.Tensor,
        num_samples: int,
        steps: int | None = None,
        eta: float | None = None,
        generator: torch.Generator | None = None,
        chunk_nodes: int = 10240,
        sampler: str | None = None,
        levels: int | None = None,
        initial_noise: str | None = None,
        margin: float = 0.0,
        top_k: int | None = None,
    ) -> torch.Tensor:
        """Draw allocations in W, [B, S, N], for networks [B, N, N] (any N) at f_min (scalar or [B]).

        Runs ``sampler`` ("ddim" or "ddpm"; default the configured one) for ``steps`` inference steps (DDIM
        with ``eta``) from initial noise of kind ``initial_noise`` ("sobol" or "gaussian", see
        ``gsdiff.diffusion.initial_noise``; default the configured one). Each network's graph is built once
        and shared by its samples and every step; networks and samples go in chunks of at most
        ``chunk_nodes`` nodes (networks x samples x N: the chunks change the speed and the memory, and the
        samples only by float round-off and through the order of the step noise of DDPM or DDIM with eta > 0,
        ``benchmarks/sampling_throughput.py``). Samples are mapped back from the diffusion space and
        projected on [0, P_max] and, with ``levels``, onto that many evenly spaced powers
        (``project_to_levels``). ``margin`` (bits/s/Hz) asks the denoiser for the stricter requirement
        f_min + margin, as the expert's dual step aims at its own margin above f_min. ``top_k`` builds the
        graphs with each receiver's k strongest interferers (default: the configured graph): on networks
        larger than the training ones, k = the training N - 1 keeps the degree the denoiser learned on and
        the cost per step O(N k).
        """
        check_networks(gains)
        if not (isinstance(margin, (int, float)) and math.isfinite(margin)):
            raise ValueError(f"margin must be a finite number of bits/s/Hz, got {margin!r}")
        f = per_network_f_min(f_min, gains)
        if margin and not bool((f + margin >= 0).all()):
            raise ValueError(
                f"f_min + margin must be >= 0, got margin {margin!r} with f_min {f.min().item():g}"
            )
        check_int_at_least("num_samples", num_samples, 1)
        check_int_at_least("chunk_nodes", chunk_nodes, 1)
        if levels is not None:  # fail before sampling, not after
            check_int_at_least("levels", levels, 2)
        if top_k is not None:
            check_int_at_least("top_k", top_k, 1)
        solver = self._sampler(sampler, steps, eta)
        b, n = gains.shape[0], gains.shape[-1]
        kind = self.configs["diffusion"].initial_noise if initial_noise is None else initial_noise
        z = initial_noise_of(b, num_samples, n, kind, generator, gains.dtype, gains.device)  # [B, S, N]
        per_chunk = max(1, chunk_nodes // n)  # signals (network samples) per chunk
        networks = max(1, per_chunk // num_samples)
        samples_per_chunk = min(num_samples, per_chunk)
        out = torch.empty_like(z)
        for first in range(0, b, networks):
            part = slice(first, first + networks)
            graph = self.graphs(gains[part], f[part] + margin, top_k)  # once for all samples and steps
            predict = self._noise_predictor(graph)
            for start in range(0, num_samples, samples_per_chunk):
                which = slice(start, start + samples_per_chunk)
                x = reverse_process(solver, z[part, which].transpose(1, 2), predict, generator=generator)
                out[part, which] = from_diffusion_space(x, self.max_power_w).transpose(1, 2)
        return out if levels is None else project_to_levels(out, self.max_power_w, levels)

    @torch.no_grad()
    def trajectory(
        self,
        gains: torch.Tensor,
        f_min: float,
        steps: int | None = None,
        generator: torch.Generator | None = None,
    ) -> ReversePath:
        """One reverse process on one network [N, N] with the configured sampler and initial noise.

        Returns the timesteps, the samples x_t [T + 1, N] from the initial noise to the result and the
        predicted clean samples [T, N], in the diffusion space.
        """
        check_networks(gains[None])
        n = gains.shape[-1]
        kind = self.configs["diffusion"].initial_noise
        x = initial_noise_of(1, 1, n, kind, generator, gains.dtype, gains.device).reshape(1, n, 1)
        predict = self._noise_predictor(self.graphs(gains[None], f_min))
        path = reverse_path(self._sampler(None, steps, None), x, predict, generator=generator)
        return ReversePath(path.timesteps, path.samples[:, 0, :, 0], path.predicted_x0[:, 0, :, 0])

    def config_dict(self) -> dict:
        """The defining configs as plain data (what a checkpoint stores)."""
        return {name: asdict(config) for name, config in self.configs.items()}

    def check_config(self, stored: dict, what: str) -> None:
        """Raise ValueError naming every field where ``stored`` (a ``config_dict``) differs from ours."""
        differing = sorted(
            f"{section}.{key}: {stored.get(section, {}).get(key)!r} vs expected {value!r}"
            for section, fields in self.config_dict().items()
            for key, value in fields.items()
            if stored.get(section, {}).get(key) != value
        )
        if differing:
            raise ValueError(f"{what} was made with another config: " + "; ".join(differing))

    def save(self, path: str | Path, **extra) -> None:
        """Write weights and configs atomically; ``extra`` (plain data or tensors) is stored beside them."""
        payload = {"format": _FORMAT, "config": self.config_dict(), "state_dict": self.state_dict(), **extra}
        atomic_write(path, lambda f: torch.save(payload, f))

    @classmethod
    def load(cls, path: str | Path, expected: DiffusionPolicy | None = None) -> DiffusionPolicy:
        """Load a checkpoint (``weights_only=True``); with ``expected``, refuse one from other configs."""
        payload = torch.load(path, weights_only=True, map_location="cpu")
        if payload.get("format") != _FORMAT:
            raise ValueError(
                f"checkpoint {str(path)!r} has format {payload.get('format')!r}, expected {_FORMAT}"
            )
        stored = payload["config"]
        if expected is not None:
            expected.check_config(stored, f"checkpoint {str(path)!r}")
        with torch.random.fork_rng(devices=[]):  # the initial weights are overwritten: leave the RNG alone
            policy = cls(
                DenoiserConfig(**stored["denoiser"]),
                DiffusionConfig(**stored["diffusion"]),
                RadioConfig(**stored["radio"]),
                GraphConfig(**stored["graph"]),
            )
        policy.load_state_dict(payload["state_dict"])
        policy.checkpoint_info = {
            k: v for k, v in payload.items() if k not in ("format", "config", "state_dict")
        }
        return policy
