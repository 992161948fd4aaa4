"""What a profile costs to run, estimated from short measured runs: the expert dataset, training and
sampling, each timed on a few units of work at the profile's own sizes and scaled to the profile's count.

A *unit* is what the stage's cost is proportional to: a network-iteration of the expert (its work is one
primal move and one dual step per network, vectorized over networks), an optimizer step of training at the
profile's mini-batch, and one sampled allocation (a reverse process of ``SamplingSetting.steps`` denoiser
calls on one network). The totals are the measured seconds per unit times the units of the profile's full run:

- expert dataset: D densities x F levels x M networks per density (every split) x ``num_iterations``;
- training: ``num_steps`` steps, plus its validations' sampled allocations
  (``num_steps / eval_every`` x ``eval_problems`` x ``eval_samples``);
- test evaluation: D x F x ``num_test_networks_per_density`` networks x ``expert.num_samples`` allocations.

The measurements are short on purpose (seconds), so they carry the noise of a shared machine and the
estimates are linear extrapolations: on a CPU the cost of a step grows about linearly with the batch, so a
step may be timed on ``train_problems`` < ``batch_problems`` problems and scaled; on a GPU, time the full
batch (the default), where a small batch underuses the device. Memory, I/O and the dual time-sharing of the
evaluation are left out.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import torch

from ..checks import check_int_at_least
from ..config import Profile
from ..devices import resolve_device
from ..policy import DiffusionPolicy
from ..solvers.expert import run_expert
from ..wireless.channel import drop_networks

__all__ = ["StageCost", "ProfileCost", "measure_profile_cost", "measure_expert_cost", "duration"]


@dataclass(frozen=True)
class StageCost:
    """One stage's measured cost per unit and the units of the profile's full run."""

    stage: str  # "expert dataset", "training", ...
    unit: str  # what one unit is
    seconds_per_unit: float  # measured
    measured_units: float  # how many units the measurement timed
    units: float  # units of the full run

    @property
    def total_seconds(self) -> float:
        return self.seconds_per_unit * self.units


@dataclass(frozen=True)
class ProfileCost:
    """The estimated cost of a profile's stages on one device."""

    profile: str
    device: str
    num_pairs: int
    stages: tuple[StageCost, ...]

    @property
    def total_seconds(self) -> float:
        return sum(stage.total_seconds for stage in self.stages)

    def with_stage(self, stage: StageCost, profile: str | None = None) -> ProfileCost:
        """This cost with ``stage`` in place of the stage of the same name (renamed to ``profile``)."""
        self.stage(stage.stage)  # must exist
        stages = tuple(stage if s.stage == stage.stage else s for s in self.stages)
        return replace(self, stages=stages, profile=profile or self.profile)

    def stage(self, name: str) -> StageCost:
        """The stage called ``name``."""
        for stage in self.stages:
            if stage.stage == name:
                return stage
        raise ValueError(f"no stage {name!r}; stages: {', '.join(s.stage for s in self.stages)}")

    def rows(self) -> list[list[str]]:
        """Table rows: stage, unit, seconds per unit, units of the full run, estimated time."""
        return [
            [
                s.stage,
                s.unit,
                f"{s.seconds_per_unit:.3g}",
                f"{s.units:,.0f}",
                duration(s.total_seconds),
            ]
            for s in self.stages
        ]


def duration(seconds: float) -> str:
    """A time for people: "42 s", "3.5 min", "17 h", "1,745 h"."""
    if seconds < 60:
        return f"{seconds:.2g} s" if seconds < 10 else f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 10 else f"{hours:,.0f} h"


def _synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _timed(device: torch.device, work) -> float:
    _synchronize(device)
    start = time.perf_counter()
    work()
    _synchronize(device)
    return time.perf_counter() - start


def _expert_seconds(profile: Profile, gains: torch.Tensor, iterations: int, device: torch.device) -> float:
    """Seconds per network-iteration of the profile's expert on ``gains``: the difference between runs of
    ``iterations`` and of 2 iterations, so that the setup (paid once in a run of thousands) is left out."""

    def run(count: int) -> float:
        config = replace(profile.expert, num_iterations=count, burn_in=0, num_samples=1)
        return _timed(device, lambda: run_expert(gains, profile.f_min, profile.radio, config, seed=0))

    run(2)  # warm-up
    return max(run(iterations) - run(2), 0.0) / (gains.shape[0] * (iterations - 2))


