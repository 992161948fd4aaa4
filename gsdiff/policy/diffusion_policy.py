"""``DiffusionPolicy``: a trained denoiser, its noise schedule and graph construction, as a policy that draws
power allocations for any network (eqs. (3)-(5) of the extended paper).

What defines the weights (the denoiser, the diffusion process, the graph, the radio) is fixed when a policy
is made; how it samples is a ``SamplingSetting`` it carries as its default (the one chosen for it on
validation, stored in its checkpoint) and that any call may replace (``gsdiff.policy.checkpoints``).
"""

from __future__ import annotations

from dataclasses import asdict, replace
from pathlib import Path

import torch
from torch import nn

from ..checks import check_int_at_least, check_networks, per_network_f_min
from ..config import (
    SAMPLING_MEMORY_GB,
    DenoiserConfig,
    DiffusionConfig,
    GraphConfig,
    Profile,
    RadioConfig,
    SamplingSetting,
)
from ..denoisers import build_denoiser
from ..diffusion import (
    ddpm_loss,
    from_diffusion_space,
    initial_noise,
    loss_weights,
    make_sampler,
    noise_schedule,
    reverse_path,
    reverse_process,
    to_diffusion_space,
)
from ..diffusion.samplers import ReversePath, Sampler
from ..files import atomic_write
from ..graph import DENSE_MAX_NODES, ChannelGraph, channel_graph
from .checkpoints import (
    FORMAT,
    config_differences,
    read_checkpoint,
    read_configs,
    read_sampling,
    read_training_pairs,
    weights_fingerprint,
)
from .memory import check_sampling_memory

__all__ = ["DiffusionPolicy", "project_to_levels"]


def project_to_levels(x_w: torch.Tensor, max_power_w: float, power_levels: int) -> torch.Tensor:
    """Each power (in [0, P_max]) moved to the nearest of ``power_levels`` evenly spaced powers 0, ..., P_max.

    The expert's primal moves use such levels (``ExpertConfig.num_levels``), so its samples live on this grid;
    projecting a sample onto it is the discrete analogue of the projection onto [0, P_max].
    """
    check_int_at_least("power_levels", power_levels, 2)
    steps = power_levels - 1
    return torch.round(x_w / max_power_w * steps) / steps * max_power_w


