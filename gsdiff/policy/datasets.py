"""The expert dataset: primal-dual samples on a (density x f_min x network) grid, cached by content.

For each density the profile's networks are drawn once and split 5:1:2 by network into train, validation
and test; the expert then runs on every network at every f_min. Each grid cell is written atomically to a
cache folder named by a hash of everything that generates it (sizes, seeds, radio, expert settings), so a
second run loads instead of recomputing and an interrupted run resumes at the first missing cell.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ..checks import check_choice, check_int_at_least
from ..config import SPLITS, DropConfig, Profile
from ..files import atomic_write
from ..solvers.expert import run_expert
from ..wireless.channel import drop_networks

__all__ = ["ExpertDataset", "dataset_key", "default_cache_dir", "load_or_build_dataset"]

_RATIO = (5, 1, 2)  # train : validation : test, by network
_FORMAT = 1  # bump when the stored layout changes


def default_cache_dir() -> Path:
    """``$GSDIFF_CACHE`` or ``~/.cache/gsdiff``."""
    return Path(os.environ.get("GSDIFF_CACHE", Path.home() / ".cache" / "gsdiff"))


def dataset_key(profile: Profile) -> str:
    """Hash of everything that generates the dataset (not the profile's name or evaluation settings)."""
    spec = {
        "format": _FORMAT,
        "num_pairs": profile.num_pairs,
        "densities_per_km2": profile.densities_per_km2,
        "f_mins": profile.f_mins,
        "num_networks_per_density": profile.num_networks_per_density,
        "seed": profile.seed,
        "radio": asdict(profile.radio),
        "expert": asdict(profile.expert),
        "drop": asdict(DropConfig(num_pairs=profile.num_pairs)),
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]


def _split_slices(num_networks: int) -> dict[str, slice]:
    train = num_networks * _RATIO[0] // sum(_RATIO)
    validation = num_networks * _RATIO[1] // sum(_RATIO)
    return {
        "train": slice(0, train),
        "validation": slice(train, train + validation),
        "test": slice(train + validation, num_networks),
    }


@dataclass(frozen=True)
class ExpertDataset:
    """Expert samples on the grid: D densities x F f_min levels x M networks, S samples of N powers each."""

    densities_per_km2: tuple[float, ...]
    f_mins: tuple[float, ...]
    gains: torch.Tensor  # [D, M, N, N] large-scale gains
    samples_w: torch.Tensor  # [D, F, M, S, N] expert samples in W
    seconds: torch.Tensor  # [D, F] expert time of each cell when it was generated
    key: str

    @property
    def splits(self) -> dict[str, slice]:
        """Network index ranges of the 5:1:2 train / validation / test split (the same for every density)."""
        return _split_slices(self.gains.shape[1])

    def split(self, name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Every (network, f_min) problem of a split: gains [P, N, N], f_min [P], samples [P, S, N].

        Problems are ordered density-major, then f_min, then network.
        """
        check_choice("split", name, SPLITS)
        part = self.splits[name]
        d, f = len(self.densities_per_km2), len(self.f_mins)
        gains = self.gains[:, None, part].expand(d, f, -1, -1, -1)
        m = gains.shape[2]
        f_min = torch.tensor(self.f_mins, dtype=torch.float64)[None, :, None].expand(d, f, m)
        samples = self.samples_w[:, :, part]
        return gains.flatten(0, 2), f_min.flatten(), samples.flatten(0, 2)

    def at_f_min(
        self, split: str, f_min: float, networks_per_density: int | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The networks of a split with the expert's samples at one of the dataset's f_min levels: gains
        [B, N, N] and samples [B, S, N], density-major; with ``networks_per_density``, only the first that
        many networks of each density."""
        check_choice("split", split, SPLITS)
        levels = torch.tensor(self.f_mins, dtype=torch.float64)
        hit = torch.isclose(levels, torch.tensor(float(f_min), dtype=torch.float64))
        if not bool(hit.any()):
            named = ", ".join(f"{f:g}" for f in self.f_mins)
            raise ValueError(f"f_min must be one of the dataset's levels ({named}); got {f_min!r}")
        part = self.splits[split]
        if networks_per_density is not None:
            check_int_at_least("networks_per_density", networks_per_density, 1)
            part = slice(part.start, min(part.stop, part.start + networks_per_density))
        level = int(hit.nonzero()[0])
        return self.gains[:, part].flatten(0, 1), self.samples_w[:, level, part].flatten(0, 1)


def _atomic_save(path: Path, obj: dict) -> None:
    atomic_write(path, lambda f: torch.save(obj, f))


def load_or_build_dataset(
    profile: Profile, cache_dir: str | Path | None = None, progress: bool = True
) -> ExpertDataset:
    """The expert dataset of ``profile``, from the cache, computing (and caching) any missing cell."""
    key = dataset_key(profile)
    folder = Path(cache_dir or default_cache_dir()) / f"expert-{key}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "spec.json").write_text(json.dumps({"profile": profile.name, "key": key}, indent=1))
    gains, samples, seconds = [], [], torch.zeros(len(profile.densities_per_km2), len(profile.f_mins))
    cells = len(profile.densities_per_km2) * len(profile.f_mins)
    bar = tqdm(total=cells, desc="expert dataset cells", disable=not progress)
    for d, density in enumerate(profile.densities_per_km2):
        network_file = folder / f"networks-d{d}.pt"
        if not network_file.exists():
            networks = drop_networks(
                profile.num_networks_per_density,
                DropConfig(num_pairs=profile.num_pairs, density_per_km2=density),
                seed=profile.seed * 1000 + d,
            )
            _atomic_save(network_file, {"gains": networks.gains, "density_per_km2": density})
        net_gains = torch.load(network_file, weights_only=True)["gains"]
        gains.append(net_gains)
        row = []
        for f, f_min in enumerate(profile.f_mins):
            cell_file = folder / f"cell-d{d}-f{f}.pt"
            if not cell_file.exists():
                start = time.perf_counter()
                result = run_expert(
                    net_gains, f_min, profile.radio, profile.expert, seed=profile.seed * 1000 + 100 * d + f
                )
                _atomic_save(
                    cell_file,
                    {"samples_w": result.samples_w, "f_min": f_min, "seconds": time.perf_counter() - start},
                )
            cell = torch.load(cell_file, weights_only=True)
            row.append(cell["samples_w"])
            seconds[d, f] = cell["seconds"]
            bar.update(1)
        samples.append(torch.stack(row))
    bar.close()
    return ExpertDataset(
        densities_per_km2=tuple(profile.densities_per_km2),
        f_mins=tuple(profile.f_mins),
        gains=torch.stack(gains),
        samples_w=torch.stack(samples),
        seconds=seconds,
        key=key,
    )
