"""The named profiles ``ci``, ``book`` and ``paper``: one size of every experiment each."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace

import torch

from ..checks import check_choice, check_f_min, check_int_at_least
from .choices import PAIRING_RULES
from .learning import DenoiserConfig, DiffusionConfig, SamplingSetting, TrainConfig, TuningConfig
from .solvers import ExpertConfig, GNNExpertConfig, expert_for_size
from .wireless import DENSITIES_PER_KM2, DropConfig, EvaluationConfig, GraphConfig, RadioConfig

__all__ = ["Profile", "PROFILES", "BOOK_BASE_SETTINGS", "get_profile", "override_profile"]


@dataclass(frozen=True)
class Profile:
    """A named size of every experiment: ``ci`` (tiny), ``book`` (default, a 2-core CPU), ``paper`` (GPU)."""

    name: str
    num_pairs: int  # N pairs per network
    densities_per_km2: tuple[float, ...] = DENSITIES_PER_KM2
    f_min: float = 0.6  # the reference minimum ergodic rate, bits/s/Hz
    f_mins: tuple[float, ...] = (0.4, 0.5, 0.6, 0.7, 0.8)  # QoS levels of the expert dataset grid
    num_networks_per_density: int = 128  # expert dataset networks per density, split 5:1:2 by network
    num_test_networks_per_density: int = 16  # networks per density for the baseline comparisons
    seed: int = 0  # one seed per profile; every experiment derives its generators from it
    transfer_pairs: tuple[int, ...] = ()  # network sizes N a policy trained at num_pairs is evaluated at
    train_pairs: tuple[int, ...] = ()  # larger sizes N whose expert datasets the policy also trains on
    # (Profile.sized: as many users per density as at num_pairs; gsdiff.training.train_policy)
    pairing: str = "as_dropped"  # DropConfig.pairing of every drop: "as_dropped" or "strongest"
    radio: RadioConfig = field(default_factory=RadioConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)
    graph: GraphConfig = field(default_factory=GraphConfig)
    expert: ExpertConfig = field(default_factory=ExpertConfig)
    gnn_expert: GNNExpertConfig = field(default_factory=GNNExpertConfig)
    denoiser: DenoiserConfig = field(default_factory=DenoiserConfig)
    diffusion: DiffusionConfig = field(default_factory=DiffusionConfig)
    sampling: SamplingSetting = field(default_factory=SamplingSetting)  # a new policy's sampling setting
    train: TrainConfig = field(default_factory=TrainConfig)
    tuning: TuningConfig = field(default_factory=TuningConfig)  # the sampling search on validation

    def __post_init__(self) -> None:
        check_int_at_least("num_pairs", self.num_pairs, 2)
        check_choice("pairing", self.pairing, PAIRING_RULES)
        check_int_at_least("num_test_networks_per_density", self.num_test_networks_per_density, 1)
        check_int_at_least("num_networks_per_density", self.num_networks_per_density, 8)
        check_f_min(self.f_min)
        if not self.f_mins:
            raise ValueError("f_mins must name at least one QoS level")
        check_f_min(torch.tensor(self.f_mins))
        if not self.densities_per_km2:
            raise ValueError("densities_per_km2 must name at least one density")
        for n in self.transfer_pairs:
            check_int_at_least("transfer_pairs", n, 2)
        for n in self.train_pairs:
            check_int_at_least("train_pairs", n, self.num_pairs + 1)
        for density in self.densities_per_km2:
            self.drop(density)  # validates each density against the packing limit
        if self.sampling.steps > self.diffusion.num_train_steps:
            raise ValueError(
                f"sampling.steps ({self.sampling.steps}) must be at most diffusion.num_train_steps "
                f"({self.diffusion.num_train_steps})"
            )

    def grid_f_min(self, f_min: float | None) -> float:
        """``f_min`` if it is one of the dataset grid's levels (``f_mins``), the reference level if None."""
        if f_min is None:
            return self.f_min
        if not any(abs(float(f_min) - level) < 1e-9 for level in self.f_mins):
            levels = ", ".join(f"{level:g}" for level in self.f_mins)
            raise ValueError(
                f"f_min must be one of the {self.name} profile's dataset levels ({levels}); got {f_min!r}"
            )
        return float(f_min)

    def sized(self, num_pairs: int) -> Profile:
        """This profile's dataset at another size: networks of ``num_pairs`` pairs, as many users per density
        as at ``self.num_pairs`` (fewer, larger networks; at least 8 per density, the 5:1:2 split's
        minimum), the expert exact up to ``EXACT_MAX_PAIRS`` pairs and mean-field above
        (``expert_for_size``); every other setting the same."""
        check_int_at_least("num_pairs", num_pairs, 2)
        networks = max(8, round(self.num_networks_per_density * self.num_pairs / num_pairs))
        return replace(
            self,
            num_pairs=num_pairs,
            num_networks_per_density=networks,
            expert=expert_for_size(self.expert, num_pairs),
            train_pairs=(),
        )

    def drop(self, density_per_km2: float) -> DropConfig:
        """The drop configuration of this profile at one density."""
        return DropConfig(num_pairs=self.num_pairs, density_per_km2=density_per_km2, pairing=self.pairing)