class DiffusionPolicy(nn.Module):
    """A conditional DDPM over allocation vectors viewed as graph signals.

    Args:
        denoiser, diffusion, radio, graph: the configs that define the policy's weights; a checkpoint stores
            them and refuses to load where a caller expects others.
        sampling: how the policy samples when a call names no setting (default: ``SamplingSetting()``).
        training_pairs: the network size N it was trained on (stored with its checkpoint): on larger
            networks it samples, by default, on graphs of the degree it learned, N - 1 (``graph_degree``).
            None: not known (complete graphs unless the graph config or a setting keeps a top-k).
    """

    def __init__(
        self,
        denoiser: DenoiserConfig,
        diffusion: DiffusionConfig,
        radio: RadioConfig,
        graph: GraphConfig,
        *,
        sampling: SamplingSetting | None = None,
        training_pairs: int | None = None,
    ) -> None:
        super().__init__()
        if training_pairs is not None:
            check_int_at_least("training_pairs", training_pairs, 2)
        self.configs = {"denoiser": denoiser, "diffusion": diffusion, "radio": radio, "graph": graph}
        self.sampling = sampling or SamplingSetting()
        self.training_pairs = training_pairs
        self.denoiser = build_denoiser(denoiser)
        self.schedule = noise_schedule(
            diffusion.schedule, diffusion.num_train_steps, diffusion.beta_start, diffusion.beta_end
        )
        self.loss_weights = loss_weights(self.schedule, diffusion.loss_weighting)
        self.checkpoint_info: dict = {}  # what a loaded checkpoint stored beside the weights (history, ...)

    @classmethod
    def from_profile(cls, profile: Profile) -> DiffusionPolicy:
        """An untrained policy with the profile's configs and sampling setting."""
        return cls(
            profile.denoiser,
            profile.diffusion,
            profile.radio,
            profile.graph,
            sampling=profile.sampling,
            training_pairs=profile.num_pairs,
        )

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

    def graph_degree(self, num_pairs: int, top_k: int | None = None) -> int | None:
        """The neighbours each receiver keeps when this policy samples networks of ``num_pairs`` pairs:
        ``top_k`` if given, else the graph config's, else, on networks larger than the training ones, the
        degree the denoiser learned on (``training_pairs - 1``: the fast sparse path, O(N k) per step,
        without a flag); None keeps every interferer."""
        if top_k is not None:
            return top_k
        if self.configs["graph"].top_k is not None:
            return self.configs["graph"].top_k
        if self.training_pairs is not None and num_pairs > self.training_pairs:
            return self.training_pairs - 1
        return None

    def graphs(
        self,
        gains: torch.Tensor,
        f_min: float | torch.Tensor,
        *,
        top_k: int | None = None,
        layout: str = "auto",
        check: bool = True,
    ) -> ChannelGraph:
        """The channel graphs of networks [B, N, N] at f_min (scalar, [B] or [B, N]), as this policy sees
        them; ``top_k`` keeps each receiver's k strongest interferers instead of the configured graph's
        (``layout``, ``check``: see ``gsdiff.graph.channel_graph``)."""
        graph = self.configs["graph"] if top_k is None else replace(self.configs["graph"], top_k=top_k)
        return channel_graph(gains, f_min, self.configs["radio"], graph, layout=layout, check=check)

    def loss(
        self,
        gains: torch.Tensor,
        f_min: torch.Tensor,
        samples_w: torch.Tensor,
        *,
        generator: torch.Generator,
        top_k: int | None = None,
    ) -> torch.Tensor:
        """The eps-prediction loss (4) on expert samples [P, S, N] (gains [P, N, N], f_min [P]); ``top_k``
        as in ``graphs``."""
        t, noise = self.draw_noise(samples_w, generator=generator)
        return self.loss_given(gains, f_min, samples_w, t, noise, top_k=top_k)

    def draw_noise(
        self, samples_w: torch.Tensor, *, generator: torch.Generator
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
        *,
        top_k: int | None = None,
        check: bool = True,
    ) -> torch.Tensor:
        """The loss (4) at given diffusion steps t [P, S] and noise [P, S, N] (``draw_noise``) on graphs of
        ``top_k`` neighbours (None: the policy's graph); ``check=False`` for inputs validated already (the
        training loop's: it never waits on the device)."""
        p, s, n = samples_w.shape
        # One graph per problem, shared by its S samples; held dense up to DENSE_MAX_NODES nodes whatever
        # the kept share: with the backward pass, dense blocks train faster than the sparse table at the
        # training sizes (U-GNN, 64 x 4 samples, top-19, 2 threads: 0.64 vs 1.1 s a step at N = 50).
        layout = "dense" if n <= DENSE_MAX_NODES else "auto"
        graph = self.graphs(gains, f_min, top_k=top_k, layout=layout, check=check)
        x0 = to_diffusion_space(samples_w, self.max_power_w)  # [P, S, N]
        x_t = self.schedule.add_noise(x0, noise, t)  # [P, S, N]
        eps = self.denoiser(x_t.transpose(1, 2), t, graph).transpose(1, 2)  # [P, S, N]
        return ddpm_loss(
            eps.reshape(p * s, n).to(noise.dtype), noise.reshape(p * s, n), t.reshape(-1), self.loss_weights
        )

    def sampler(self, setting: SamplingSetting | None = None) -> Sampler:
        """The reverse-process sampler of ``setting`` (default the policy's), its timesteps set."""
        setting = setting or self.sampling
        num_train_steps = self.configs["diffusion"].num_train_steps
        if setting.steps > num_train_steps:
            raise ValueError(
                f"steps must be at most the policy's {num_train_steps} diffusion steps, got {setting.steps}"
            )
        eta = setting.eta if setting.sampler == "ddim" else None  # the others' step noise is fixed
        sampler = make_sampler(setting.sampler, self.schedule, eta, timestep_spacing=setting.timestep_spacing)
        sampler.set_timesteps(setting.steps)
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
        setting: SamplingSetting | None = None,
        *,
        generator: torch.Generator | None = None,
        chunk_nodes: int = 10240,
        memory_gb: float = SAMPLING_MEMORY_GB,
    ) -> torch.Tensor:
        """Draw allocations in W, [B, S, N], for networks [B, N, N] (any N) at f_min (scalar or [B]).

        ``setting`` (default: the policy's own, ``self.sampling``) names the sampler, its steps and eta,
        the initial noise (``gsdiff.diffusion.initial_noise``), the margin (the denoiser is asked for the
        stricter requirement f_min + margin, as the expert's dual step aims at its own margin above f_min),
        the projection onto power levels (``project_to_levels``) and the graph's ``top_k`` (each receiver's
        k strongest interferers; by default, on networks larger than the training ones, k = the training
        N - 1, the degree the denoiser learned on, at a cost per step O(N k): ``graph_degree``). A chunk
        whose graph operators would need more than ``memory_gb`` (``sampling_memory_gb``) is refused before
        anything is built, naming the flags that fit it. Each network's graph is built once and
        shared by its samples and every step; networks and samples go in chunks of at most ``chunk_nodes``
        nodes (networks x samples x N: the chunks change the speed and the memory, and the samples only by
        float round-off and through the order of the step noise of DDPM or DDIM with eta > 0,
        ``benchmarks/sampling_throughput.py``). Samples are mapped back from the diffusion space and projected
        on [0, P_max].
        """
        check_networks(gains)
        given_dtype, gains = gains.dtype, self._in_model_dtype(gains)
        setting = setting or self.sampling
        f = per_network_f_min(f_min, gains)
        if setting.margin and not bool((f + setting.margin >= 0).all()):
            raise ValueError(
                f"f_min + margin must be >= 0, got margin {setting.margin!r} with f_min {f.min().item():g}"
            )
        check_int_at_least("num_samples", num_samples, 1)
        check_int_at_least("chunk_nodes", chunk_nodes, 1)
        solver = self.sampler(setting)
        b, n = gains.shape[0], gains.shape[-1]
        top_k = self.graph_degree(n, setting.top_k)
        z = initial_noise(  # [B, S, N]
            b,
            num_samples,
            n,
            setting.initial_noise,
            generator=generator,
            dtype=gains.dtype,
            device=gains.device,
        )
        per_chunk = max(1, chunk_nodes // n)  # signals (network samples) per chunk
        networks = max(1, per_chunk // num_samples)
        samples_per_chunk = min(num_samples, per_chunk)
        check_sampling_memory(
            min(b, networks) * samples_per_chunk * n,
            n,
            top_k,
            self.configs["denoiser"],
            memory_gb=memory_gb,
            training_pairs=self.training_pairs,
        )
        out = torch.empty_like(z)
        for first in range(0, b, networks):
            part = slice(first, first + networks)
            graph = self.graphs(gains[part], f[part] + setting.margin, top_k=top_k)  # once per chunk
            predict = self._noise_predictor(graph)
            for start in range(0, num_samples, samples_per_chunk):
                which = slice(start, start + samples_per_chunk)
                x = reverse_process(solver, z[part, which].transpose(1, 2), predict, generator=generator)
                out[part, which] = from_diffusion_space(x, self.max_power_w).transpose(1, 2)
        if setting.power_levels is not None:
            out = project_to_levels(out, self.max_power_w, setting.power_levels)
        return out.to(given_dtype)

    def _in_model_dtype(self, gains: torch.Tensor) -> torch.Tensor:
        """Gains in the denoiser's floating type: float64 gains (e.g. read from a file) are sampled on the
        float32 weights the policy was trained with, and the samples returned in the gains' type."""
        return gains.to(next(self.denoiser.parameters()).dtype)

    @torch.no_grad()
    def trajectory(
        self,
        gains: torch.Tensor,
        f_min: float,
        setting: SamplingSetting | None = None,
        *,
        generator: torch.Generator | None = None,
    ) -> ReversePath:
        """One reverse process on one network [N, N] with ``setting``'s sampler and initial noise (default:
        the policy's).

        Returns the timesteps, the samples x_t [T + 1, N] from the initial noise to the result and the
        predicted clean samples [T, N], in the diffusion space.
        """
        check_networks(gains[None])
        gains = self._in_model_dtype(gains)
        setting = setting or self.sampling
        n = gains.shape[-1]
        x = initial_noise(
            1, 1, n, setting.initial_noise, generator=generator, dtype=gains.dtype, device=gains.device
        ).reshape(1, n, 1)
        top_k = self.graph_degree(n, setting.top_k)
        predict = self._noise_predictor(self.graphs(gains[None], f_min + setting.margin, top_k=top_k))
        path = reverse_path(self.sampler(setting), x, predict, generator=generator)
        return ReversePath(path.timesteps, path.samples[:, 0, :, 0], path.predicted_x0[:, 0, :, 0])

    def config_dict(self) -> dict:
        """The defining configs as plain data (what a checkpoint stores under "config")."""
        return {name: asdict(config) for name, config in self.configs.items()}

    def fingerprint(self) -> str:
        """16 hex digits naming this policy: its defining configs, its sampling setting and its weights."""
        return weights_fingerprint(self.configs, self.sampling, self.state_dict())

    def check_configs(self, configs: dict, what: str) -> None:
        """Raise ValueError naming every defining field where ``configs`` (section -> config) differ."""
        differing = config_differences(configs, self.configs)
        if differing:
            raise ValueError(f"{what} was made with another config: " + "; ".join(differing))

    def save(self, path: str | Path, **extra) -> None:
        """Write weights, defining configs and sampling setting atomically; ``extra`` (plain data or tensors)
        is stored beside them."""
        payload = {
            "format": FORMAT,
            "config": self.config_dict(),
            "sampling": asdict(self.sampling),
            "training_pairs": self.training_pairs,
            "state_dict": self.state_dict(),
            **extra,
        }
        atomic_write(path, lambda f: torch.save(payload, f))

    @classmethod
    def load(cls, path: str | Path, *, expected: DiffusionPolicy | None = None) -> DiffusionPolicy:
        """Load a checkpoint of any format (``weights_only=True``, on the CPU; ``gsdiff.policy.checkpoints``);
        with ``expected``, refuse one whose defining configs differ from that policy's."""
        payload = read_checkpoint(path)
        what = f"checkpoint {str(path)!r}"
        configs = read_configs(payload, what)
        if expected is not None:
            expected.check_configs(configs, what)
        with torch.random.fork_rng(devices=[]):  # the initial weights are overwritten: leave the RNG alone
            policy = cls(
                **configs, sampling=read_sampling(payload, what), training_pairs=read_training_pairs(payload)
            )
        policy.load_state_dict(payload["state_dict"])
        policy.checkpoint_info = {
            k: v
            for k, v in payload.items()
            if k not in ("format", "config", "sampling", "training_pairs", "state_dict")
        }
        return policy