def _train_step_seconds(
    profile: Profile, policy: DiffusionPolicy, gains: torch.Tensor, steps: int, device: torch.device
) -> float:
    """Seconds per optimizer step on mini-batches of ``gains.shape[0]`` problems (one warm-up step first)."""
    cfg = profile.train
    optimizer = torch.optim.AdamW(policy.parameters(), lr=cfg.learning_rate)
    generator = torch.Generator(device=device).manual_seed(0)
    p, n = gains.shape[0], gains.shape[-1]
    samples = profile.radio.max_power_w * torch.rand(
        p, cfg.samples_per_problem, n, generator=generator, device=device
    )
    f_min = torch.full((p,), profile.f_min, device=device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.precision == "bfloat16")

    def step() -> None:
        with autocast:
            loss = policy.loss_given(
                gains, f_min, samples, *policy.draw_noise(samples, generator=generator), check=False
            )
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()  # warm-up: allocations, kernel selection, CSR patterns
    return _timed(device, lambda: [step() for _ in range(steps)]) / steps


def measure_expert_cost(
    profile: Profile,
    *,
    device: torch.device | str | None = None,
    networks: int | None = None,
    iterations: int = 12,
) -> StageCost:
    """The expert dataset stage of ``measure_profile_cost`` alone (e.g. for another ``ExpertConfig``)."""
    device = resolve_device(device)
    n = profile.num_pairs
    if networks is None:
        networks = max(2, min(profile.num_networks_per_density, 2**18 // n**2))
    check_int_at_least("expert_networks", networks, 1)
    check_int_at_least("expert_iterations", iterations, 3)
    gains = drop_networks(networks, profile.drop(profile.densities_per_km2[0]), seed=profile.seed).gains
    gains = gains.to(device)  # [B, N, N]
    grid = len(profile.densities_per_km2) * len(profile.f_mins) * profile.num_networks_per_density
    return StageCost(
        "expert dataset",
        "network-iteration",
        _expert_seconds(profile, gains, iterations, device),
        networks * (iterations - 2),
        grid * profile.expert.num_iterations,
    )


def measure_profile_cost(
    profile: Profile,
    *,
    device: torch.device | str | None = None,
    expert_networks: int | None = None,
    expert_iterations: int = 12,
    train_steps: int = 2,
    train_problems: int | None = None,
    sample_allocations: int | None = None,
) -> ProfileCost:
    """Time a few units of every stage of ``profile`` on ``device`` and scale them to its full run.

    ``expert_networks`` x ``expert_iterations`` expert network-iterations, ``train_steps`` optimizer steps on
    ``train_problems`` problems (default the profile's ``batch_problems``; fewer are scaled up linearly),
    and ``sample_allocations`` allocations of one network, all at the profile's network size, drawn at its
    first density. The policy is untrained (the cost does not depend on the weights). By default the expert
    and the sampler are timed on as much work per call as they batch in a full run (about 2^18 gains
    entries for the expert, at least 2 networks; one sampler chunk of 10240 nodes), since small calls cost
    more per unit: per-call overheads dominate at small N.
    """
    device = resolve_device(device)
    cfg, n = profile.train, profile.num_pairs
    if sample_allocations is None:
        sample_allocations = max(16, 10240 // n)
    check_int_at_least("train_steps", train_steps, 1)
    check_int_at_least("sample_allocations", sample_allocations, 1)
    problems = cfg.batch_problems if train_problems is None else train_problems
    if not 1 <= problems <= cfg.batch_problems:
        raise ValueError(
            f"train_problems must lie in [1, batch_problems = {cfg.batch_problems}], got {problems!r}"
        )
    expert = measure_expert_cost(
        profile, device=device, networks=expert_networks, iterations=expert_iterations
    )
    gains = drop_networks(problems, profile.drop(profile.densities_per_km2[0]), seed=profile.seed).gains
    gains = gains.to(device)  # [B, N, N]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(profile.seed)
        policy = DiffusionPolicy.from_profile(profile).to(device)

    step = (
        _train_step_seconds(profile, policy, gains[:problems], train_steps, device)
        * cfg.batch_problems
        / problems
    )
    generator = torch.Generator(device=device).manual_seed(0)
    policy.eval()
    policy.sample(gains[:1], profile.f_min, 1, generator=generator)  # warm-up
    sampling = _timed(
        device, lambda: policy.sample(gains[:1], profile.f_min, sample_allocations, generator=generator)
    )
    per_allocation = sampling / sample_allocations

    levels = len(profile.densities_per_km2) * len(profile.f_mins)
    validations = -(-cfg.num_steps // cfg.eval_every)
    stages = (
        expert,
        StageCost(
            "training steps", f"step of {cfg.batch_problems} problems", step, train_steps, cfg.num_steps
        ),
        StageCost(
            "training validations",
            "sampled allocation",
            per_allocation,
            sample_allocations,
            validations * cfg.eval_problems * cfg.eval_samples,
        ),
        StageCost(
            "test evaluation",
            "sampled allocation",
            per_allocation,
            sample_allocations,
            levels * profile.num_test_networks_per_density * profile.expert.num_samples,
        ),
    )
    return ProfileCost(profile.name, str(device), profile.num_pairs, stages)
