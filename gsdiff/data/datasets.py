"""The expert dataset: primal-dual samples on a (density x f_min x network) grid, cached by content.

For each density the profile's networks are drawn once and split 5:1:2 by network into train, validation
and test; the expert then runs on the networks of each requested split at every f_min, one seeded run per
(density, f_min, split) cell. Each cell is written atomically to a cache folder named by a hash of
everything that generates it (sizes, seeds, radio, expert settings), so a second run loads instead of
recomputing, an interrupted run resumes at the missing cells, several processes share the work (torchrun),
and a caller that needs only some splits (a chapter that evaluates the shipped policy needs no training
samples: 5/8 of the expert's work) builds only those;
asking a dataset for a split it was not built with is an error that says how to build it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ..cache import content_key, default_cache_dir
from ..checks import check_choice, check_int_at_least
from ..config import SPLITS, DropConfig, Profile
from ..devices import resolve_device
from ..distributed import current_workers
from ..files import atomic_write
from ..solvers.expert import run_expert
from ..wireless.channel import drop_networks

__all__ = ["ExpertDataset", "dataset_key", "load_or_build_dataset", "load_training_datasets"]

_RATIO = (5, 1, 2)  # train : validation : test, by network
_FORMAT = 2  # bump when the stored layout changes (2: one cell per density, f_min and split)


def dataset_key(profile: Profile, device_type: str = "cpu") -> str:
    """Hash of everything that generates the dataset (not the profile's name or evaluation settings); the
    expert's device type counts where it is not the CPU (other devices draw other random numbers)."""
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
    # Each addition is named only where it differs from what every existing cache was built with, which
    # keeps those caches' keys: another device type draws other numbers, another pairing other networks.
    if profile.pairing != "as_dropped":
        spec["pairing"] = profile.pairing
    del spec["drop"]["pairing"]
    if device_type != "cpu":
        spec["device_type"] = device_type
    return content_key(spec)


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
    seconds: torch.Tensor  # [D, F] expert time of each (density, f_min) when generated, built splits summed
    key: str
    built: tuple[tuple[str, float], ...] = ()  # the (split, f_min) cells with expert samples (others NaN)
    cache_dir: str = ""  # where it is cached ("": the default), to build more of it

    def require(self, name: str, f_min: float | None = None) -> None:
        """Raise unless split ``name`` was built at ``f_min`` (None: at every level)."""
        check_choice("split", name, SPLITS)
        levels = self.f_mins if f_min is None else (float(f_min),)
        missing = [f for f in levels if not any(n == name and abs(f - g) < 1e-9 for n, g in self.built)]
        if missing:
            held = ", ".join(f"{n} at {g:g}" for n, g in self.built) or "nothing"
            raise ValueError(
                f"the expert dataset holds {held}; build the {name} split at f_min "
                f"{', '.join(f'{f:g}' for f in missing)} with load_or_build_dataset(profile, splits=...)"
            )

    @property
    def num_built_cells(self) -> int:
        """(network, f_min) problems per density with expert samples."""
        return sum(self.splits[name].stop - self.splits[name].start for name, _ in self.built)

    @property
    def splits(self) -> dict[str, slice]:
        """Network index ranges of the 5:1:2 train / validation / test split (the same for every density)."""
        return _split_slices(self.gains.shape[1])

    def split(self, name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Every (network, f_min) problem of a split: gains [P, N, N], f_min [P], samples [P, S, N].

        Problems are ordered density-major, then f_min, then network.
        """
        self.require(name)
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
        levels = torch.tensor(self.f_mins, dtype=torch.float64)
        hit = torch.isclose(levels, torch.tensor(float(f_min), dtype=torch.float64))
        if not bool(hit.any()):
            named = ", ".join(f"{f:g}" for f in self.f_mins)
            raise ValueError(f"f_min must be one of the dataset's levels ({named}); got {f_min!r}")
        self.require(split, f_min)
        part = self.splits[split]
        if networks_per_density is not None:
            check_int_at_least("networks_per_density", networks_per_density, 1)
            part = slice(part.start, min(part.stop, part.start + networks_per_density))
        level = int(hit.nonzero()[0])
        return self.gains[:, part].flatten(0, 1), self.samples_w[:, level, part].flatten(0, 1)


def _atomic_save(path: Path, obj: dict) -> None:
    atomic_write(path, lambda f: torch.save(obj, f))


def _requested(profile: Profile, splits) -> tuple[tuple[str, float], ...]:
    """The (split, f_min) cells that ``splits`` asks for: split names (every level) or split -> levels."""
    wanted = splits.items() if isinstance(splits, Mapping) else ((name, None) for name in splits)
    cells = set()
    for name, levels in wanted:
        check_choice("splits", name, SPLITS)
        for f_min in profile.f_mins if levels is None else levels:
            cells.add((name, profile.grid_f_min(f_min)))
    return tuple(sorted(cells, key=lambda c: (SPLITS.index(c[0]), c[1])))


def _cell_seed(profile: Profile, d: int, f: int, split: str) -> int:
    return profile.seed * 1000 + 100 * d + f + 10_000 * (SPLITS.index(split) + 1)


def load_or_build_dataset(
    profile: Profile,
    *,
    splits: Sequence[str] | Mapping[str, Sequence[float] | None] = SPLITS,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    device: torch.device | str | None = None,
) -> ExpertDataset:
    """The expert dataset of ``profile`` with expert samples for ``splits`` (split names, every f_min level,
    or split -> levels, None for every level; default: everything), from the cache, computing (and caching)
    any missing cell.

    The expert runs on ``device`` (default the CPU; the dataset itself is returned on the CPU). Its random
    draws are made there too, so a cache built on CUDA is a different cache (its key names the device type).
    Under torchrun the missing cells are divided among the ranks (``gsdiff.distributed``).
    """
    device = resolve_device(device)
    workers = current_workers()
    built = _requested(profile, splits)
    key = dataset_key(profile, device.type)
    folder = Path(cache_dir or default_cache_dir()) / f"expert-{key}"
    parts = _split_slices(profile.num_networks_per_density)
    network_files = [folder / f"networks-d{d}.pt" for d in range(len(profile.densities_per_km2))]
    cells = [  # (density index, f_min index, split, file) of every requested cell
        (d, f, name, folder / f"cell-d{d}-f{f}-{name}.pt")
        for d in range(len(profile.densities_per_km2))
        for f, f_min in enumerate(profile.f_mins)
        for name, level in built
        if level == profile.grid_f_min(f_min)
    ]
    if workers.is_main:  # the networks first: every rank's cells need them
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "spec.json").write_text(json.dumps({"profile": profile.name, "key": key}, indent=1))
        for d, density in enumerate(profile.densities_per_km2):
            if not network_files[d].exists():
                networks = drop_networks(
                    profile.num_networks_per_density, profile.drop(density), seed=profile.seed * 1000 + d
                )
                _atomic_save(network_files[d], {"gains": networks.gains, "density_per_km2": density})
    workers.barrier()
    missing = [cell for i, cell in enumerate(cells) if workers.mine(i) and not cell[3].exists()]
    gains = torch.stack(
        [torch.load(path, weights_only=True)["gains"] for path in network_files]
    )  # [D, M, N, N]
    bar = tqdm(total=len(missing), desc="expert dataset cells", disable=not (progress and workers.is_main))
    for d, f, name, cell_file in missing:
        net_gains = gains[d]  # [M, N, N]
        start = time.perf_counter()
        result = run_expert(
            net_gains[parts[name]].to(device),
            profile.f_mins[f],
            profile.radio,
            profile.expert,
            seed=_cell_seed(profile, d, f, name),
        )
        payload = {
            "samples_w": result.samples_w.cpu(),
            "f_min": profile.f_mins[f],
            "seconds": time.perf_counter() - start,
        }
        _atomic_save(cell_file, payload)
        bar.update(1)
    bar.close()
    workers.barrier()  # every rank's cells are written
    d_count, m, n = gains.shape[0], gains.shape[1], profile.num_pairs
    shape = (d_count, len(profile.f_mins), m, profile.expert.num_samples, n)
    samples = torch.full(shape, float("nan"), dtype=gains.dtype)  # [D, F, M, S, N]; NaN: not built
    seconds = torch.zeros(d_count, len(profile.f_mins))
    for d, f, name, cell_file in cells:
        stored = torch.load(cell_file, weights_only=True)
        samples[d, f, parts[name]] = stored["samples_w"]
        seconds[d, f] += stored["seconds"]
    return ExpertDataset(
        densities_per_km2=tuple(profile.densities_per_km2),
        f_mins=tuple(profile.f_mins),
        gains=gains,
        samples_w=samples,
        seconds=seconds,
        key=key,
        built=built,
        cache_dir=str(cache_dir or ""),
    )


def load_training_datasets(
    profile: Profile,
    *,
    cache_dir: str | Path | None = None,
    progress: bool = True,
    device: torch.device | str | None = None,
) -> list[ExpertDataset]:
    """The train and validation splits a training run of ``profile`` reads: its own dataset first, then one
    per size in ``profile.train_pairs`` (``Profile.sized``: as many users per density, the expert exact or
    mean-field by size), each built as ``load_or_build_dataset`` builds it (cached, resumable, no test split).
    """
    needed = ("train", "validation")
    sizes = [profile, *(profile.sized(n) for n in profile.train_pairs)]
    return [
        load_or_build_dataset(p, splits=needed, cache_dir=cache_dir, progress=progress, device=device)
        for p in sizes
    ]