# Sizes measured on a 2-core CPU: the book's expert grid (4 densities x 5 f_min x 128 networks of 20 pairs,
# 1500 iterations) took 314 s; the expert's cost per network-iteration grows about as N^2.3
# (0.1 ms at N = 20, 1.0 ms at N = 50, 6 ms at N = 100: `python benchmarks/expert_throughput.py`).
PROFILES: dict[str, Profile] = {
    "ci": Profile(
        name="ci",
        num_pairs=10,
        transfer_pairs=(20, 50),
        f_mins=(0.6,),
        num_networks_per_density=8,
        num_test_networks_per_density=4,
        evaluation=EvaluationConfig(num_slots=100, window_slots=5),
        expert=ExpertConfig(num_iterations=300, burn_in=100, num_samples=50),
        gnn_expert=GNNExpertConfig(hidden=16, num_iterations=300, burn_in=100, num_samples=50),
        denoiser=DenoiserConfig(hidden=16, depth=2),
        diffusion=DiffusionConfig(num_train_steps=100),
        sampling=SamplingSetting(steps=10),
        train=TrainConfig(
            num_steps=60,
            batch_problems=8,
            eval_every=30,
            eval_problems=8,
            eval_samples=8,
            checkpoint_every=20,
        ),
    ),
    # Two stages. From random weights, 12000 steps at N = 20 (BOOK_BASE_SETTINGS: the validation mean
    # relative to the expert still rose at 6000, 0.90x at 750 steps, 0.97x at 6000; the moving average
    # steadies the noisy tail between validations), shipped as book-{kind}-n20.pt. Then, what the profile
    # trains: 1500 steps from those weights on networks of 20, 50 and 100 pairs at a fifth of the rate,
    # which keeps more of the tail on larger networks (p5 / expert 0.911 -> 0.933 at N = 400, 8 networks;
    # benchmarks/size_ablation.py).
    "book": Profile(
        name="book",
        num_pairs=20,
        transfer_pairs=(100, 400),  # 5x, 20x (the papers' Fig. 4; 80x: benchmarks/transfer.py)
        train_pairs=(50, 100),
        num_test_networks_per_density=16,
        train=TrainConfig(
            num_steps=1500, learning_rate=2e-4, eval_every=250, ema_decay=0.999, init_from="book-{kind}-n20"
        ),
    ),
    "paper": Profile(
        name="paper",
        num_pairs=400,
        transfer_pairs=(800, 2000, 8000),
        num_networks_per_density=256,
        num_test_networks_per_density=64,
        graph=GraphConfig(top_k=10),
        expert=ExpertConfig(num_iterations=3000, burn_in=1000),
    ),
}


# The book's first stage (book-{kind}-n20.pt): `gsdiff train --profile book` with these settings.
BOOK_BASE_SETTINGS = {
    "train_pairs": [],
    "train.init_from": None,
    "train.num_steps": 12000,
    "train.learning_rate": 1e-3,
    "train.eval_every": 500,
}


def get_profile(name: str) -> Profile:
    """The profile called ``name`` (one of ``ci``, ``book``, ``paper``)."""
    check_choice("profile", name, tuple(PROFILES))
    return PROFILES[name]


def override_profile(profile: Profile, settings: Mapping[str, object]) -> Profile:
    """``profile`` with some fields replaced: ``{"num_pairs": 400, "train.num_steps": 500, ...}`` (a name of
    the profile or ``section.name`` of one of its configs; lists become tuples). Every value goes through
    the configs' own validation; an unknown name is an error that lists the known ones.
    """
    top = {f.name: f for f in fields(profile) if f.name != "name"}
    nested: dict[str, dict[str, object]] = {}
    plain: dict[str, object] = {}
    for key, value in settings.items():
        value = tuple(value) if isinstance(value, list) else value
        section, _, name = key.rpartition(".")
        if not section:
            if key not in top or is_dataclass(getattr(profile, key)):
                known = ", ".join(n for n in top if not is_dataclass(getattr(profile, n)))
                raise ValueError(f"unknown profile setting {key!r}; the profile's own are: {known}")
            plain[key] = value
            continue
        if section not in top or not is_dataclass(getattr(profile, section)):
            known = ", ".join(n for n in top if is_dataclass(getattr(profile, n)))
            raise ValueError(f"unknown profile section {section!r} in {key!r}; sections: {known}")
        names = [f.name for f in fields(getattr(profile, section))]
        if name not in names:
            raise ValueError(f"unknown setting {key!r}; {section} has: {', '.join(names)}")
        nested.setdefault(section, {})[name] = value
    sections = {section: replace(getattr(profile, section), **values) for section, values in nested.items()}
    return replace(profile, **plain, **sections)
